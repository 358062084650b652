// Reference softmax / log-softmax: plain loops in T, the oracle of every SIMD variant and the
// float64 path. The inner index is innermost so the loops stream through memory.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/softmax/softmax.h"

namespace pg::kernels {

// x, y are (outer, n, inner)
template <class T>
void softmax_ref(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, bool log) {
#pragma omp parallel for collapse(2) if (outer * n * inner > (1 << 15))
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const T* xr = x + o * n * inner + i;
      T* yr = y + o * n * inner + i;
      T m = -std::numeric_limits<T>::infinity();
      for (int64_t k = 0; k < n; ++k) m = std::max(m, xr[k * inner]);
      T sum = 0;
      for (int64_t k = 0; k < n; ++k) {
        const T e = std::exp(xr[k * inner] - m);
        sum += e;
        if (!log) yr[k * inner] = e;
      }
      if (log) {
        // (x - max) - log(sum), not x - (max + log(sum)): keeps the precision at large x
        const T ls = std::log(sum);
        for (int64_t k = 0; k < n; ++k) yr[k * inner] = (xr[k * inner] - m) - ls;
      } else {
        const T inv = T(1) / sum;
        for (int64_t k = 0; k < n; ++k) yr[k * inner] *= inv;
      }
    }
  }
}

namespace {

// Sums in 8 independent lanes: vectorizable without reassociating floats. f(i) is term i.
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

// dy, p, dx are (outer, n, inner); p = softmax(x) for both variants (p may alias dx)
template <class T>
void softmax_backward_ref(const T* dy, const T* p, T* dx, int64_t outer, int64_t n, int64_t inner,
                          bool log) {
  if (inner == 1) {
#pragma omp parallel for if (outer * n > (1 << 15))
    for (int64_t o = 0; o < outer; ++o) {
      const T* g = dy + o * n;
      const T* pr = p + o * n;
      T* d = dx + o * n;
      const T dot = log ? lane_sum<T>(n, [&](int64_t k) { return g[k]; })
                        : lane_sum<T>(n, [&](int64_t k) { return g[k] * pr[k]; });
      if (log)
        for (int64_t j = 0; j < n; ++j) d[j] = g[j] - pr[j] * dot;
      else
        for (int64_t j = 0; j < n; ++j) d[j] = pr[j] * (g[j] - dot);
    }
    return;
  }
  constexpr int64_t kBlock = 256;  // inner columns per block; their dots live on the stack
  const int64_t blocks = (inner + kBlock - 1) / kBlock;
#pragma omp parallel for collapse(2) if (outer * n * inner > (1 << 15))
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t i0 = b * kBlock, w = std::min(kBlock, inner - i0);
      const int64_t base = o * n * inner + i0;
      T dot[kBlock] = {};
      for (int64_t k = 0; k < n; ++k) {
        const T* g = dy + base + k * inner;
        const T* pr = p + base + k * inner;
        if (log)
          for (int64_t i = 0; i < w; ++i) dot[i] += g[i];
        else
          for (int64_t i = 0; i < w; ++i) dot[i] += g[i] * pr[i];
      }
      for (int64_t k = 0; k < n; ++k) {
        const T* g = dy + base + k * inner;
        const T* pr = p + base + k * inner;
        T* d = dx + base + k * inner;
        if (log)
          for (int64_t i = 0; i < w; ++i) d[i] = g[i] - pr[i] * dot[i];
        else
          for (int64_t i = 0; i < w; ++i) d[i] = pr[i] * (g[i] - dot[i]);
      }
    }
}

template void softmax_ref<float>(const float*, float*, int64_t, int64_t, int64_t, bool);
template void softmax_ref<double>(const double*, double*, int64_t, int64_t, int64_t, bool);
template void softmax_backward_ref<float>(const float*, const float*, float*, int64_t, int64_t,
                                          int64_t, bool);
template void softmax_backward_ref<double>(const double*, const double*, double*, int64_t, int64_t,
                                           int64_t, bool);

}  // namespace pg::kernels
