// The AVX2 GEMM variant: a 6x16 microkernel (12 ymm accumulators, 2 for B, 1 broadcast).
#include <immintrin.h>

#include "kernels/gemm/gemm_small.h"

namespace pg::kernels::gemm_detail {
namespace {

constexpr int MR = 6, NR = 16;

inline __m256 finish(__m256 acc, const float* c, const float* bias_col, float bias_row,
                     const TileArgs& t) {
  __m256 v = _mm256_mul_ps(_mm256_set1_ps(t.alpha), acc);
  if (t.beta != 0.f) v = _mm256_fmadd_ps(_mm256_set1_ps(t.beta), _mm256_loadu_ps(c), v);
  if (bias_col) v = _mm256_add_ps(v, _mm256_loadu_ps(bias_col));
  if (t.bias_row) v = _mm256_add_ps(v, _mm256_set1_ps(bias_row));
  if (t.act == Activation::relu) {
    v = _mm256_max_ps(v, _mm256_setzero_ps());
  } else if (t.act == Activation::leaky_relu) {
    const __m256 neg = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ);
    v = _mm256_blendv_ps(v, _mm256_mul_ps(v, _mm256_set1_ps(t.slope)), neg);
  }
  return v;
}

// a is (kc, 6) packed, b is (kc, 16) packed, c is (6, 16) with row stride ldc
void ukernel_6x16(int64_t kc, const float* __restrict a, const float* __restrict b, int64_t ldb,
                  float* c, int64_t ldc, const TileArgs& t) {
  __m256 acc0[MR], acc1[MR];
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) acc0[i] = acc1[i] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; ++k, a += MR, b += ldb) {
    const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      const __m256 ai = _mm256_broadcast_ss(a + i);
      acc0[i] = _mm256_fmadd_ps(ai, b0, acc0[i]);
      acc1[i] = _mm256_fmadd_ps(ai, b1, acc1[i]);
    }
  }
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) {
    float* ci = c + i * ldc;
    const float br = t.bias_row ? t.bias_row[i] : 0.f;
    _mm256_storeu_ps(ci, finish(acc0[i], ci, t.bias_col, br, t));
    _mm256_storeu_ps(ci + 8, finish(acc1[i], ci + 8, t.bias_col ? t.bias_col + 8 : nullptr, br, t));
  }
}

}  // namespace

const GemmKernels kAvx2Kernels = {MR,          NR,           /*kc=*/256, /*mc=*/96,
                                  /*nc=*/4096, ukernel_6x16, nullptr,    pack_a<MR>,
                                  pack_b<NR>,  small_nn,     small_nt};

}  // namespace pg::kernels::gemm_detail
