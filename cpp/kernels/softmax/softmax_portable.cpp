// Softmax rows in plain C++: the same polynomial exp as the SIMD variants, written branch-free
// on scalars so the compiler can vectorize the loops at its baseline ISA (SSE2).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/softmax/softmax.h"

namespace pg::kernels {
namespace {

inline float exp_poly(float x) {
  const bool under = x < -87.336544f;
  if (x != x) return x;  // NaN
  x = std::min(std::max(x, -87.336544f), 88.72283f);
  // Round to nearest by the 1.5 * 2^23 trick (valid for |v| < 2^22).
  const float n = (x * 1.44269504f + 12582912.f) - 12582912.f;
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.f / 5040;
  p = p * r + 1.f / 720;
  p = p * r + 1.f / 120;
  p = p * r + 1.f / 24;
  p = p * r + 1.f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.f;
  p = p * r + 1.f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return under ? 0.f : p * scale;
}

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
