// Norm span primitives in plain C++ with eight independent accumulators, so the compiler can
// vectorize them at its baseline ISA (SSE2) without reassociating float sums itself.
#include "kernels/norm/norm.h"

namespace pg::kernels {
namespace {

// x is (n)
float sum_portable(const float* x, int64_t n) {
  float a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t k = 0;
  for (; k + 8 <= n; k += 8)
    for (int j = 0; j < 8; ++j) a[j] += x[k + j];
  for (; k < n; ++k) a[0] += x[k];
  return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

// x is (n)
float sq_dev_portable(const float* x, int64_t n, float mean) {
  float a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t k = 0;
  for (; k + 8 <= n; k += 8)
    for (int j = 0; j < 8; ++j) a[j] += (x[k + j] - mean) * (x[k + j] - mean);
  for (; k < n; ++k) a[0] += (x[k] - mean) * (x[k] - mean);
  return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

// x, y are (n)
void scale_shift_portable(const float* x, float* y, int64_t n, float a, float b) {
  for (int64_t k = 0; k < n; ++k) y[k] = x[k] * a + b;
}

// x, y are (n); w, b are (n) or nullptr
void normalize_portable(const float* x, float* y, int64_t n, float mean, float invstd,
                        const float* w, const float* b) {
  for (int64_t k = 0; k < n; ++k) y[k] = (x[k] - mean) * invstd;
  if (w)
    for (int64_t k = 0; k < n; ++k) y[k] *= w[k];
  if (b)
    for (int64_t k = 0; k < n; ++k) y[k] += b[k];
}

}  // namespace

const NormSpanFns kNormSpanPortable = {sum_portable, sq_dev_portable, scale_shift_portable,
                                       normalize_portable};

}  // namespace pg::kernels
