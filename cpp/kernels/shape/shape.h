// Data movement: the blocked 2-D transpose (the only arithmetic-free kernel worth SIMD here),
// a general permute built on it, strided row copies (concat, split) and index-map padding.
// Pure functions on raw memory; element types are float, double or int64_t.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace pg::kernels {

// x is (rows, cols) with row stride ldx, y is (cols, rows) with row stride ldy: y[c, r] = x[r, c].
using Transpose2dFn = void (*)(const float* x, float* y, int64_t rows, int64_t cols, int64_t ldx,
                               int64_t ldy);
template <class T>
void transpose2d_ref(const T* x, T* y, int64_t rows, int64_t cols, int64_t ldx, int64_t ldy);
void transpose2d_f32_portable(const float*, float*, int64_t, int64_t, int64_t, int64_t);
void transpose2d_f32_avx2(const float*, float*, int64_t, int64_t, int64_t, int64_t);
void transpose2d_f32_avx512(const float*, float*, int64_t, int64_t, int64_t, int64_t);

// y = x permuted: y's axis i is x's axis perm[i]. x is contiguous with `shape`; elements of
// `elem` bytes (4 or 8). Merges axes that stay adjacent, then copies blocks or transposes
// 2-D planes with the dispatched tile kernel (float32) or the reference (8-byte elements).
void permute(const void* x, void* y, size_t elem, const std::vector<int64_t>& shape,
             const std::vector<int>& perm);

// rows of row_bytes each: dst[r] = src[r], with row strides in bytes. Threads over rows.
void copy_rows(const void* src, void* dst, int64_t rows, int64_t row_bytes, int64_t src_ld,
               int64_t dst_ld);

// x is `in` (contiguous), y is `out`; map[d][o] is the input index feeding output index o along
// dim d, or -1 where the output is padding (filled with `value`). Constant padding is a
// one-to-one map; reflect/replicate map several outputs to one input.
template <class T>
void pad_forward(const T* x, T* y, const std::vector<int64_t>& in, const std::vector<int64_t>& out,
                 const std::vector<std::vector<int64_t>>& map, T value);
// gx is `in` (zeroed here), gy is `out`: gx[map(o)] += gy[o] (one-to-one maps run threaded).
template <class T>
void pad_backward(const T* gy, T* gx, const std::vector<int64_t>& in,
                  const std::vector<int64_t>& out, const std::vector<std::vector<int64_t>>& map,
                  bool one_to_one);

}  // namespace pg::kernels
