// Reference batch norm and layer norm: plain loops in T with double accumulators, the oracle of
// every SIMD variant and the float64 path (backward runs here for both dtypes).
#include <algorithm>
#include <cmath>

#include "kernels/norm/norm.h"

namespace pg::kernels {

// x is (N, C, S); mean, var are (C)
template <class T>
void batch_norm_stats_ref(const T* x, int64_t N, int64_t C, int64_t S, T* mean, T* var) {
#pragma omp parallel for if (N * C * S > (1 << 15))
  for (int64_t c = 0; c < C; ++c) {
    double s = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < S; ++i) s += x[(n * C + c) * S + i];
    const double m = s / static_cast<double>(N * S);
    double q = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < S; ++i) {
        const double d = x[(n * C + c) * S + i] - m;
        q += d * d;
      }
    mean[c] = static_cast<T>(m);
    var[c] = static_cast<T>(q / static_cast<double>(N * S));
  }
}

// x, y are (N, C, S); scale, shift are (C)
template <class T>
void batch_norm_apply_ref(const T* x, T* y, int64_t N, int64_t C, int64_t S, const T* scale,
                          const T* shift) {
#pragma omp parallel for if (N * C * S > (1 << 15))
  for (int64_t nc = 0; nc < N * C; ++nc) {
    const T a = scale[nc % C], b = shift[nc % C];
    for (int64_t i = 0; i < S; ++i) y[nc * S + i] = x[nc * S + i] * a + b;
  }
}

// dy, x, dx are (N, C, S); mean, invstd, weight, dweight, dbias are (C)
template <class T>
void batch_norm_backward_ref(const T* dy, const T* x, int64_t N, int64_t C, int64_t S,
                             const T* mean, const T* invstd, const T* weight, bool training, T* dx,
                             T* dweight, T* dbias) {
  const double M = static_cast<double>(N * S);
#pragma omp parallel for if (N * C * S > (1 << 15))
  for (int64_t c = 0; c < C; ++c) {
    const double m = mean[c], is = invstd[c], w = weight ? weight[c] : 1.0;
    double sdy = 0, sdyx = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < S; ++i) {
        const int64_t j = (n * C + c) * S + i;
        sdy += dy[j];
        sdyx += dy[j] * (x[j] - m) * is;
      }
    if (dbias) dbias[c] = static_cast<T>(sdy);
    if (dweight) dweight[c] = static_cast<T>(sdyx);
    if (!dx) continue;
    const double k = w * is, mdy = training ? sdy / M : 0, mdyx = training ? sdyx / M : 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t i = 0; i < S; ++i) {
        const int64_t j = (n * C + c) * S + i;
        dx[j] = static_cast<T>(k * (dy[j] - mdy - (x[j] - m) * is * mdyx));
      }
  }
}

// x, y are (M, D); weight, bias (D); mean, invstd (M)
template <class T>
void layer_norm_ref(const T* x, T* y, int64_t M, int64_t D, const T* weight, const T* bias, T eps,
                    T* mean, T* invstd) {
#pragma omp parallel for if (M * D > (1 << 15))
  for (int64_t r = 0; r < M; ++r) {
    const T* xr = x + r * D;
    double s = 0, q = 0;
    for (int64_t j = 0; j < D; ++j) s += xr[j];
    const double m = s / static_cast<double>(D);
    for (int64_t j = 0; j < D; ++j) q += (xr[j] - m) * (xr[j] - m);
    const double is = 1.0 / std::sqrt(q / static_cast<double>(D) + static_cast<double>(eps));
    for (int64_t j = 0; j < D; ++j) {
      double v = (xr[j] - m) * is;
      if (weight) v *= weight[j];
      if (bias) v += bias[j];
      y[r * D + j] = static_cast<T>(v);
    }
    if (mean) mean[r] = static_cast<T>(m);
    if (invstd) invstd[r] = static_cast<T>(is);
  }
}

// dy, x, dx are (M, D); mean, invstd (M); weight, dweight, dbias (D)
template <class T>
void layer_norm_backward_ref(const T* dy, const T* x, int64_t M, int64_t D, const T* mean,
                             const T* invstd, const T* weight, T* dx, T* dweight, T* dbias) {
  const bool big = M * D > (1 << 15);
  if (dx) {
#pragma omp parallel for if (big)
    for (int64_t r = 0; r < M; ++r) {
      const double m = mean[r], is = invstd[r];
      double a = 0, b = 0;
      for (int64_t j = 0; j < D; ++j) {
        const double g = dy[r * D + j] * (weight ? weight[j] : T(1));
        a += g;
        b += g * (x[r * D + j] - m) * is;
      }
      a /= static_cast<double>(D);
      b /= static_cast<double>(D);
      for (int64_t j = 0; j < D; ++j) {
        const double g = dy[r * D + j] * (weight ? weight[j] : T(1));
        dx[r * D + j] = static_cast<T>(is * (g - a - (x[r * D + j] - m) * is * b));
      }
    }
  }
  if (!dweight && !dbias) return;
  // Column sums in blocks of 64 columns: each block is one thread's, rows stream through.
  const int64_t blocks = (D + 63) / 64;
#pragma omp parallel for if (big)
  for (int64_t blk = 0; blk < blocks; ++blk) {
    const int64_t j0 = blk * 64, j1 = std::min(D, j0 + 64);
    double sw[64] = {}, sb[64] = {};
    for (int64_t r = 0; r < M; ++r)
      for (int64_t j = j0; j < j1; ++j) {
        const double g = dy[r * D + j];
        sb[j - j0] += g;
        sw[j - j0] += g * (x[r * D + j] - mean[r]) * invstd[r];
      }
    for (int64_t j = j0; j < j1; ++j) {
      if (dweight) dweight[j] = static_cast<T>(sw[j - j0]);
      if (dbias) dbias[j] = static_cast<T>(sb[j - j0]);
    }
  }
}

#define PG_INSTANTIATE(T)                                                                      \
  template void batch_norm_stats_ref<T>(const T*, int64_t, int64_t, int64_t, T*, T*);         \
  template void batch_norm_apply_ref<T>(const T*, T*, int64_t, int64_t, int64_t, const T*,    \
                                        const T*);                                             \
  template void batch_norm_backward_ref<T>(const T*, const T*, int64_t, int64_t, int64_t,     \
                                           const T*, const T*, const T*, bool, T*, T*, T*);    \
  template void layer_norm_ref<T>(const T*, T*, int64_t, int64_t, const T*, const T*, T, T*,  \
                                  T*);                                                         \
  template void layer_norm_backward_ref<T>(const T*, const T*, int64_t, int64_t, const T*,    \
                                           const T*, const T*, T*, T*, T*);
PG_INSTANTIATE(float)
PG_INSTANTIATE(double)
#undef PG_INSTANTIATE

}  // namespace pg::kernels
