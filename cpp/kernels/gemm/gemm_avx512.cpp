// The AVX-512 GEMM variant: a 14x32 microkernel (28 zmm accumulators, 2 for B, 1 broadcast).
#include <immintrin.h>

#include "kernels/gemm/gemm_small.h"

namespace pg::kernels::gemm_detail {
namespace {

constexpr int MR = 14, NR = 32;

inline __m512 finish(__m512 acc, const float* c, const float* bias_col, float bias_row,
                     const TileArgs& t) {
  __m512 v = _mm512_mul_ps(_mm512_set1_ps(t.alpha), acc);
  if (t.beta != 0.f) v = _mm512_fmadd_ps(_mm512_set1_ps(t.beta), _mm512_loadu_ps(c), v);
  if (bias_col) v = _mm512_add_ps(v, _mm512_loadu_ps(bias_col));
  if (t.bias_row) v = _mm512_add_ps(v, _mm512_set1_ps(bias_row));
  if (t.act == Activation::relu) {
    v = _mm512_max_ps(v, _mm512_setzero_ps());
  } else if (t.act == Activation::leaky_relu) {
    const __mmask16 neg = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ);
    v = _mm512_mask_mul_ps(v, neg, v, _mm512_set1_ps(t.slope));
  }
  return v;
}

// a is (kc, 14) packed, b is (kc, 32) packed, c is (14, 32) with row stride ldc
void ukernel_14x32(int64_t kc, const float* __restrict a, const float* __restrict b, float* c,
                   int64_t ldc, const TileArgs& t) {
  __m512 acc0[MR], acc1[MR];
#pragma GCC unroll 14
  for (int i = 0; i < MR; ++i) acc0[i] = acc1[i] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k, a += MR, b += NR) {
    const __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
    _mm_prefetch(reinterpret_cast<const char*>(a + 8 * MR), _MM_HINT_T0);
#pragma GCC unroll 14
    for (int i = 0; i < MR; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i]);
      acc0[i] = _mm512_fmadd_ps(ai, b0, acc0[i]);
      acc1[i] = _mm512_fmadd_ps(ai, b1, acc1[i]);
    }
  }
#pragma GCC unroll 14
  for (int i = 0; i < MR; ++i) {
    float* ci = c + i * ldc;
    const float br = t.bias_row ? t.bias_row[i] : 0.f;
    _mm512_storeu_ps(ci, finish(acc0[i], ci, t.bias_col, br, t));
    _mm512_storeu_ps(ci + 16, finish(acc1[i], ci + 16, t.bias_col ? t.bias_col + 16 : nullptr,
                                     br, t));
  }
}

}  // namespace

// KC: a 14xKC A panel and the 32xKC B panel share L1; MC x KC of A sits in L2; KC x NC of B in L3.
const GemmKernels kAvx512Kernels = {MR, NR, 256, 168, 4096, ukernel_14x32, small_nn, small_nt};

}  // namespace pg::kernels::gemm_detail
