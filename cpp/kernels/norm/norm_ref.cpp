// Reference batch norm and layer norm: plain loops in T, the oracle of every SIMD variant and the
// float64 path. Forward statistics accumulate in double; the backward, which both dtypes run,
// sums in 8 lanes of T so that the compiler vectorizes it.
#include <algorithm>
#include <cmath>

#include "kernels/norm/norm.h"

namespace pg::kernels {
namespace {

// Sums in 8 independent lanes: the compiler can vectorize them without reassociating floats,
// and the error grows like n/8 instead of n. f(i) is the i-th term.
template <class T, class F>
T lane_sum(int64_t n, F f) {
  T a[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) a[j] += f(i + j);
  for (; i < n; ++i) a[0] += f(i);
  return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

}  // namespace

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
    const T m = mean[c], is = invstd[c], w = weight ? weight[c] : T(1);
    double sdy = 0, sdyx = 0;  // spans summed in lanes of T, spans combined in double
    for (int64_t n = 0; n < N; ++n) {
      const T* g = dy + (n * C + c) * S;
      const T* xs = x + (n * C + c) * S;
      sdy += lane_sum<T>(S, [&](int64_t i) { return g[i]; });
      sdyx += lane_sum<T>(S, [&](int64_t i) { return g[i] * (xs[i] - m); });
    }
    sdyx *= is;  // sum of dy * xhat
    if (dbias) dbias[c] = static_cast<T>(sdy);
    if (dweight) dweight[c] = static_cast<T>(sdyx);
    if (!dx) continue;
    const T k = w * is, mdy = training ? T(sdy / M) : T(0);
    const T kx = training ? T(sdyx / M) * is : T(0);  // multiplies (x - mean)
    for (int64_t n = 0; n < N; ++n) {
      const T* g = dy + (n * C + c) * S;
      const T* xs = x + (n * C + c) * S;
      T* d = dx + (n * C + c) * S;
      for (int64_t i = 0; i < S; ++i) d[i] = k * (g[i] - mdy - (xs[i] - m) * kx);
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

// dy, x, dx are (M, D); mean, invstd (M); weight, dweight, dbias (D);
// work is (ceil(M / kLayerNormRows), 2, D)
template <class T>
void layer_norm_backward_ref(const T* dy, const T* x, int64_t M, int64_t D, T* mean, T* invstd,
                             bool compute_stats, T eps, const T* weight, T* dx, T* dweight,
                             T* dbias, T* work) {
  // One pass: each chunk of rows computes its dx and its partial column sums (dweight, dbias);
  // the partials are then added in chunk order, so the result does not depend on the threads.
  const int64_t chunks = (M + kLayerNormRows - 1) / kLayerNormRows;
  const bool cols = dweight || dbias;
#pragma omp parallel for if (M * D > (1 << 15))
  for (int64_t ch = 0; ch < chunks; ++ch) {
    T* sw = work + ch * 2 * D;
    T* sb = sw + D;
    if (cols) std::fill(sw, sw + 2 * D, T(0));
    for (int64_t r = ch * kLayerNormRows; r < std::min(M, (ch + 1) * kLayerNormRows); ++r) {
      const T* g = dy + r * D;
      const T* xr = x + r * D;
      if (compute_stats) {  // while the row is in cache
        const T mr = lane_sum<T>(D, [&](int64_t j) { return xr[j]; }) / static_cast<T>(D);
        const T q = lane_sum<T>(D, [&](int64_t j) { return (xr[j] - mr) * (xr[j] - mr); });
        mean[r] = mr;
        invstd[r] = T(1) / std::sqrt(q / static_cast<T>(D) + eps);
      }
      const T m = mean[r], is = invstd[r];
      if (cols)
        for (int64_t j = 0; j < D; ++j) {
          sb[j] += g[j];
          sw[j] += g[j] * (xr[j] - m) * is;
        }
      if (!dx) continue;
      // With gw = dy * w and xhat = (x - m) * is: dx = is * (gw - mean(gw) - xhat mean(gw xhat))
      T* d = dx + r * D;
      const T* w = weight;
      const T a = w ? lane_sum<T>(D, [&](int64_t j) { return g[j] * w[j]; })
                    : lane_sum<T>(D, [&](int64_t j) { return g[j]; });
      const T b = w ? lane_sum<T>(D, [&](int64_t j) { return g[j] * w[j] * (xr[j] - m); })
                    : lane_sum<T>(D, [&](int64_t j) { return g[j] * (xr[j] - m); });
      const T ma = a / static_cast<T>(D), mb = b * is * is / static_cast<T>(D);
      if (w)
        for (int64_t j = 0; j < D; ++j) d[j] = is * (g[j] * w[j] - ma - (xr[j] - m) * mb);
      else
        for (int64_t j = 0; j < D; ++j) d[j] = is * (g[j] - ma - (xr[j] - m) * mb);
    }
  }
  if (!cols) return;
#pragma omp parallel for if (chunks * D > (1 << 15))
  for (int64_t j = 0; j < D; ++j) {
    T w = 0, b = 0;
    for (int64_t ch = 0; ch < chunks; ++ch) {
      w += work[ch * 2 * D + j];
      b += work[ch * 2 * D + D + j];
    }
    if (dweight) dweight[j] = w;
    if (dbias) dbias[j] = b;
  }
}

#define PG_INSTANTIATE(T)                                                                         \
  template void batch_norm_stats_ref<T>(const T*, int64_t, int64_t, int64_t, T*, T*);             \
  template void batch_norm_apply_ref<T>(const T*, T*, int64_t, int64_t, int64_t, const T*,        \
                                        const T*);                                                \
  template void batch_norm_backward_ref<T>(const T*, const T*, int64_t, int64_t, int64_t,         \
                                           const T*, const T*, const T*, bool, T*, T*, T*);       \
  template void layer_norm_ref<T>(const T*, T*, int64_t, int64_t, const T*, const T*, T, T*, T*); \
  template void layer_norm_backward_ref<T>(const T*, const T*, int64_t, int64_t, T*, T*, bool, T, \
                                           const T*, T*, T*, T*, T*);
PG_INSTANTIATE(float)
PG_INSTANTIATE(double)
#undef PG_INSTANTIATE

}  // namespace pg::kernels
