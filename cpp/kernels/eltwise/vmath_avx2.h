// Vectorised float32 math on 8 lanes of AVX2+FMA (exp, log, tanh, sigmoid, erf, ...): the
// primitives here, the algorithms in vmath_body.h. Include only from *_avx2.cpp files;
// everything lives in an anonymous namespace so no AVX2 copy leaks to generic code.
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace {
namespace vm {

using V = __m256;
using M = __m256;  // all-ones / all-zeros lanes
using VI = __m256i;
constexpr int kWidth = 8;

inline V set1(float a) { return _mm256_set1_ps(a); }
inline VI set1_i(int a) { return _mm256_set1_epi32(a); }
inline V load(const float* p) { return _mm256_loadu_ps(p); }
inline void store(float* p, V v) { _mm256_storeu_ps(p, v); }
inline V add(V a, V b) { return _mm256_add_ps(a, b); }
inline V sub(V a, V b) { return _mm256_sub_ps(a, b); }
inline V mul(V a, V b) { return _mm256_mul_ps(a, b); }
inline V div(V a, V b) { return _mm256_div_ps(a, b); }
inline V sqrt(V a) { return _mm256_sqrt_ps(a); }
inline V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }    // a*b + c
inline V fnma(V a, V b, V c) { return _mm256_fnmadd_ps(a, b, c); }  // c - a*b
inline V fms(V a, V b, V c) { return _mm256_fmsub_ps(a, b, c); }    // a*b - c
inline V min(V a, V b) { return _mm256_min_ps(a, b); }
inline V max(V a, V b) { return _mm256_max_ps(a, b); }
inline V abs(V a) { return _mm256_and_ps(a, _mm256_castsi256_ps(set1_i(0x7fffffff))); }
inline V neg(V a) { return _mm256_xor_ps(a, _mm256_castsi256_ps(set1_i(INT32_MIN))); }
inline V copysign(V mag, V sgn) {
  const V sign = _mm256_castsi256_ps(set1_i(INT32_MIN));
  return _mm256_or_ps(_mm256_andnot_ps(sign, mag), _mm256_and_ps(sign, sgn));
}
inline M lt(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
inline M le(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
inline M gt(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
inline M eq(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
inline M isnan(V a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
inline V select(M m, V t, V f) { return _mm256_blendv_ps(f, t, m); }
inline V round_nearest(V a) {
  return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
inline VI to_int(V a) { return _mm256_cvtps_epi32(a); }
inline V to_float(VI a) { return _mm256_cvtepi32_ps(a); }
inline VI srai1(VI a) { return _mm256_srai_epi32(a, 1); }
inline VI srli23(VI a) { return _mm256_srli_epi32(a, 23); }
inline VI sub_i(VI a, VI b) { return _mm256_sub_epi32(a, b); }
inline VI and_i(VI a, VI b) { return _mm256_and_si256(a, b); }
inline VI or_i(VI a, VI b) { return _mm256_or_si256(a, b); }
inline VI as_int(V a) { return _mm256_castps_si256(a); }
inline V as_float(VI a) { return _mm256_castsi256_ps(a); }
inline V pow2i(VI n) {  // 2^n for n in [-126, 127]
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n, set1_i(127)), 23));
}
inline VI tail_mask(int k) {  // lanes < k all-ones
  return _mm256_cmpgt_epi32(set1_i(k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
inline V load_partial(const float* p, int k) { return _mm256_maskload_ps(p, tail_mask(k)); }
inline void store_partial(float* p, V v, int k) { _mm256_maskstore_ps(p, tail_mask(k), v); }

// p * 2^n for integral n in [-150, 128]: two halves, each a normal power of two, so n = 128
// overflows only when the product does and tiny results round once into the subnormals.
inline V scale2n(V p, V n) {
  const VI ni = to_int(n);
  const VI n1 = srai1(ni);
  return mul(mul(p, pow2i(n1)), pow2i(sub_i(ni, n1)));
}

#include "kernels/eltwise/vmath_body.h"

}  // namespace vm
}  // namespace
