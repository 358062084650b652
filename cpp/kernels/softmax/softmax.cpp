// Softmax dispatch: the variant table, its registration, and the parallel drivers for float:
// contiguous rows (last axis) go to the variant's row kernel; a non-last axis is done in column
// blocks with the variant's vectorized exp over contiguous inner spans.
#include "kernels/softmax/softmax.h"

#include <algorithm>
#include <cmath>

#include "kernels/cpu.h"

namespace pg::kernels {
namespace {

// A null entry means "run the templated reference on float".
const Variant<const SoftmaxFns*> kSoftmax[] = {
#ifdef PYGRAPH_SIMD
    {"softmax_f32_avx512", Isa::avx512, &kSoftmaxAvx512},
    {"softmax_f32_avx2", Isa::avx2, &kSoftmaxAvx2},
#endif
    {"softmax_f32_portable", Isa::portable, &kSoftmaxPortable},
    {"softmax_f32_ref", Isa::ref, nullptr},
};
const bool kRegistered = register_table("softmax", kSoftmax);

constexpr int64_t kBlock = 256;  // inner columns per block: max and sum live on the stack

// x, y are (n, inner) with columns [i0, i0 + w) of one outer slice
void softmax_columns(const SoftmaxFns& f, const float* x, float* y, int64_t n, int64_t inner,
                     int64_t w, bool log) {
  float mx[kBlock], sum[kBlock];
  std::fill(mx, mx + w, -INFINITY);
  std::fill(sum, sum + w, 0.f);
  for (int64_t k = 0; k < n; ++k) {
    const float* xr = x + k * inner;
    for (int64_t i = 0; i < w; ++i) mx[i] = xr[i] > mx[i] ? xr[i] : mx[i];
  }
  for (int64_t k = 0; k < n; ++k) {
    const float* xr = x + k * inner;
    float* yr = y + k * inner;
    for (int64_t i = 0; i < w; ++i) yr[i] = xr[i] - mx[i];
    f.exp_inplace(yr, w);
    for (int64_t i = 0; i < w; ++i) sum[i] += yr[i];
  }
  if (log) {
    for (int64_t i = 0; i < w; ++i) sum[i] = std::log(sum[i]);
    for (int64_t k = 0; k < n; ++k) {
      const float* xr = x + k * inner;
      float* yr = y + k * inner;
      for (int64_t i = 0; i < w; ++i) yr[i] = (xr[i] - mx[i]) - sum[i];
    }
  } else {
    for (int64_t i = 0; i < w; ++i) sum[i] = 1.f / sum[i];
    for (int64_t k = 0; k < n; ++k) {
      float* yr = y + k * inner;
      for (int64_t i = 0; i < w; ++i) yr[i] *= sum[i];
    }
  }
}

}  // namespace

// x, y are (outer, n, inner)
void softmax_f32(const float* x, float* y, int64_t outer, int64_t n, int64_t inner, bool log) {
  const SoftmaxFns* f = pick(kSoftmax).fn;
  if (!f) return softmax_ref<float>(x, y, outer, n, inner, log);
  if (inner == 1) {
#pragma omp parallel for if (outer * n > (1 << 14)) schedule(static)
    for (int64_t o = 0; o < outer; ++o) f->row(x + o * n, y + o * n, n, log);
    return;
  }
  const int64_t blocks = (inner + kBlock - 1) / kBlock;
#pragma omp parallel for collapse(2) if (outer * n * inner > (1 << 14)) schedule(static)
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t i0 = b * kBlock, w = std::min(kBlock, inner - i0);
      softmax_columns(*f, x + o * n * inner + i0, y + o * n * inner + i0, n, inner, w, log);
    }
}

template <>
void softmax<float>(const float* x, float* y, int64_t outer, int64_t n, int64_t inner, bool log) {
  softmax_f32(x, y, outer, n, inner, log);
}
template <>
void softmax<double>(const double* x, double* y, int64_t outer, int64_t n, int64_t inner,
                     bool log) {
  softmax_ref<double>(x, y, outer, n, inner, log);
}

}  // namespace pg::kernels
