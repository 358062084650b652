// Reductions over the middle axis of a contiguous (outer, R, inner) array: sum (scaled, which
// gives mean), max, min, argmax, argmin. Any set of axes reduces to one or more such passes
// once adjacent axes are merged (the ops layer does that). No allocation, no Tensor.
#pragma once
#include <cstdint>
#include <vector>

namespace pg::kernels {

enum class ReduceOp { sum, max, min };

// x is (outer, R, inner), y is (outer, inner). sum: y = scale * sum_r x (accumulated in double
// per block, so float32 sums of 1e6 elements match float64 to ~1e-7); max/min: NaN propagates.
void reduce_f32(ReduceOp op, const float* x, float* y, int64_t outer, int64_t R, int64_t inner,
                double scale);
template <class T>
void reduce_ref(ReduceOp op, const T* x, T* y, int64_t outer, int64_t R, int64_t inner,
                double scale);
// Typed front door: float -> reduce_f32 (dispatched), double -> reduce_ref<double>.
template <class T>
void reduce(ReduceOp op, const T* x, T* y, int64_t outer, int64_t R, int64_t inner, double scale);

// x is (outer, R, inner), idx is (outer, inner): index of the first max (min when is_min) along
// R; a NaN counts as the extreme (the first NaN wins), as in numpy.
void arg_reduce_f32(const float* x, int64_t* idx, int64_t outer, int64_t R, int64_t inner,
                    bool is_min);  // dispatched: row max (min), then a SIMD find-first
template <class T>
void arg_reduce_ref(const T* x, int64_t* idx, int64_t outer, int64_t R, int64_t inner, bool is_min);

// The per-ISA primitives behind reduce_f32. A row is contiguous; "cols" reduce `width`
// adjacent columns over R rows with row stride ld, writing y[0..width).
constexpr int64_t kReduceColTile = 1024;  // the most columns one `cols` call reduces
struct SumKernels {
  double (*row)(const float* x, int64_t n);
  void (*cols)(const float* x, int64_t R, int64_t ld, int64_t width, double scale, float* y);
};
struct MinMaxKernels {
  float (*row)(const float* x, int64_t n);
  // Index of the first x[i] == value (the first NaN when value is NaN); n when none.
  int64_t (*find)(const float* x, int64_t n, float value);
  void (*cols)(const float* x, int64_t R, int64_t ld, int64_t width, float* y);
};

int64_t find_ref(const float* x, int64_t n, float value);
extern const SumKernels kSumRef, kSumPortable, kSumAvx2, kSumAvx512;
extern const MinMaxKernels kMaxRef, kMaxPortable, kMaxAvx2, kMaxAvx512;
extern const MinMaxKernels kMinRef, kMinPortable, kMinAvx2, kMinAvx512;

}  // namespace pg::kernels

namespace pg::kernels {

// gy is the reduced array, gx is `dims` (contiguous): gx[i] = scale * gy[sum_d i_d * ystride[d]]
// with ystride 0 on reduced axes (sum/mean backward).
template <class T>
void expand_ref(const T* gy, T* gx, const std::vector<int64_t>& dims,
                const std::vector<int64_t>& ystride, double scale);

// x and gx are `dims`, y and gy the reduced arrays (strides as above): gx is zero except at the
// first element (row-major) of each reduced block that equals y (or is NaN when y is), which
// receives gy (max/min backward).
template <class T>
void route_first_ref(const T* x, const T* y, const T* gy, T* gx, const std::vector<int64_t>& dims,
                     const std::vector<int64_t>& ystride, int64_t ynumel);

// The same routing for one reduced run: x, gx are (outer, R, inner), y, gy are (outer, inner).
// Threads over outer.
template <class T>
void route_first_rows_ref(const T* x, const T* y, const T* gy, T* gx, int64_t outer, int64_t R,
                          int64_t inner);

}  // namespace pg::kernels
