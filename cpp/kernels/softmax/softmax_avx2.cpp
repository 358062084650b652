// Softmax rows with AVX2 + FMA: an 8-lane exp (Cody-Waite reduction + degree-7 polynomial,
// relative error ~2e-7); the tail goes through masked loads/stores.
#include <immintrin.h>

#include <cmath>

#include "kernels/softmax/softmax.h"

namespace pg::kernels {
namespace {

// exp(x) for x in float range; 0 below -87.33 (where the result would be denormal).
inline __m256 exp8(__m256 x) {
  const __m256 lo = _mm256_set1_ps(-87.336544f);
  const __m256 keep = _mm256_cmp_ps(x, lo, _CMP_NLT_UQ);  // true for NaN: it must propagate
  x = _mm256_min_ps(_mm256_set1_ps(88.72283f), _mm256_max_ps(lo, x));  // NaN passes through
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.f / 5040);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 720));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 120));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 24));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 6));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f));
  // 2^n built in the exponent field; n >= -126 after the clamp, so it stays a normal number.
  const __m256i bits = _mm256_slli_epi32(
      _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_and_ps(_mm256_mul_ps(p, _mm256_castsi256_ps(bits)), keep);
}

inline __m256i tail_mask(int64_t left) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(left < 8 ? left : 8)), idx);
}

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline float hmax(__m256 v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// x, y are (n): one contiguous row
void row_avx2(const float* x, float* y, int64_t n, bool log) {
  const __m256 ninf = _mm256_set1_ps(-INFINITY);
  __m256 vm = ninf;
  int64_t k = 0;
  for (; k + 8 <= n; k += 8) vm = _mm256_max_ps(vm, _mm256_loadu_ps(x + k));
  if (k < n) {
    const __m256i m = tail_mask(n - k);
    vm = _mm256_max_ps(vm, _mm256_blendv_ps(ninf, _mm256_maskload_ps(x + k, m),
                                            _mm256_castsi256_ps(m)));
  }
  const float mx = hmax(vm);
  const __m256 vmx = _mm256_set1_ps(mx);
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  k = 0;
  for (; k + 16 <= n; k += 16) {
    const __m256 e0 = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + k), vmx));
    const __m256 e1 = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + k + 8), vmx));
    s0 = _mm256_add_ps(s0, e0);
    s1 = _mm256_add_ps(s1, e1);
    if (!log) {
      _mm256_storeu_ps(y + k, e0);
      _mm256_storeu_ps(y + k + 8, e1);
    }
  }
  for (; k < n; k += 8) {
    const __m256i m = tail_mask(n - k);
    const __m256 e = _mm256_and_ps(
        exp8(_mm256_sub_ps(_mm256_maskload_ps(x + k, m), vmx)), _mm256_castsi256_ps(m));
    s0 = _mm256_add_ps(s0, e);
    if (!log) _mm256_maskstore_ps(y + k, m, e);
  }
  const float sum = hsum(_mm256_add_ps(s0, s1));
  if (log) {
    const __m256 ls = _mm256_set1_ps(std::log(sum));
    for (int64_t j = 0; j < n; j += 8) {
      const __m256i m = tail_mask(n - j);
      const __m256 d = _mm256_sub_ps(_mm256_maskload_ps(x + j, m), vmx);
      _mm256_maskstore_ps(y + j, m, _mm256_sub_ps(d, ls));
    }
  } else {
    const __m256 inv = _mm256_set1_ps(1.f / sum);
    for (int64_t j = 0; j < n; j += 8) {
      const __m256i m = tail_mask(n - j);
      _mm256_maskstore_ps(y + j, m, _mm256_mul_ps(_mm256_maskload_ps(y + j, m), inv));
    }
  }
}

// x is (n)
void exp_inplace_avx2(float* x, int64_t n) {
  for (int64_t k = 0; k < n; k += 8) {
    const __m256i m = tail_mask(n - k);
    _mm256_maskstore_ps(x + k, m, exp8(_mm256_maskload_ps(x + k, m)));
  }
}

}  // namespace

const SoftmaxFns kSoftmaxAvx2 = {row_avx2, exp_inplace_avx2};

}  // namespace pg::kernels
