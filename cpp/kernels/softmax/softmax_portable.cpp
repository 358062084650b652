// Softmax rows in plain C++: exp from the shared vmath (the same numerics as the SIMD
// variants), written on scalars so the compiler can vectorize the loops at SSE2.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/eltwise/vmath_scalar.h"
#include "kernels/softmax/softmax.h"

namespace pg::kernels {
namespace {

// exp on a vector: the shared vmath algorithm (gradual underflow, NaN passes through).
inline float exp_poly(float x) { return vm::exp(x); }

// x, y are (n): one contiguous row
void row_portable(const float* x, float* y, int64_t n, bool log) {
  float mx = -INFINITY;
  for (int64_t k = 0; k < n; ++k) mx = std::max(mx, x[k]);
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t k = 0;
  for (; k + 8 <= n; k += 8)
    for (int j = 0; j < 8; ++j) {
      const float e = exp_poly(x[k + j] - mx);
      acc[j] += e;
      if (!log) y[k + j] = e;
    }
  for (; k < n; ++k) {
    const float e = exp_poly(x[k] - mx);
    acc[0] += e;
    if (!log) y[k] = e;
  }
  const float sum =
      ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  if (log) {
    const float ls = std::log(sum);
    for (int64_t j = 0; j < n; ++j) y[j] = (x[j] - mx) - ls;
  } else {
    const float inv = 1.f / sum;
    for (int64_t j = 0; j < n; ++j) y[j] *= inv;
  }
}

// x is (n)
void exp_inplace_portable(float* x, int64_t n) {
  for (int64_t k = 0; k < n; ++k) x[k] = exp_poly(x[k]);
}

}  // namespace

const SoftmaxFns kSoftmaxPortable = {row_portable, exp_inplace_portable};

}  // namespace pg::kernels
