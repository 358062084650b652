// Norm span primitives with AVX2 + FMA: four accumulators for sums, masked tails.
#include <immintrin.h>

#include "kernels/norm/norm.h"

namespace pg::kernels {
namespace {

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

// x is (n)
float sum_avx2(const float* x, int64_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  int64_t k = 0;
  for (; k + 32 <= n; k += 32) {
    a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + k));
    a1 = _mm256_add_ps(a1, _mm256_loadu_ps(x + k + 8));
    a2 = _mm256_add_ps(a2, _mm256_loadu_ps(x + k + 16));
    a3 = _mm256_add_ps(a3, _mm256_loadu_ps(x + k + 24));
  }
  for (; k < n; k += 8) a0 = _mm256_add_ps(a0, _mm256_maskload_ps(x + k, tail_mask(n - k)));
  return hsum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
}

// x is (n)
float sq_dev_avx2(const float* x, int64_t n, float mean) {
  const __m256 m = _mm256_set1_ps(mean);
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  int64_t k = 0;
  for (; k + 32 <= n; k += 32) {
    const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + k), m);
    const __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(x + k + 8), m);
    const __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(x + k + 16), m);
    const __m256 d3 = _mm256_sub_ps(_mm256_loadu_ps(x + k + 24), m);
    a0 = _mm256_fmadd_ps(d0, d0, a0);
    a1 = _mm256_fmadd_ps(d1, d1, a1);
    a2 = _mm256_fmadd_ps(d2, d2, a2);
    a3 = _mm256_fmadd_ps(d3, d3, a3);
  }
  for (; k < n; k += 8) {
    const __m256i t = tail_mask(n - k);
    const __m256 d =
        _mm256_and_ps(_mm256_sub_ps(_mm256_maskload_ps(x + k, t), m), _mm256_castsi256_ps(t));
    a0 = _mm256_fmadd_ps(d, d, a0);
  }
  return hsum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
}

// x, y are (n)
void scale_shift_avx2(const float* x, float* y, int64_t n, float a, float b) {
  const __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b);
  int64_t k = 0;
  for (; k + 16 <= n; k += 16) {
    _mm256_storeu_ps(y + k, _mm256_fmadd_ps(_mm256_loadu_ps(x + k), va, vb));
    _mm256_storeu_ps(y + k + 8, _mm256_fmadd_ps(_mm256_loadu_ps(x + k + 8), va, vb));
  }
  for (; k < n; k += 8) {
    const __m256i t = tail_mask(n - k);
    _mm256_maskstore_ps(y + k, t, _mm256_fmadd_ps(_mm256_maskload_ps(x + k, t), va, vb));
  }
}

// x, y are (n); w, b are (n) or nullptr
void normalize_avx2(const float* x, float* y, int64_t n, float mean, float invstd, const float* w,
                    const float* b) {
  const __m256 vi = _mm256_set1_ps(invstd), vm = _mm256_set1_ps(mean);
  const __m256 one = _mm256_set1_ps(1.f), zero = _mm256_setzero_ps();
  for (int64_t k = 0; k < n; k += 8) {
    const __m256i t = tail_mask(n - k);
    const __m256 v = _mm256_mul_ps(_mm256_sub_ps(_mm256_maskload_ps(x + k, t), vm), vi);
    const __m256 vw = w ? _mm256_maskload_ps(w + k, t) : one;
    const __m256 vb = b ? _mm256_maskload_ps(b + k, t) : zero;
    _mm256_maskstore_ps(y + k, t, _mm256_fmadd_ps(v, vw, vb));
  }
}

}  // namespace

const NormSpanFns kNormSpanAvx2 = {sum_avx2, sq_dev_avx2, scale_shift_avx2, normalize_avx2};

}  // namespace pg::kernels
