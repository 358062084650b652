// Norm span primitives with AVX-512: four accumulators for sums, masked tails.
#include <immintrin.h>

#include "kernels/norm/norm.h"

namespace pg::kernels {
namespace {

inline __mmask16 tail_mask(int64_t left) {
  return left >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << left) - 1);
}

// x is (n)
float sum_avx512(const float* x, int64_t n) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  int64_t k = 0;
  for (; k + 64 <= n; k += 64) {
    a0 = _mm512_add_ps(a0, _mm512_loadu_ps(x + k));
    a1 = _mm512_add_ps(a1, _mm512_loadu_ps(x + k + 16));
    a2 = _mm512_add_ps(a2, _mm512_loadu_ps(x + k + 32));
    a3 = _mm512_add_ps(a3, _mm512_loadu_ps(x + k + 48));
  }
  for (; k < n; k += 16) a0 = _mm512_add_ps(a0, _mm512_maskz_loadu_ps(tail_mask(n - k), x + k));
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}

// x is (n)
float sq_dev_avx512(const float* x, int64_t n, float mean) {
  const __m512 m = _mm512_set1_ps(mean);
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  int64_t k = 0;
  for (; k + 64 <= n; k += 64) {
    const __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(x + k), m);
    const __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(x + k + 16), m);
    const __m512 d2 = _mm512_sub_ps(_mm512_loadu_ps(x + k + 32), m);
    const __m512 d3 = _mm512_sub_ps(_mm512_loadu_ps(x + k + 48), m);
    a0 = _mm512_fmadd_ps(d0, d0, a0);
    a1 = _mm512_fmadd_ps(d1, d1, a1);
    a2 = _mm512_fmadd_ps(d2, d2, a2);
    a3 = _mm512_fmadd_ps(d3, d3, a3);
  }
  for (; k < n; k += 16) {
    const __mmask16 t = tail_mask(n - k);
    const __m512 d = _mm512_maskz_sub_ps(t, _mm512_maskz_loadu_ps(t, x + k), m);
    a0 = _mm512_fmadd_ps(d, d, a0);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}

// x, y are (n)
void scale_shift_avx512(const float* x, float* y, int64_t n, float a, float b) {
  const __m512 va = _mm512_set1_ps(a), vb = _mm512_set1_ps(b);
  int64_t k = 0;
  for (; k + 32 <= n; k += 32) {
    _mm512_storeu_ps(y + k, _mm512_fmadd_ps(_mm512_loadu_ps(x + k), va, vb));
    _mm512_storeu_ps(y + k + 16, _mm512_fmadd_ps(_mm512_loadu_ps(x + k + 16), va, vb));
  }
  for (; k < n; k += 16) {
    const __mmask16 t = tail_mask(n - k);
    _mm512_mask_storeu_ps(y + k, t, _mm512_fmadd_ps(_mm512_maskz_loadu_ps(t, x + k), va, vb));
  }
}

// x, y are (n); w, b are (n) or nullptr
void normalize_avx512(const float* x, float* y, int64_t n, float mean, float invstd, const float* w,
                      const float* b) {
  const __m512 vi = _mm512_set1_ps(invstd), vm = _mm512_set1_ps(mean);
  const __m512 one = _mm512_set1_ps(1.f), zero = _mm512_setzero_ps();
  for (int64_t k = 0; k < n; k += 16) {
    const __mmask16 t = tail_mask(n - k);
    const __m512 v = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(t, x + k), vm), vi);
    const __m512 vw = w ? _mm512_maskz_loadu_ps(t, w + k) : one;
    const __m512 vb = b ? _mm512_maskz_loadu_ps(t, b + k) : zero;
    _mm512_mask_storeu_ps(y + k, t, _mm512_fmadd_ps(v, vw, vb));
  }
}

}  // namespace

const NormSpanFns kNormSpanAvx512 = {sum_avx512, sq_dev_avx512, scale_shift_avx512,
                                     normalize_avx512};

}  // namespace pg::kernels
