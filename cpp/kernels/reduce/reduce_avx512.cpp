// AVX-512 reductions: 4 zmm float accumulators per block of a row (or 64 columns), blocks
// widened into double accumulators; masked loads for tails.
#include <immintrin.h>

#include <limits>

#include "kernels/reduce/reduce.h"

namespace pg::kernels {
namespace {

// Local helpers: no std:: inline templates are instantiated with this file's ISA flags.
inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t imax(int64_t a, int64_t b) { return a > b ? a : b; }

constexpr int64_t kRowBlock = 2048;
constexpr int64_t kColBlock = 128;

inline __mmask16 tail_mask(int64_t rem) {
  return rem >= 16 ? __mmask16(0xFFFF) : rem <= 0 ? __mmask16(0) : __mmask16((1u << rem) - 1);
}

inline __m512d widen_lo(__m512 v) { return _mm512_cvtps_pd(_mm512_castps512_ps256(v)); }
inline __m512d widen_hi(__m512 v) {
  return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}

// x is (n,)
double sum_row(const float* x, int64_t n) {
  __m512d d0 = _mm512_setzero_pd(), d1 = _mm512_setzero_pd();
  int64_t i = 0;
  while (i < n) {
    const int64_t end = imin(n, i + kRowBlock);
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (; i + 64 <= end; i += 64) {
      a0 = _mm512_add_ps(a0, _mm512_loadu_ps(x + i));
      a1 = _mm512_add_ps(a1, _mm512_loadu_ps(x + i + 16));
      a2 = _mm512_add_ps(a2, _mm512_loadu_ps(x + i + 32));
      a3 = _mm512_add_ps(a3, _mm512_loadu_ps(x + i + 48));
    }
    for (; i < end; i += 16)
      a0 = _mm512_add_ps(a0, _mm512_maskz_loadu_ps(tail_mask(end - i), x + i));
    i = end;
    const __m512 s = _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3));
    d0 = _mm512_add_pd(d0, widen_lo(s));
    d1 = _mm512_add_pd(d1, widen_hi(s));
  }
  return _mm512_reduce_add_pd(_mm512_add_pd(d0, d1));
}

// x is (R, ld), y is (width,), width <= kReduceColTile. Rows are swept in order (streaming
// reads) into float accumulators in L1, flushed to double every kColBlock rows.
void sum_cols(const float* x, int64_t R, int64_t ld, int64_t width, double scale, float* y) {
  alignas(64) float facc[kReduceColTile];
  alignas(64) double dacc[kReduceColTile];
  const int64_t W = (width + 15) & ~int64_t(15);
  const __mmask16 mt = tail_mask(width - (W - 16));
  for (int64_t c = 0; c < W; c += 8) _mm512_store_pd(dacc + c, _mm512_setzero_pd());
  for (int64_t r0 = 0; r0 < R; r0 += kColBlock) {
    const int64_t r1 = imin(R, r0 + kColBlock);
    for (int64_t c = 0; c < W; c += 16) _mm512_store_ps(facc + c, _mm512_setzero_ps());
    for (int64_t r = r0; r < r1; ++r) {
      const float* p = x + r * ld;
      int64_t c = 0;
      for (; c + 16 < W; c += 16)
        _mm512_store_ps(facc + c, _mm512_add_ps(_mm512_load_ps(facc + c), _mm512_loadu_ps(p + c)));
      _mm512_store_ps(facc + c,
                      _mm512_add_ps(_mm512_load_ps(facc + c), _mm512_maskz_loadu_ps(mt, p + c)));
    }
    for (int64_t c = 0; c < W; c += 16) {
      const __m512 a = _mm512_load_ps(facc + c);
      _mm512_store_pd(dacc + c, _mm512_add_pd(_mm512_load_pd(dacc + c), widen_lo(a)));
      _mm512_store_pd(dacc + c + 8, _mm512_add_pd(_mm512_load_pd(dacc + c + 8), widen_hi(a)));
    }
  }
  const __m512d vs = _mm512_set1_pd(scale);
  for (int64_t c = 0; c < W; c += 16) {
    const __m256 lo = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_load_pd(dacc + c), vs));
    const __m256 hi = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_load_pd(dacc + c + 8), vs));
    const __m512 v = _mm512_castpd_ps(
        _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(lo)), _mm256_castps_pd(hi), 1));
    _mm512_mask_storeu_ps(y + c, c + 16 < W ? __mmask16(0xFFFF) : mt, v);
  }
}

template <bool kMin>
inline __m512 pick(__m512 m, __m512 v) {
  return kMin ? _mm512_min_ps(m, v) : _mm512_max_ps(m, v);
}
inline __mmask16 isnan(__m512 v) { return _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q); }

// x is (n,)
template <bool kMin>
float mm_row(const float* x, int64_t n) {
  if (n < 64) return (kMin ? kMinRef : kMaxRef).row(x, n);
  __m512 a[4];
  __mmask16 nan = 0;
  for (int k = 0; k < 4; ++k) a[k] = _mm512_loadu_ps(x + 16 * k), nan |= isnan(a[k]);
  // The last (possibly overlapping) block re-reads a few values: harmless for max/min.
  for (int64_t i = 64; i < n; i += 64) {
    const float* p = x + imin(i, n - 64);
    for (int k = 0; k < 4; ++k) {
      const __m512 v = _mm512_loadu_ps(p + 16 * k);
      nan |= isnan(v);
      a[k] = pick<kMin>(a[k], v);
    }
  }
  if (nan) return std::numeric_limits<float>::quiet_NaN();
  const __m512 v = pick<kMin>(pick<kMin>(a[0], a[1]), pick<kMin>(a[2], a[3]));
  return kMin ? _mm512_reduce_min_ps(v) : _mm512_reduce_max_ps(v);
}

// x is (R, ld), y is (width,), width <= kReduceColTile; rows swept in order.
template <bool kMin>
void mm_cols(const float* x, int64_t R, int64_t ld, int64_t width, float* y) {
  alignas(64) float acc[kReduceColTile];
  __mmask16 nan[kReduceColTile / 16];
  const int64_t W = (width + 15) & ~int64_t(15);
  const __mmask16 mt = tail_mask(width - (W - 16));
  for (int64_t c = 0; c < W; c += 16) {
    const __m512 v = _mm512_maskz_loadu_ps(c + 16 < W ? __mmask16(0xFFFF) : mt, x + c);
    _mm512_store_ps(acc + c, v);
    nan[c / 16] = isnan(v);
  }
  for (int64_t r = 1; r < R; ++r) {
    const float* p = x + r * ld;
    for (int64_t c = 0; c < W; c += 16) {
      const __m512 v = _mm512_maskz_loadu_ps(c + 16 < W ? __mmask16(0xFFFF) : mt, p + c);
      nan[c / 16] |= isnan(v);
      _mm512_store_ps(acc + c, pick<kMin>(_mm512_load_ps(acc + c), v));
    }
  }
  const __m512 qnan = _mm512_set1_ps(std::numeric_limits<float>::quiet_NaN());
  for (int64_t c = 0; c < W; c += 16)
    _mm512_mask_storeu_ps(y + c, c + 16 < W ? __mmask16(0xFFFF) : mt,
                          _mm512_mask_blend_ps(nan[c / 16], _mm512_load_ps(acc + c), qnan));
}

// x is (n,)
int64_t find(const float* x, int64_t n, float value) {
  const __m512 v = _mm512_set1_ps(value);
  const bool nan = value != value;
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 t = tail_mask(n - i);
    const __m512 a = _mm512_maskz_loadu_ps(t, x + i);
    const __mmask16 m = t & (nan ? isnan(a) : _mm512_cmp_ps_mask(a, v, _CMP_EQ_OQ));
    if (m) return i + __builtin_ctz(m);
  }
  return n;
}

}  // namespace

const SumKernels kSumAvx512 = {sum_row, sum_cols};
const MinMaxKernels kMaxAvx512 = {mm_row<false>, find, mm_cols<false>};
const MinMaxKernels kMinAvx512 = {mm_row<true>, find, mm_cols<true>};

}  // namespace pg::kernels
