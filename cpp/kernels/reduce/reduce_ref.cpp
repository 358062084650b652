// Reference reductions: plain loops, double accumulators for sums, NaN-propagating max/min.
// The oracle for every SIMD variant and the float64 path.
#include <cmath>
#include <limits>

#include "kernels/reduce/reduce.h"

namespace pg::kernels {
namespace {

// a "beats" b for max (or min): larger, or a NaN where b is not (NaN propagates, first wins).
template <class T>
inline bool beats(T a, T b, bool is_min) {
  if (a != a) return b == b;
  return is_min ? a < b : a > b;
}

template <class T>
T extreme_row(const T* x, int64_t n, bool is_min) {
  T m = x[0];
  for (int64_t i = 1; i < n; ++i)
    if (beats(x[i], m, is_min)) m = x[i];
  return m;
}

double sum_row_ref(const float* x, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += x[i];
  return s;
}
void sum_cols_ref(const float* x, int64_t R, int64_t ld, int64_t width, double scale, float* y) {
  for (int64_t c = 0; c < width; ++c) {
    double s = 0;
    for (int64_t r = 0; r < R; ++r) s += x[r * ld + c];
    y[c] = static_cast<float>(s * scale);
  }
}
template <bool kMin>
float mm_row_ref(const float* x, int64_t n) {
  return extreme_row(x, n, kMin);
}
template <bool kMin>
void mm_cols_ref(const float* x, int64_t R, int64_t ld, int64_t width, float* y) {
  for (int64_t c = 0; c < width; ++c) {
    float m = x[c];
    for (int64_t r = 1; r < R; ++r)
      if (beats(x[r * ld + c], m, kMin)) m = x[r * ld + c];
    y[c] = m;
  }
}

}  // namespace

// x is (n,)
int64_t find_ref(const float* x, int64_t n, float value) {
  for (int64_t i = 0; i < n; ++i)
    if (x[i] == value || (x[i] != x[i] && value != value)) return i;
  return n;
}

const SumKernels kSumRef = {sum_row_ref, sum_cols_ref};
const MinMaxKernels kMaxRef = {mm_row_ref<false>, find_ref, mm_cols_ref<false>};
const MinMaxKernels kMinRef = {mm_row_ref<true>, find_ref, mm_cols_ref<true>};

// x is (outer, R, inner), y is (outer, inner)
template <class T>
void reduce_ref(ReduceOp op, const T* x, T* y, int64_t outer, int64_t R, int64_t inner,
                double scale) {
#pragma omp parallel for if (outer * R * inner > (1 << 16))
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const T* p = x + o * R * inner + i;
      if (op == ReduceOp::sum) {
        double s = 0;
        for (int64_t r = 0; r < R; ++r) s += p[r * inner];
        y[o * inner + i] = static_cast<T>(s * scale);
      } else {
        const bool is_min = op == ReduceOp::min;
        T m = p[0];
        for (int64_t r = 1; r < R; ++r)
          if (beats(p[r * inner], m, is_min)) m = p[r * inner];
        y[o * inner + i] = m;
      }
    }
  }
}

// x is (outer, R, inner), idx is (outer, inner)
template <class T>
void arg_reduce_ref(const T* x, int64_t* idx, int64_t outer, int64_t R, int64_t inner,
                    bool is_min) {
#pragma omp parallel for if (outer * R * inner > (1 << 16))
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t i = 0; i < inner; ++i) {
      const T* p = x + o * R * inner + i;
      T m = p[0];
      int64_t best = 0;
      for (int64_t r = 1; r < R; ++r)
        if (beats(p[r * inner], m, is_min)) m = p[r * inner], best = r;
      idx[o * inner + i] = best;
    }
  }
}

template void reduce_ref<float>(ReduceOp, const float*, float*, int64_t, int64_t, int64_t, double);
template void reduce_ref<double>(ReduceOp, const double*, double*, int64_t, int64_t, int64_t,
                                 double);
template void arg_reduce_ref<float>(const float*, int64_t*, int64_t, int64_t, int64_t, bool);
template void arg_reduce_ref<double>(const double*, int64_t*, int64_t, int64_t, int64_t, bool);

}  // namespace pg::kernels
