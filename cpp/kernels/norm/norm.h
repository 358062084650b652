// Batch norm and layer norm kernels, forward and backward. Pure functions on raw pointers; the
// caller allocates. Statistics are two-pass (mean, then squared deviations) for accuracy.
#pragma once
#include <cstdint>

namespace pg::kernels {

// Span primitives the SIMD variants provide; both norms are built from them.
struct NormSpanFns {
  float (*sum)(const float* x, int64_t n);
  float (*sq_dev)(const float* x, int64_t n, float mean);  // sum of (x - mean)^2
  void (*scale_shift)(const float* x, float* y, int64_t n, float a, float b);  // y = a*x + b
  // y = (x - mean) * invstd * w + b, w and b optional (nullptr); x - mean first: no cancellation
  void (*normalize)(const float* x, float* y, int64_t n, float mean, float invstd, const float* w,
                    const float* b);
};
extern const NormSpanFns kNormSpanPortable;
#ifdef PYGRAPH_SIMD
extern const NormSpanFns kNormSpanAvx2;
extern const NormSpanFns kNormSpanAvx512;
#endif

// ---- batch norm: x, y are (N, C, S) with S the product of the spatial dims ----

// Per-channel mean and biased variance of x over (N, S).
template <class T>
void batch_norm_stats_ref(const T* x, int64_t N, int64_t C, int64_t S, T* mean, T* var);
// y = x * scale[c] + shift[c]
template <class T>
void batch_norm_apply_ref(const T* x, T* y, int64_t N, int64_t C, int64_t S, const T* scale,
                          const T* shift);
// Fast path (float) / reference (double) behind one name.
template <class T>
void batch_norm_stats(const T* x, int64_t N, int64_t C, int64_t S, T* mean, T* var);
template <class T>
void batch_norm_apply(const T* x, T* y, int64_t N, int64_t C, int64_t S, const T* scale,
                      const T* shift);

// dy, x, dx are (N, C, S); mean, invstd, weight (nullable), dweight, dbias are (C).
// training: the statistics came from this batch, so dx includes their gradient.
// dx, dweight, dbias may each be nullptr (not wanted).
template <class T>
void batch_norm_backward_ref(const T* dy, const T* x, int64_t N, int64_t C, int64_t S,
                             const T* mean, const T* invstd, const T* weight, bool training, T* dx,
                             T* dweight, T* dbias);

// ---- layer norm: x, y are (M, D), normalized over each row of D ----

// weight, bias (D) nullable; mean, invstd (M) outputs, nullable.
template <class T>
void layer_norm_ref(const T* x, T* y, int64_t M, int64_t D, const T* weight, const T* bias, T eps,
                    T* mean, T* invstd);
template <class T>
void layer_norm(const T* x, T* y, int64_t M, int64_t D, const T* weight, const T* bias, T eps,
                T* mean, T* invstd);

// dy, x, dx are (M, D); mean, invstd (M): read, or computed here (in T, with eps) when
// compute_stats; weight, dweight, dbias (D) nullable. work: scratch of
// ceil(M / kLayerNormRows) * 2 * D elements for the partial column sums.
constexpr int64_t kLayerNormRows = 32;
template <class T>
void layer_norm_backward_ref(const T* dy, const T* x, int64_t M, int64_t D, T* mean, T* invstd,
                             bool compute_stats, T eps, const T* weight, T* dx, T* dweight,
                             T* dbias, T* work);

}  // namespace pg::kernels
