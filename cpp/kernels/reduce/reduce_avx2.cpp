// AVX2 reductions: 4 ymm float accumulators per block of a row (or 32 columns), blocks widened
// into double accumulators; maskload for tails.
#include <immintrin.h>

#include <limits>

#include "kernels/reduce/reduce.h"

namespace pg::kernels {
namespace {

// Local helpers: no std:: inline templates are instantiated with this file's ISA flags.
inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t imax(int64_t a, int64_t b) { return a > b ? a : b; }

constexpr int64_t kRowBlock = 1024;
constexpr int64_t kColBlock = 128;

alignas(32) const int32_t kMaskTable[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
inline __m256i tail_mask(int64_t rem) {
  rem = imax(0, imin(8, rem));
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskTable + 8 - rem));
}

inline __m256d widen_lo(__m256 v) { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
inline __m256d widen_hi(__m256 v) { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }
inline double hsum(__m256d v) {
  const __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

// x is (n,)
double sum_row(const float* x, int64_t n) {
  __m256d d0 = _mm256_setzero_pd(), d1 = _mm256_setzero_pd();
  int64_t i = 0;
  while (i < n) {
    const int64_t end = imin(n, i + kRowBlock);
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (; i + 32 <= end; i += 32) {
      a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
      a1 = _mm256_add_ps(a1, _mm256_loadu_ps(x + i + 8));
      a2 = _mm256_add_ps(a2, _mm256_loadu_ps(x + i + 16));
      a3 = _mm256_add_ps(a3, _mm256_loadu_ps(x + i + 24));
    }
    for (; i < end; i += 8) a0 = _mm256_add_ps(a0, _mm256_maskload_ps(x + i, tail_mask(end - i)));
    i = end;
    const __m256 s = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
    d0 = _mm256_add_pd(d0, widen_lo(s));
    d1 = _mm256_add_pd(d1, widen_hi(s));
  }
  return hsum(_mm256_add_pd(d0, d1));
}

// x is (R, ld), y is (width,)
void sum_cols(const float* x, int64_t R, int64_t ld, int64_t width, double scale, float* y) {
  const __m256d vs = _mm256_set1_pd(scale);
  for (int64_t c = 0; c < width; c += 32) {
    __m256i m[4];
    for (int k = 0; k < 4; ++k) m[k] = tail_mask(width - c - 8 * k);
    __m256d d[8];
    for (auto& v : d) v = _mm256_setzero_pd();
    for (int64_t r0 = 0; r0 < R; r0 += kColBlock) {
      const int64_t r1 = imin(R, r0 + kColBlock);
      __m256 a[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                     _mm256_setzero_ps()};
      for (int64_t r = r0; r < r1; ++r) {
        const float* p = x + r * ld + c;
        for (int k = 0; k < 4; ++k) a[k] = _mm256_add_ps(a[k], _mm256_maskload_ps(p + 8 * k, m[k]));
      }
      for (int k = 0; k < 4; ++k) {
        d[2 * k] = _mm256_add_pd(d[2 * k], widen_lo(a[k]));
        d[2 * k + 1] = _mm256_add_pd(d[2 * k + 1], widen_hi(a[k]));
      }
    }
    for (int k = 0; k < 4; ++k) {
      const __m128 lo = _mm256_cvtpd_ps(_mm256_mul_pd(d[2 * k], vs));
      const __m128 hi = _mm256_cvtpd_ps(_mm256_mul_pd(d[2 * k + 1], vs));
      _mm256_maskstore_ps(y + c + 8 * k, m[k], _mm256_set_m128(hi, lo));
    }
  }
}

template <bool kMin>
inline __m256 pick(__m256 m, __m256 v) {
  return kMin ? _mm256_min_ps(m, v) : _mm256_max_ps(m, v);
}
inline __m256 isnan(__m256 v) { return _mm256_cmp_ps(v, v, _CMP_UNORD_Q); }

// x is (n,)
template <bool kMin>
float mm_row(const float* x, int64_t n) {
  if (n < 32) return (kMin ? kMinRef : kMaxRef).row(x, n);
  __m256 a[4], nan = _mm256_setzero_ps();
  for (int k = 0; k < 4; ++k) a[k] = _mm256_loadu_ps(x + 8 * k), nan = _mm256_or_ps(nan, isnan(a[k]));
  // The last (possibly overlapping) block re-reads a few values: harmless for max/min.
  for (int64_t i = 32; i < n; i += 32) {
    const float* p = x + imin(i, n - 32);
    for (int k = 0; k < 4; ++k) {
      const __m256 v = _mm256_loadu_ps(p + 8 * k);
      nan = _mm256_or_ps(nan, isnan(v));
      a[k] = pick<kMin>(a[k], v);
    }
  }
  if (_mm256_movemask_ps(nan)) return std::numeric_limits<float>::quiet_NaN();
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, pick<kMin>(pick<kMin>(a[0], a[1]), pick<kMin>(a[2], a[3])));
  float m = lanes[0];
  for (int l = 1; l < 8; ++l) m = kMin ? (lanes[l] < m ? lanes[l] : m) : (lanes[l] > m ? lanes[l] : m);
  return m;
}

// x is (R, ld), y is (width,)
template <bool kMin>
void mm_cols(const float* x, int64_t R, int64_t ld, int64_t width, float* y) {
  const __m256 qnan = _mm256_set1_ps(std::numeric_limits<float>::quiet_NaN());
  for (int64_t c = 0; c < width; c += 32) {
    __m256i m[4];
    __m256 a[4], nan[4];
    for (int k = 0; k < 4; ++k) {
      m[k] = tail_mask(width - c - 8 * k);
      a[k] = _mm256_maskload_ps(x + c + 8 * k, m[k]);
      nan[k] = isnan(a[k]);
    }
    for (int64_t r = 1; r < R; ++r) {
      const float* p = x + r * ld + c;
      for (int k = 0; k < 4; ++k) {
        const __m256 v = _mm256_maskload_ps(p + 8 * k, m[k]);
        nan[k] = _mm256_or_ps(nan[k], isnan(v));
        a[k] = pick<kMin>(a[k], v);
      }
    }
    for (int k = 0; k < 4; ++k)
      _mm256_maskstore_ps(y + c + 8 * k, m[k], _mm256_blendv_ps(a[k], qnan, nan[k]));
  }
}

}  // namespace

const SumKernels kSumAvx2 = {sum_row, sum_cols};
const MinMaxKernels kMaxAvx2 = {mm_row<false>, mm_cols<false>};
const MinMaxKernels kMinAvx2 = {mm_row<true>, mm_cols<true>};

}  // namespace pg::kernels
