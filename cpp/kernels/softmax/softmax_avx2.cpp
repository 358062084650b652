// Softmax rows with AVX2 + FMA: exp from the shared vmath (kernels/eltwise); the tail goes
// through masked loads/stores.
#include <immintrin.h>

#include <cmath>

#include "kernels/eltwise/vmath_avx2.h"
#include "kernels/softmax/softmax.h"

namespace pg::kernels {
namespace {

// exp on a vector: the shared vmath algorithm (gradual underflow, NaN passes through).
inline __m256 exp8(__m256 x) { return vm::exp(x); }

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
    vm = _mm256_max_ps(
        vm, _mm256_blendv_ps(ninf, _mm256_maskload_ps(x + k, m), _mm256_castsi256_ps(m)));
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
    const __m256 e = _mm256_and_ps(exp8(_mm256_sub_ps(_mm256_maskload_ps(x + k, m), vmx)),
                                   _mm256_castsi256_ps(m));
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
