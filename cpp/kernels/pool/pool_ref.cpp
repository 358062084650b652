// Reference pooling kernels: plain loops in T, one output at a time. The oracle for every SIMD
// variant and the float64 path used by gradient checks.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/pool/pool.h"

namespace pg::kernels {

namespace {
// Max and first argmax (flat in the plane) of output (p, q); a NaN wins, as torch.
template <class T>
inline void max_window(const T* xc, const PoolGeom& g, int64_t p, int64_t q, T* best_out,
                       int64_t* arg_out) {
  int64_t h0 = p * g.sh - g.ph, w0 = q * g.sw - g.pw;
  const int64_t h1 = std::min(h0 + (g.kh - 1) * g.dh + 1, g.H);
  const int64_t w1 = std::min(w0 + (g.kw - 1) * g.dw + 1, g.W);
  while (h0 < 0) h0 += g.dh;
  while (w0 < 0) w0 += g.dw;
  T best = -std::numeric_limits<T>::infinity();
  int64_t arg = h0 * g.W + w0;
  for (int64_t h = h0; h < h1; h += g.dh)
    for (int64_t w = w0; w < w1; w += g.dw) {
      const T v = xc[h * g.W + w];
      if (v > best || std::isnan(v)) best = v, arg = h * g.W + w;
    }
  *best_out = best;
  *arg_out = arg;
}
}  // namespace

template <class T>
void max_pool_ref(const T* x, T* y, int64_t* idx, int64_t planes, const PoolGeom& g) {
  // x is (planes,H,W), y and idx are (planes,P,Q)
#pragma omp parallel for if (planes * g.P * g.Q * g.kh * g.kw > 32768)
  for (int64_t c = 0; c < planes; ++c)
    for (int64_t p = 0; p < g.P; ++p)
      for (int64_t q = 0; q < g.Q; ++q) {
        const int64_t o = (c * g.P + p) * g.Q + q;
        int64_t arg;
        max_window(x + c * g.H * g.W, g, p, q, y + o, &arg);
        if (idx) idx[o] = arg;
      }
}

template <class T>
void avg_pool_ref(const T* x, T* y, int64_t planes, const PoolGeom& g, const AvgOpts& o) {
  // x is (planes,H,W), y is (planes,P,Q)
#pragma omp parallel for if (planes * g.P * g.Q * g.kh * g.kw > 32768)
  for (int64_t c = 0; c < planes; ++c) {
    const T* xc = x + c * g.H * g.W;
    for (int64_t p = 0; p < g.P; ++p)
      for (int64_t q = 0; q < g.Q; ++q) {
        int64_t h0, h1, w0, w1;
        T div;
        avg_window(g, o, p, q, &h0, &h1, &w0, &w1, &div);
        T sum = 0;
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) sum += xc[h * g.W + w];
        y[(c * g.P + p) * g.Q + q] = sum / div;
      }
  }
}

template <class T>
void max_pool_backward_ref(const T* dy, const T* x, T* dx, int64_t planes, const PoolGeom& g) {
  // dy is (planes,P,Q), x and dx are (planes,H,W)
#pragma omp parallel for if (planes * g.H * g.W > 32768)
  for (int64_t c = 0; c < planes; ++c) {
    T* dxc = dx + c * g.H * g.W;
    std::memset(dxc, 0, sizeof(T) * g.H * g.W);
    for (int64_t p = 0; p < g.P; ++p)
      for (int64_t q = 0; q < g.Q; ++q) {
        T best;
        int64_t arg;
        max_window(x + c * g.H * g.W, g, p, q, &best, &arg);
        dxc[arg] += dy[(c * g.P + p) * g.Q + q];
      }
  }
}

template <class T>
void max_pool_backward_indices_ref(const T* dy, const int64_t* idx, T* dx, int64_t planes,
                                   int64_t HW, int64_t PQ) {
  // dy and idx are (planes,P,Q), dx is (planes,H,W)
#pragma omp parallel for if (planes * HW > 32768)
  for (int64_t c = 0; c < planes; ++c) {
    T* dxc = dx + c * HW;
    std::memset(dxc, 0, sizeof(T) * HW);
    for (int64_t i = c * PQ; i < (c + 1) * PQ; ++i) dxc[idx[i]] += dy[i];
  }
}

template <class T>
void avg_pool_backward_ref(const T* dy, T* dx, int64_t planes, const PoolGeom& g,
                           const AvgOpts& o) {
  // dy is (planes,P,Q), dx is (planes,H,W)
#pragma omp parallel for if (planes * g.H * g.W > 32768)
  for (int64_t c = 0; c < planes; ++c) {
    T* dxc = dx + c * g.H * g.W;
    std::memset(dxc, 0, sizeof(T) * g.H * g.W);
    for (int64_t p = 0; p < g.P; ++p)
      for (int64_t q = 0; q < g.Q; ++q) {
        int64_t h0, h1, w0, w1;
        T div;
        avg_window(g, o, p, q, &h0, &h1, &w0, &w1, &div);
        const T v = dy[(c * g.P + p) * g.Q + q] / div;
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) dxc[h * g.W + w] += v;
      }
  }
}

namespace {
// Adaptive windows [floor(i*L/n), ceil((i+1)*L/n)) of the n outputs along a dim of length L,
// tabled once per call (two divisions per output otherwise dominate the small windows).
class Windows {
 public:
  Windows(int64_t L, int64_t n) : L_(L), n_(n) {
    for (int64_t i = 0; i < n && i < kMax; ++i) start_[i] = first(i), end_[i] = last(i);
  }
  int64_t start(int64_t i) const { return i < kMax ? start_[i] : first(i); }
  int64_t end(int64_t i) const { return i < kMax ? end_[i] : last(i); }

 private:
  static constexpr int64_t kMax = 256;
  int64_t first(int64_t i) const { return (i * L_) / n_; }
  int64_t last(int64_t i) const { return ((i + 1) * L_ + n_ - 1) / n_; }
  int64_t L_, n_;
  int64_t start_[kMax], end_[kMax];
};
}  // namespace

template <class T>
void adaptive_avg_pool_ref(const T* x, T* y, int64_t planes, int64_t H, int64_t W, int64_t P,
                           int64_t Q) {
  // x is (planes,H,W), y is (planes,P,Q)
  const Windows rows(H, P), cols(W, Q);
#pragma omp parallel for if (planes * H * W > 32768)
  for (int64_t c = 0; c < planes; ++c) {
    const T* xc = x + c * H * W;
    for (int64_t p = 0; p < P; ++p) {
      const int64_t h0 = rows.start(p), h1 = rows.end(p);
      for (int64_t q = 0; q < Q; ++q) {
        const int64_t w0 = cols.start(q), w1 = cols.end(q);
        T sum = 0;
        for (int64_t h = h0; h < h1; ++h) {
          T row = 0;  // row sums first: shorter dependency chains than one running sum
          for (int64_t w = w0; w < w1; ++w) row += xc[h * W + w];
          sum += row;
        }
        y[(c * P + p) * Q + q] = sum / T((h1 - h0) * (w1 - w0));
      }
    }
  }
}

template <class T>
void adaptive_avg_pool_backward_ref(const T* dy, T* dx, int64_t planes, int64_t H, int64_t W,
                                    int64_t P, int64_t Q) {
  // dy is (planes,P,Q), dx is (planes,H,W)
  const Windows rows(H, P), cols(W, Q);
#pragma omp parallel for if (planes * H * W > 32768)
  for (int64_t c = 0; c < planes; ++c) {
    T* dxc = dx + c * H * W;
    std::memset(dxc, 0, sizeof(T) * H * W);
    for (int64_t p = 0; p < P; ++p) {
      const int64_t h0 = rows.start(p), h1 = rows.end(p);
      for (int64_t q = 0; q < Q; ++q) {
        const int64_t w0 = cols.start(q), w1 = cols.end(q);
        const T v = dy[(c * P + p) * Q + q] / T((h1 - h0) * (w1 - w0));
        for (int64_t h = h0; h < h1; ++h)
          for (int64_t w = w0; w < w1; ++w) dxc[h * W + w] += v;
      }
    }
  }
}

template <class T>
void global_avg_pool_ref(const T* x, T* y, int64_t planes, int64_t L) {
  // x is (planes,L), y is (planes)
#pragma omp parallel for if (planes * L > 32768)
  for (int64_t c = 0; c < planes; ++c) {
    T sum = 0;
    for (int64_t i = 0; i < L; ++i) sum += x[c * L + i];
    y[c] = sum / T(L);
  }
}

template <class T>
void global_max_pool_ref(const T* x, T* y, int64_t* idx, int64_t planes, int64_t L) {
  // x is (planes,L), y and idx are (planes)
#pragma omp parallel for if (planes * L > 32768)
  for (int64_t c = 0; c < planes; ++c) {
    T best = -std::numeric_limits<T>::infinity();
    int64_t arg = 0;
    for (int64_t i = 0; i < L; ++i) {
      const T v = x[c * L + i];
      if (v > best || std::isnan(v)) best = v, arg = i;
    }
    y[c] = best;
    if (idx) idx[c] = arg;
  }
}

template <class T>
void global_avg_pool_backward_ref(const T* dy, T* dx, int64_t planes, int64_t L) {
  // dy is (planes), dx is (planes,L)
#pragma omp parallel for if (planes * L > 32768)
  for (int64_t c = 0; c < planes; ++c) {
    const T v = dy[c] / T(L);
    for (int64_t i = 0; i < L; ++i) dx[c * L + i] = v;
  }
}

template <class T>
void global_max_pool_backward_ref(const T* dy, const int64_t* idx, T* dx, int64_t planes,
                                  int64_t L) {
  // dy, idx are (planes), dx is (planes,L)
#pragma omp parallel for if (planes * L > 32768)
  for (int64_t c = 0; c < planes; ++c) {
    std::memset(dx + c * L, 0, sizeof(T) * L);
    dx[c * L + idx[c]] = dy[c];
  }
}

template <class T>
void max_unpool_ref(const T* x, const int64_t* idx, T* y, int64_t planes, int64_t Lin,
                    int64_t Lout) {
  // x, idx are (planes,Lin), y is (planes,Lout)
#pragma omp parallel for if (planes * Lout > 32768)
  for (int64_t c = 0; c < planes; ++c) {
    T* yc = y + c * Lout;
    std::memset(yc, 0, sizeof(T) * Lout);
    for (int64_t i = c * Lin; i < (c + 1) * Lin; ++i) yc[idx[i]] = x[i];
  }
}

template <class T>
void max_unpool_backward_ref(const T* dy, const int64_t* idx, T* dx, int64_t planes, int64_t Lin,
                             int64_t Lout) {
  // dy is (planes,Lout), idx and dx are (planes,Lin)
#pragma omp parallel for if (planes * Lin > 32768)
  for (int64_t c = 0; c < planes; ++c)
    for (int64_t i = c * Lin; i < (c + 1) * Lin; ++i) dx[i] = dy[c * Lout + idx[i]];
}

#define PG_INSTANTIATE(T)                                                                         \
  template void max_pool_ref<T>(const T*, T*, int64_t*, int64_t, const PoolGeom&);                \
  template void avg_pool_ref<T>(const T*, T*, int64_t, const PoolGeom&, const AvgOpts&);          \
  template void max_pool_backward_ref<T>(const T*, const T*, T*, int64_t, const PoolGeom&);       \
  template void max_pool_backward_indices_ref<T>(const T*, const int64_t*, T*, int64_t, int64_t,  \
                                                 int64_t);                                        \
  template void avg_pool_backward_ref<T>(const T*, T*, int64_t, const PoolGeom&, const AvgOpts&); \
  template void adaptive_avg_pool_ref<T>(const T*, T*, int64_t, int64_t, int64_t, int64_t,        \
                                         int64_t);                                                \
  template void adaptive_avg_pool_backward_ref<T>(const T*, T*, int64_t, int64_t, int64_t,        \
                                                  int64_t, int64_t);                              \
  template void global_avg_pool_ref<T>(const T*, T*, int64_t, int64_t);                           \
  template void global_max_pool_ref<T>(const T*, T*, int64_t*, int64_t, int64_t);                 \
  template void global_avg_pool_backward_ref<T>(const T*, T*, int64_t, int64_t);                  \
  template void global_max_pool_backward_ref<T>(const T*, const int64_t*, T*, int64_t, int64_t);  \
  template void max_unpool_ref<T>(const T*, const int64_t*, T*, int64_t, int64_t, int64_t);       \
  template void max_unpool_backward_ref<T>(const T*, const int64_t*, T*, int64_t, int64_t, int64_t);
PG_INSTANTIATE(float)
PG_INSTANTIATE(double)
#undef PG_INSTANTIATE

}  // namespace pg::kernels
