// Reference loss kernels in T; both dtypes run them (losses are cheap next to their softmax).
#include <algorithm>
#include <cmath>

#include "kernels/softmax/loss.h"

namespace pg::kernels {

// logp is (N, C, S); target, loss, wsum are (N, S); weight is (C)
template <class T>
void nll_forward_ref(const T* logp, const int64_t* target, const T* weight, int64_t N, int64_t C,
                     int64_t S, int64_t ignore_index, T smoothing, T* loss, T* wsum) {
#pragma omp parallel for collapse(2) if (N * C * S > (1 << 15))
  for (int64_t n = 0; n < N; ++n)
    for (int64_t s = 0; s < S; ++s) {
      const int64_t i = n * S + s, t = target[i];
      const T* lp = logp + n * C * S + s;
      if (t == ignore_index) {
        loss[i] = wsum[i] = T(0);
        continue;
      }
      const T wt = weight ? weight[t] : T(1);
      T l = -(T(1) - smoothing) * wt * lp[t * S];
      if (smoothing != T(0)) {
        T sm = 0;
        for (int64_t c = 0; c < C; ++c) sm -= (weight ? weight[c] : T(1)) * lp[c * S];
        l += smoothing / static_cast<T>(C) * sm;
      }
      loss[i] = l;
      wsum[i] = wt;
    }
}

// prob, dx are (N, C, S) (prob nullable, may alias dx); target is (N, S); g is (N, S) or a
// scalar (g_stride 0). With S > 1, positions go in blocks of 256 along S with the classes
// outside, so the innermost loop stays contiguous.
template <class T>
void nll_backward_ref(const T* prob, const int64_t* target, const T* weight, int64_t N, int64_t C,
                      int64_t S, int64_t ignore_index, T smoothing, const T* g, int64_t g_stride,
                      T* dx) {
  constexpr int64_t kBlock = 256;
  T wall = 0;  // sum_c weight[c], for the smoothing term
  for (int64_t c = 0; c < C; ++c) wall += weight ? weight[c] : T(1);
  const T ks = smoothing / static_cast<T>(C);
  if (S == 1) {  // (N, C): each position's classes are contiguous
#pragma omp parallel for if (N * C > (1 << 15))
    for (int64_t n = 0; n < N; ++n) {
      T* d = dx + n * C;
      const int64_t t = target[n];
      if (t == ignore_index) {
        for (int64_t c = 0; c < C; ++c) d[c] = T(0);
        continue;
      }
      const T gi = g[n * g_stride], wt = weight ? weight[t] : T(1);
      const T total = -gi * (ks * wall + (T(1) - smoothing) * wt);
      const T* p = prob ? prob + n * C : nullptr;
      if (p && !weight)
        for (int64_t c = 0; c < C; ++c) d[c] = -p[c] * total - gi * ks;
      else
        for (int64_t c = 0; c < C; ++c)
          d[c] = (p ? -p[c] * total : T(0)) - gi * ks * (weight ? weight[c] : T(1));
      d[t] -= gi * (T(1) - smoothing) * wt;
    }
    return;
  }
  const int64_t blocks = (S + kBlock - 1) / kBlock;
#pragma omp parallel for collapse(2) if (N * C * S > (1 << 15))
  for (int64_t n = 0; n < N; ++n)
    for (int64_t blk = 0; blk < blocks; ++blk) {
      const int64_t s0 = blk * kBlock, w = std::min(kBlock, S - s0);
      const int64_t* t = target + n * S + s0;
      // Per position: gi (0 when ignored) and total = sum_c dlogp[c], where
      // dlogp[c] = -gi * (ks * w[c] + (1 - eps) * w[t] * [c == t]).
      T gi[kBlock], total[kBlock];
      for (int64_t i = 0; i < w; ++i) {
        const bool skip = t[i] == ignore_index;
        gi[i] = skip ? T(0) : g[(n * S + s0 + i) * g_stride];
        const T wt = skip ? T(0) : weight ? weight[t[i]] : T(1);
        total[i] = -gi[i] * (ks * wall + (T(1) - smoothing) * wt);
      }
      for (int64_t c = 0; c < C; ++c) {
        T* d = dx + (n * C + c) * S + s0;
        const T* p = prob ? prob + (n * C + c) * S + s0 : nullptr;
        const T kc = ks * (weight ? weight[c] : T(1));
        if (p)
          for (int64_t i = 0; i < w; ++i) d[i] = -p[i] * total[i] - gi[i] * kc;
        else
          for (int64_t i = 0; i < w; ++i) d[i] = -gi[i] * kc;
      }
      for (int64_t i = 0; i < w; ++i) {
        if (t[i] == ignore_index) {  // ignored positions get no gradient at all
          for (int64_t c = 0; c < C; ++c) dx[(n * C + c) * S + s0 + i] = T(0);
          continue;
        }
        const T wt = weight ? weight[t[i]] : T(1);
        dx[(n * C + t[i]) * S + s0 + i] -= gi[i] * (T(1) - smoothing) * wt;
      }
    }
}

namespace {
template <class T>
T clamped_log(T v) {
  return std::max(std::log(v), T(-100));
}
}  // namespace

// log(1 + exp(v)) without overflow
template <class T>
T softplus(T v) {
  return std::max(v, T(0)) + std::log1p(std::exp(-std::abs(v)));
}

// x, t, w, pw, loss are (n)
template <class T>
void point_loss_ref(PointLoss kind, const T* x, const T* t, const T* w, const T* pw, int64_t n,
                    T* loss) {
#pragma omp parallel for if (n > (1 << 15))
  for (int64_t i = 0; i < n; ++i) {
    const T xi = x[i], ti = t[i];
    T l = 0;
    switch (kind) {
      case PointLoss::mse:
        l = (xi - ti) * (xi - ti);
        break;
      case PointLoss::bce:
        l = -(ti * clamped_log(xi) + (T(1) - ti) * clamped_log(T(1) - xi));
        break;
      case PointLoss::bce_logits: {
        // (1 - t) x + (1 + (pw - 1) t) softplus(-x); with pw = 1: max(x,0) - x t + log1p(e^-|x|)
        const T lw = pw ? T(1) + (pw[i] - T(1)) * ti : T(1);
        l = (T(1) - ti) * xi + lw * softplus(-xi);
        break;
      }
    }
    loss[i] = w ? w[i] * l : l;
  }
}

// x, t, w, pw, dx, dt are (n); g is (n) or a scalar (g_stride 0)
template <class T>
void point_loss_backward_ref(PointLoss kind, const T* x, const T* t, const T* w, const T* pw,
                             int64_t n, const T* g, int64_t g_stride, T scale, T* dx, T* dt) {
#pragma omp parallel for if (n > (1 << 15))
  for (int64_t i = 0; i < n; ++i) {
    const T xi = x[i], ti = t[i], k = scale * g[i * g_stride] * (w ? w[i] : T(1));
    T gx = 0, gt = 0;
    switch (kind) {
      case PointLoss::mse:
        gx = T(2) * (xi - ti) * k;
        gt = -gx;
        break;
      case PointLoss::bce:  // torch's guard: the denominator is at least 1e-12
        gx = k * (xi - ti) / std::max((T(1) - xi) * xi, T(1e-12));
        gt = -k * (clamped_log(xi) - clamped_log(T(1) - xi));
        break;
      case PointLoss::bce_logits: {
        const T p = pw ? pw[i] : T(1), lw = T(1) + (p - T(1)) * ti;
        const T sig = T(1) / (T(1) + std::exp(-xi));
        gx = k * ((T(1) - ti) - lw * (T(1) - sig));
        gt = k * (-xi + (p - T(1)) * softplus(-xi));
        break;
      }
    }
    if (dx) dx[i] = gx;
    if (dt) dt[i] = gt;
  }
}

#define PG_INSTANTIATE(T)                                                                          \
  template void nll_forward_ref<T>(const T*, const int64_t*, const T*, int64_t, int64_t, int64_t,  \
                                   int64_t, T, T*, T*);                                            \
  template void nll_backward_ref<T>(const T*, const int64_t*, const T*, int64_t, int64_t, int64_t, \
                                    int64_t, T, const T*, int64_t, T*);                            \
  template void point_loss_ref<T>(PointLoss, const T*, const T*, const T*, const T*, int64_t, T*); \
  template void point_loss_backward_ref<T>(PointLoss, const T*, const T*, const T*, const T*,      \
                                           int64_t, const T*, int64_t, T, T*, T*);
PG_INSTANTIATE(float)
PG_INSTANTIATE(double)
#undef PG_INSTANTIATE

}  // namespace pg::kernels
