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

// dy, y, dx are (outer, n, inner)
template <class T>
void softmax_backward_ref(const T* dy, const T* y, T* dx, int64_t outer, int64_t n, int64_t inner,
                          bool log) {
#pragma omp parallel for collapse(2) if (outer * n * inner > (1 << 15))
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * n * inner + i;
      T dot = 0;
      for (int64_t k = 0; k < n; ++k)
        dot += log ? dy[base + k * inner] : dy[base + k * inner] * y[base + k * inner];
      for (int64_t k = 0; k < n; ++k) {
        const int64_t j = base + k * inner;
        dx[j] = log ? dy[j] - std::exp(y[j]) * dot : y[j] * (dy[j] - dot);
      }
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
