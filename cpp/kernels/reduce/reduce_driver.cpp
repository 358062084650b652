// Dispatch and threading for the float32 reductions. Splits the work into rows or column
// tiles; the arithmetic lives in the per-ISA primitives (reduce_<isa>.cpp).
#include <algorithm>
#include <limits>

#include "kernels/cpu.h"
#include "kernels/reduce/reduce.h"

namespace pg::kernels {
namespace {

const Variant<const SumKernels*> kSum[] = {
#ifdef PYGRAPH_SIMD
    {"sum_f32_avx512", Isa::avx512, &kSumAvx512},
    {"sum_f32_avx2", Isa::avx2, &kSumAvx2},
#endif
    {"sum_f32_portable", Isa::portable, &kSumPortable},
    {"sum_f32_ref", Isa::ref, &kSumRef}};
const Variant<const MinMaxKernels*> kMax[] = {
#ifdef PYGRAPH_SIMD
    {"max_f32_avx512", Isa::avx512, &kMaxAvx512},
    {"max_f32_avx2", Isa::avx2, &kMaxAvx2},
#endif
    {"max_f32_portable", Isa::portable, &kMaxPortable},
    {"max_f32_ref", Isa::ref, &kMaxRef}};
const Variant<const MinMaxKernels*> kMin[] = {
#ifdef PYGRAPH_SIMD
    {"min_f32_avx512", Isa::avx512, &kMinAvx512},
    {"min_f32_avx2", Isa::avx2, &kMinAvx2},
#endif
    {"min_f32_portable", Isa::portable, &kMinPortable},
    {"min_f32_ref", Isa::ref, &kMinRef}};
const bool kRegistered = register_table("reduce", kSum) && register_table("reduce", kMax) &&
                         register_table("reduce", kMin);

constexpr int64_t kParallelWork = 1 << 15;  // elements below which threads cost more than they save
constexpr int64_t kMaxChunks = 256;         // a long row is split into at most this many chunks
constexpr int64_t kMinChunk = 16384;
constexpr int64_t kColTile = kReduceColTile;
constexpr int64_t kManyRows = 8;  // enough rows to keep the threads busy without splitting a row

// The chunking of a long row depends only on its length, so results do not depend on threads.
int64_t chunk_size(int64_t n) {
  const int64_t chunks = std::min(kMaxChunks, (n + kMinChunk - 1) / kMinChunk);
  return (n + chunks - 1) / chunks;
}

// x is (outer, R): y[o] = scale * sum x[o, :]
void sum_rows(const SumKernels& k, const float* x, float* y, int64_t outer, int64_t R,
              double scale) {
  if (outer >= kManyRows || R < 2 * kMinChunk) {
#pragma omp parallel for if (outer * R > kParallelWork)
    for (int64_t o = 0; o < outer; ++o) y[o] = static_cast<float>(k.row(x + o * R, R) * scale);
    return;
  }
  const int64_t cs = chunk_size(R), nc = (R + cs - 1) / cs;
  for (int64_t o = 0; o < outer; ++o) {
    double part[kMaxChunks];
    const float* row = x + o * R;
#pragma omp parallel for
    for (int64_t c = 0; c < nc; ++c) part[c] = k.row(row + c * cs, std::min(cs, R - c * cs));
    double s = 0;
    for (int64_t c = 0; c < nc; ++c) s += part[c];
    y[o] = static_cast<float>(s * scale);
  }
}

// x is (outer, R): y[o] = max (or min) of x[o, :]
void minmax_rows(const MinMaxKernels& k, const float* x, float* y, int64_t outer, int64_t R) {
  if (outer >= kManyRows || R < 2 * kMinChunk) {
#pragma omp parallel for if (outer * R > kParallelWork)
    for (int64_t o = 0; o < outer; ++o) y[o] = k.row(x + o * R, R);
    return;
  }
  const int64_t cs = chunk_size(R), nc = (R + cs - 1) / cs;
  for (int64_t o = 0; o < outer; ++o) {
    float part[kMaxChunks];
    const float* row = x + o * R;
#pragma omp parallel for
    for (int64_t c = 0; c < nc; ++c) part[c] = k.row(row + c * cs, std::min(cs, R - c * cs));
    y[o] = k.row(part, nc);  // NaN in a chunk stays NaN
  }
}

}  // namespace

// x is (outer, R, inner), y is (outer, inner)
void reduce_f32(ReduceOp op, const float* x, float* y, int64_t outer, int64_t R, int64_t inner,
                double scale) {
  (void)kRegistered;
  if (outer * inner == 0) return;
  if (R == 0) {  // only a sum reaches here with nothing to reduce
    std::fill(y, y + outer * inner, 0.0f);
    return;
  }
  const SumKernels& sk = *pick(kSum).fn;
  const MinMaxKernels& mk = op == ReduceOp::min ? *pick(kMin).fn : *pick(kMax).fn;
  if (inner == 1) {
    if (op == ReduceOp::sum)
      sum_rows(sk, x, y, outer, R, scale);
    else
      minmax_rows(mk, x, y, outer, R);
    return;
  }
  // Narrower tiles until every thread has one; a column's sum does not depend on the tiling.
  int64_t tile = kColTile;
  while (tile > 64 && outer * ((inner + tile - 1) / tile) < num_threads() &&
         outer * R * inner > kParallelWork)
    tile /= 2;
  const int64_t tiles = (inner + tile - 1) / tile;
#pragma omp parallel for collapse(2) if (outer * R * inner > kParallelWork)
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t t = 0; t < tiles; ++t) {
      const int64_t c = t * tile, w = std::min(tile, inner - c);
      const float* src = x + o * R * inner + c;
      float* dst = y + o * inner + c;
      if (op == ReduceOp::sum)
        sk.cols(src, R, inner, w, scale, dst);
      else
        mk.cols(src, R, inner, w, dst);
    }
}

// x is (outer, R, inner), idx is (outer, inner)
void arg_reduce_f32(const float* x, int64_t* idx, int64_t outer, int64_t R, int64_t inner,
                    bool is_min) {
  if (inner != 1 || R == 0) {
    arg_reduce_ref<float>(x, idx, outer, R, inner, is_min);
    return;
  }
  const MinMaxKernels& k = is_min ? *pick(kMin).fn : *pick(kMax).fn;
#pragma omp parallel for if (outer * R > kParallelWork)
  for (int64_t o = 0; o < outer; ++o) {
    const float* row = x + o * R;
    idx[o] = k.find(row, R, k.row(row, R));
  }
}

template <>
void reduce<float>(ReduceOp op, const float* x, float* y, int64_t outer, int64_t R, int64_t inner,
                   double scale) {
  reduce_f32(op, x, y, outer, R, inner, scale);
}
template <>
void reduce<double>(ReduceOp op, const double* x, double* y, int64_t outer, int64_t R,
                    int64_t inner, double scale) {
  if (R == 0) {
    std::fill(y, y + outer * inner, 0.0);
    return;
  }
  reduce_ref<double>(op, x, y, outer, R, inner, scale);
}

}  // namespace pg::kernels
