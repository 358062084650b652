// Portable reductions: fixed-width lane arrays the compiler vectorizes at SSE2; float lanes
// summed per block, blocks accumulated in double.
#include <algorithm>
#include <limits>

#include "kernels/reduce/reduce.h"

namespace pg::kernels {
namespace {

constexpr int64_t kLanes = 16;
constexpr int64_t kRowBlock = 1024;  // float adds per lane per block: kRowBlock / kLanes
constexpr int64_t kColBlock = 128;   // rows summed in float before the double accumulators

// x is (n,)
double sum_row(const float* x, int64_t n) {
  double total = 0;
  int64_t i = 0;
  for (; i + kRowBlock <= n; i += kRowBlock) {
    float acc[kLanes] = {};
    for (int64_t j = 0; j < kRowBlock; j += kLanes)
      for (int64_t l = 0; l < kLanes; ++l) acc[l] += x[i + j + l];
    double s = 0;
    for (int64_t l = 0; l < kLanes; ++l) s += acc[l];
    total += s;
  }
  for (; i < n; ++i) total += x[i];
  return total;
}

// x is (R, ld), y is (width,), width <= kReduceColTile; rows swept in order.
void sum_cols(const float* x, int64_t R, int64_t ld, int64_t width, double scale, float* y) {
  float acc[kReduceColTile];
  double dacc[kReduceColTile] = {};
  for (int64_t r0 = 0; r0 < R; r0 += kColBlock) {
    const int64_t r1 = std::min(R, r0 + kColBlock);
    for (int64_t c = 0; c < width; ++c) acc[c] = 0;
    for (int64_t r = r0; r < r1; ++r) {
      const float* p = x + r * ld;
      for (int64_t c = 0; c < width; ++c) acc[c] += p[c];
    }
    for (int64_t c = 0; c < width; ++c) dacc[c] += acc[c];
  }
  for (int64_t c = 0; c < width; ++c) y[c] = static_cast<float>(dacc[c] * scale);
}

template <bool kMin>
inline float pick(float m, float v) {
  return kMin ? (v < m ? v : m) : (v > m ? v : m);
}

// x is (n,)
template <bool kMin>
float mm_row(const float* x, int64_t n) {
  if (n < kLanes) return (kMin ? kMinRef : kMaxRef).row(x, n);
  float acc[kLanes];
  int nan[kLanes];  // per lane, so the loop vectorizes
  for (int64_t l = 0; l < kLanes; ++l) acc[l] = x[l], nan[l] = x[l] != x[l];
  // The last (possibly overlapping) block re-reads a few values: harmless for max/min.
  for (int64_t i = kLanes; i < n; i += kLanes) {
    const float* p = x + (i + kLanes <= n ? i : n - kLanes);
    for (int64_t l = 0; l < kLanes; ++l) {
      nan[l] |= p[l] != p[l];
      acc[l] = pick<kMin>(acc[l], p[l]);
    }
  }
  float m = acc[0];
  int any = nan[0];
  for (int64_t l = 1; l < kLanes; ++l) m = pick<kMin>(m, acc[l]), any |= nan[l];
  return any ? std::numeric_limits<float>::quiet_NaN() : m;
}

// x is (R, ld), y is (width,), width <= kReduceColTile; rows swept in order.
template <bool kMin>
void mm_cols(const float* x, int64_t R, int64_t ld, int64_t width, float* y) {
  float acc[kReduceColTile];
  int nan[kReduceColTile];
  for (int64_t c = 0; c < width; ++c) acc[c] = x[c], nan[c] = x[c] != x[c];
  for (int64_t r = 1; r < R; ++r) {
    const float* p = x + r * ld;
    for (int64_t c = 0; c < width; ++c) nan[c] |= p[c] != p[c], acc[c] = pick<kMin>(acc[c], p[c]);
  }
  for (int64_t c = 0; c < width; ++c)
    y[c] = nan[c] ? std::numeric_limits<float>::quiet_NaN() : acc[c];
}

}  // namespace

const SumKernels kSumPortable = {sum_row, sum_cols};
const MinMaxKernels kMaxPortable = {mm_row<false>, find_ref, mm_cols<false>};
const MinMaxKernels kMinPortable = {mm_row<true>, find_ref, mm_cols<true>};

}  // namespace pg::kernels
