// Softmax rows with AVX-512: masked tails, exp from the shared vmath (kernels/eltwise).
// Helpers stay in an anonymous namespace (ISA flags).
#include <immintrin.h>

#include <cmath>

#include "kernels/eltwise/vmath_avx512.h"
#include "kernels/softmax/softmax.h"

namespace pg::kernels {
namespace {

// exp on a vector: the shared vmath algorithm (gradual underflow, NaN passes through).
inline __m512 exp16(__m512 x) { return vm::exp(x); }

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
