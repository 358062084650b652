// Softmax rows with AVX-512: masked tails, a 16-lane exp (Cody-Waite reduction + degree-7
// polynomial, relative error ~2e-7). Helpers stay in an anonymous namespace (ISA flags).
#include <immintrin.h>

#include <cmath>

#include "kernels/softmax/softmax.h"

namespace pg::kernels {
namespace {

// exp(x) for x in float range; 0 below -87.33 (where the result would be denormal).
inline __m512 exp16(__m512 x) {
  const __m512 lo = _mm512_set1_ps(-87.336544f);
  const __mmask16 under = _mm512_cmp_ps_mask(x, lo, _CMP_LT_OQ);
  x = _mm512_min_ps(_mm512_set1_ps(88.72283f), _mm512_max_ps(lo, x));  // NaN passes through
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);  // ln2 split hi + lo
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.f / 5040);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f / 720));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f / 120));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f / 24));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f / 6));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.f));
  const __m512 e = _mm512_scalef_ps(p, n);  // p * 2^n
  return _mm512_maskz_mov_ps(static_cast<__mmask16>(~under), e);
}

inline __mmask16 tail_mask(int64_t left) {
  return left >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << left) - 1);
}

// x, y are (n): one contiguous row
void row_avx512(const float* x, float* y, int64_t n, bool log) {
  __m512 vm = _mm512_set1_ps(-INFINITY);
  for (int64_t k = 0; k < n; k += 16) {
    const __mmask16 m = tail_mask(n - k);
    vm = _mm512_mask_max_ps(vm, m, vm, _mm512_maskz_loadu_ps(m, x + k));
  }
  const float mx = _mm512_reduce_max_ps(vm);
  const __m512 vmx = _mm512_set1_ps(mx);
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  int64_t k = 0;
  for (; k + 32 <= n; k += 32) {
    const __m512 e0 = exp16(_mm512_sub_ps(_mm512_loadu_ps(x + k), vmx));
    const __m512 e1 = exp16(_mm512_sub_ps(_mm512_loadu_ps(x + k + 16), vmx));
    s0 = _mm512_add_ps(s0, e0);
    s1 = _mm512_add_ps(s1, e1);
    if (!log) {
      _mm512_storeu_ps(y + k, e0);
      _mm512_storeu_ps(y + k + 16, e1);
    }
  }
  for (; k < n; k += 16) {
    const __mmask16 m = tail_mask(n - k);
    const __m512 e = exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + k), vmx));
    s0 = _mm512_mask_add_ps(s0, m, s0, e);
    if (!log) _mm512_mask_storeu_ps(y + k, m, e);
  }
  const float sum = _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
  if (log) {
    const __m512 ls = _mm512_set1_ps(std::log(sum));
    for (int64_t j = 0; j < n; j += 16) {
      const __mmask16 m = tail_mask(n - j);
      const __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + j), vmx);
      _mm512_mask_storeu_ps(y + j, m, _mm512_sub_ps(d, ls));
    }
  } else {
    const __m512 inv = _mm512_set1_ps(1.f / sum);
    for (int64_t j = 0; j < n; j += 16) {
      const __mmask16 m = tail_mask(n - j);
      _mm512_mask_storeu_ps(y + j, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, y + j), inv));
    }
  }
}

// x is (n)
void exp_inplace_avx512(float* x, int64_t n) {
  for (int64_t k = 0; k < n; k += 16) {
    const __mmask16 m = tail_mask(n - k);
    _mm512_mask_storeu_ps(x + k, m, exp16(_mm512_maskz_loadu_ps(m, x + k)));
  }
}

}  // namespace

const SoftmaxFns kSoftmaxAvx512 = {row_avx512, exp_inplace_avx512};

}  // namespace pg::kernels
