// Norm dispatch: variant tables (batch_norm, layer_norm share the span primitives), their
// registration under family "norm", and the channel/row-parallel drivers for float.
#include "kernels/norm/norm.h"

#include <cmath>

#include "kernels/cpu.h"

namespace pg::kernels {
namespace {

// A null entry means "run the templated reference on float".
const Variant<const NormSpanFns*> kBatchNorm[] = {
#ifdef PYGRAPH_SIMD
    {"batch_norm_f32_avx512", Isa::avx512, &kNormSpanAvx512},
    {"batch_norm_f32_avx2", Isa::avx2, &kNormSpanAvx2},
#endif
    {"batch_norm_f32_portable", Isa::portable, &kNormSpanPortable},
    {"batch_norm_f32_ref", Isa::ref, nullptr},
};
const Variant<const NormSpanFns*> kLayerNorm[] = {
#ifdef PYGRAPH_SIMD
    {"layer_norm_f32_avx512", Isa::avx512, &kNormSpanAvx512},
    {"layer_norm_f32_avx2", Isa::avx2, &kNormSpanAvx2},
#endif
    {"layer_norm_f32_portable", Isa::portable, &kNormSpanPortable},
    {"layer_norm_f32_ref", Isa::ref, nullptr},
};
const bool kRegistered = register_table("norm", kBatchNorm) && register_table("norm", kLayerNorm);

}  // namespace

// x is (N, C, S); mean, var are (C). Span sums in float lanes, combined in double.
template <>
void batch_norm_stats<float>(const float* x, int64_t N, int64_t C, int64_t S, float* mean,
                             float* var) {
  const NormSpanFns* f = pick(kBatchNorm).fn;
  if (!f) return batch_norm_stats_ref<float>(x, N, C, S, mean, var);
#pragma omp parallel for if (N * C * S > (1 << 15))
  for (int64_t c = 0; c < C; ++c) {
    double s = 0, q = 0;
    for (int64_t n = 0; n < N; ++n) s += f->sum(x + (n * C + c) * S, S);
    const float m = static_cast<float>(s / static_cast<double>(N * S));
    for (int64_t n = 0; n < N; ++n) q += f->sq_dev(x + (n * C + c) * S, S, m);
    mean[c] = m;
    var[c] = static_cast<float>(q / static_cast<double>(N * S));
  }
}

// x, y are (N, C, S); scale, shift are (C)
template <>
void batch_norm_apply<float>(const float* x, float* y, int64_t N, int64_t C, int64_t S,
                             const float* scale, const float* shift) {
  const NormSpanFns* f = pick(kBatchNorm).fn;
  if (!f) return batch_norm_apply_ref<float>(x, y, N, C, S, scale, shift);
#pragma omp parallel for if (N * C * S > (1 << 15))
  for (int64_t nc = 0; nc < N * C; ++nc)
    f->scale_shift(x + nc * S, y + nc * S, S, scale[nc % C], shift[nc % C]);
}

// x, y are (M, D); weight, bias (D); mean, invstd (M)
template <>
void layer_norm<float>(const float* x, float* y, int64_t M, int64_t D, const float* weight,
                       const float* bias, float eps, float* mean, float* invstd) {
  const NormSpanFns* f = pick(kLayerNorm).fn;
  if (!f) return layer_norm_ref<float>(x, y, M, D, weight, bias, eps, mean, invstd);
#pragma omp parallel for if (M * D > (1 << 15))
  for (int64_t r = 0; r < M; ++r) {
    const float* xr = x + r * D;
    const float m = f->sum(xr, D) / static_cast<float>(D);
    const float is = 1.f / std::sqrt(f->sq_dev(xr, D, m) / static_cast<float>(D) + eps);
    f->normalize(xr, y + r * D, D, m, is, weight, bias);
    if (mean) mean[r] = m;
    if (invstd) invstd[r] = is;
  }
}

template <>
void batch_norm_stats<double>(const double* x, int64_t N, int64_t C, int64_t S, double* mean,
                              double* var) {
  batch_norm_stats_ref<double>(x, N, C, S, mean, var);
}
template <>
void batch_norm_apply<double>(const double* x, double* y, int64_t N, int64_t C, int64_t S,
                              const double* scale, const double* shift) {
  batch_norm_apply_ref<double>(x, y, N, C, S, scale, shift);
}
template <>
void layer_norm<double>(const double* x, double* y, int64_t M, int64_t D, const double* weight,
                        const double* bias, double eps, double* mean, double* invstd) {
  layer_norm_ref<double>(x, y, M, D, weight, bias, eps, mean, invstd);
}

}  // namespace pg::kernels
