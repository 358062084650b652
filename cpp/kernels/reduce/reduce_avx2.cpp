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

// x is (R, ld), y is (width,), width <= kReduceColTile. Rows are swept in order (streaming
// reads) into float accumulators in L1, flushed to double every kColBlock rows.
void sum_cols(const float* x, int64_t R, int64_t ld, int64_t width, double scale, float* y) {
  alignas(32) float facc[kReduceColTile];
  alignas(32) double dacc[kReduceColTile];
  const int64_t W = (width + 7) & ~int64_t(7);
  const __m256i mt = tail_mask(width - (W - 8));
  for (int64_t c = 0; c < W; c += 4) _mm256_store_pd(dacc + c, _mm256_setzero_pd());
  for (int64_t r0 = 0; r0 < R; r0 += kColBlock) {
    const int64_t r1 = imin(R, r0 + kColBlock);
    for (int64_t c = 0; c < W; c += 8) _mm256_store_ps(facc + c, _mm256_setzero_ps());
    for (int64_t r = r0; r < r1; ++r) {
      const float* p = x + r * ld;
      int64_t c = 0;
      for (; c + 8 < W; c += 8)
        _mm256_store_ps(facc + c, _mm256_add_ps(_mm256_load_ps(facc + c), _mm256_loadu_ps(p + c)));
      _mm256_store_ps(facc + c,
                      _mm256_add_ps(_mm256_load_ps(facc + c), _mm256_maskload_ps(p + c, mt)));
    }
    for (int64_t c = 0; c < W; c += 8) {
      const __m256 a = _mm256_load_ps(facc + c);
      _mm256_store_pd(dacc + c, _mm256_add_pd(_mm256_load_pd(dacc + c), widen_lo(a)));
      _mm256_store_pd(dacc + c + 4, _mm256_add_pd(_mm256_load_pd(dacc + c + 4), widen_hi(a)));
    }
  }
  const __m256d vs = _mm256_set1_pd(scale);
  const __m256i all = tail_mask(8);
  for (int64_t c = 0; c < W; c += 8) {
    const __m128 lo = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_load_pd(dacc + c), vs));
    const __m128 hi = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_load_pd(dacc + c + 4), vs));
    _mm256_maskstore_ps(y + c, c + 8 < W ? all : mt, _mm256_set_m128(hi, lo));
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
  for (int k = 0; k < 4; ++k) {
    a[k] = _mm256_loadu_ps(x + 8 * k);
    nan = _mm256_or_ps(nan, isnan(a[k]));
  }
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
  for (int l = 1; l < 8; ++l)
    m = kMin ? (lanes[l] < m ? lanes[l] : m) : (lanes[l] > m ? lanes[l] : m);
  return m;
}

// x is (R, ld), y is (width,), width <= kReduceColTile; rows swept in order.
template <bool kMin>
void mm_cols(const float* x, int64_t R, int64_t ld, int64_t width, float* y) {
  alignas(32) float acc[kReduceColTile];
  alignas(32) float nan[kReduceColTile];
  const int64_t W = (width + 7) & ~int64_t(7);
  const __m256i mt = tail_mask(width - (W - 8)), all = tail_mask(8);
  for (int64_t c = 0; c < W; c += 8) {
    const __m256 v = _mm256_maskload_ps(x + c, c + 8 < W ? all : mt);
    _mm256_store_ps(acc + c, v);
    _mm256_store_ps(nan + c, isnan(v));
  }
  for (int64_t r = 1; r < R; ++r) {
    const float* p = x + r * ld;
    for (int64_t c = 0; c < W; c += 8) {
      const __m256 v = _mm256_maskload_ps(p + c, c + 8 < W ? all : mt);
      _mm256_store_ps(nan + c, _mm256_or_ps(_mm256_load_ps(nan + c), isnan(v)));
      _mm256_store_ps(acc + c, pick<kMin>(_mm256_load_ps(acc + c), v));
    }
  }
  const __m256 qnan = _mm256_set1_ps(std::numeric_limits<float>::quiet_NaN());
  for (int64_t c = 0; c < W; c += 8)
    _mm256_maskstore_ps(y + c, c + 8 < W ? all : mt,
                        _mm256_blendv_ps(_mm256_load_ps(acc + c), qnan, _mm256_load_ps(nan + c)));
}

// x is (n,)
int64_t find(const float* x, int64_t n, float value) {
  const __m256 v = _mm256_set1_ps(value);
  const bool nan = value != value;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 a = _mm256_loadu_ps(x + i);
    const int m = _mm256_movemask_ps(nan ? isnan(a) : _mm256_cmp_ps(a, v, _CMP_EQ_OQ));
    if (m) return i + __builtin_ctz(m);
  }
  for (; i < n; ++i)
    if (x[i] == value || (nan && x[i] != x[i])) return i;
  return n;
}

}  // namespace

const SumKernels kSumAvx2 = {sum_row, sum_cols};
const MinMaxKernels kMaxAvx2 = {mm_row<false>, find, mm_cols<false>};
const MinMaxKernels kMinAvx2 = {mm_row<true>, find, mm_cols<true>};

}  // namespace pg::kernels
