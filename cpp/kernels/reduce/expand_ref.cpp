// Backward of the reductions: broadcast a reduced gradient back (sum, mean) or route it to the
// first extreme element (max, min). Plain loops over an odometer of the merged axes.
#include <algorithm>
#include <vector>

#include "kernels/reduce/reduce.h"

namespace pg::kernels {

// gy is reduced, gx is dims
template <class T>
void expand_ref(const T* gy, T* gx, const std::vector<int64_t>& dims,
                const std::vector<int64_t>& ystride, double scale) {
  const int nd = static_cast<int>(dims.size());
  if (nd == 0) {
    gx[0] = static_cast<T>(gy[0] * scale);
    return;
  }
  const int64_t W = dims[nd - 1], ws = ystride[nd - 1];
  int64_t rows = 1;
  for (int d = 0; d < nd - 1; ++d) rows *= dims[d];
#pragma omp parallel for if (rows * W > (1 << 15))
  for (int64_t r = 0; r < rows; ++r) {
    int64_t off = 0, rem = r;
    for (int d = nd - 2; d >= 0; --d) off += (rem % dims[d]) * ystride[d], rem /= dims[d];
    T* g = gx + r * W;
    const T* s = gy + off;
    if (ws == 0) {
      const T v = static_cast<T>(s[0] * scale);
      for (int64_t j = 0; j < W; ++j) g[j] = v;
    } else {
      for (int64_t j = 0; j < W; ++j) g[j] = static_cast<T>(s[j * ws] * scale);
    }
  }
}

// x, gx are dims; y, gy reduced
template <class T>
void route_first_ref(const T* x, const T* y, const T* gy, T* gx, const std::vector<int64_t>& dims,
                     const std::vector<int64_t>& ystride, int64_t ynumel) {
  const int nd = static_cast<int>(dims.size());
  int64_t numel = 1;
  for (int64_t d : dims) numel *= d;
  std::fill(gx, gx + numel, T(0));
  std::vector<char> taken(static_cast<size_t>(ynumel), 0);
  std::vector<int64_t> idx(nd, 0);
  int64_t off = 0;  // offset in y of the current element of x
  for (int64_t i = 0; i < numel; ++i) {
    const T v = x[i], m = y[off];
    if (!taken[off] && (v == m || (v != v && m != m))) taken[off] = 1, gx[i] = gy[off];
    for (int d = nd - 1; d >= 0; --d) {  // advance the odometer
      off += ystride[d];
      if (++idx[d] < dims[d]) break;
      off -= ystride[d] * dims[d];
      idx[d] = 0;
    }
  }
}

// x, gx are (outer, R, inner); y, gy are (outer, inner)
template <class T>
void route_first_rows_ref(const T* x, const T* y, const T* gy, T* gx, int64_t outer, int64_t R,
                          int64_t inner) {
#pragma omp parallel for if (outer * R * inner > (1 << 15))
  for (int64_t o = 0; o < outer; ++o) {
    const T* xo = x + o * R * inner;
    T* go = gx + o * R * inner;
    std::fill(go, go + R * inner, T(0));
    for (int64_t i = 0; i < inner; ++i) {
      const T m = y[o * inner + i];
      for (int64_t r = 0; r < R; ++r) {
        const T v = xo[r * inner + i];
        if (v == m || (v != v && m != m)) {
          go[r * inner + i] = gy[o * inner + i];
          break;
        }
      }
    }
  }
}

template void route_first_rows_ref<float>(const float*, const float*, const float*, float*, int64_t,
                                          int64_t, int64_t);
template void route_first_rows_ref<double>(const double*, const double*, const double*, double*,
                                           int64_t, int64_t, int64_t);
template void expand_ref<float>(const float*, float*, const std::vector<int64_t>&,
                                const std::vector<int64_t>&, double);
template void expand_ref<double>(const double*, double*, const std::vector<int64_t>&,
                                 const std::vector<int64_t>&, double);
template void route_first_ref<float>(const float*, const float*, const float*, float*,
                                     const std::vector<int64_t>&, const std::vector<int64_t>&,
                                     int64_t);
template void route_first_ref<double>(const double*, const double*, const double*, double*,
                                      const std::vector<int64_t>&, const std::vector<int64_t>&,
                                      int64_t);

}  // namespace pg::kernels
