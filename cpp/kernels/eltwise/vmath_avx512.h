// Vectorised float32 math on 16 lanes of AVX-512 (exp, log, tanh, sigmoid, erf, ...): the
// primitives here, the algorithms in vmath_body.h. Include only from *_avx512.cpp files;
// everything lives in an anonymous namespace so no AVX-512 copy leaks to generic code.
#pragma once
#include <immintrin.h>

#include <cstdint>

namespace {
namespace vm {

using V = __m512;
using M = __mmask16;
using VI = __m512i;
constexpr int kWidth = 16;

inline V set1(float a) { return _mm512_set1_ps(a); }
inline VI set1_i(int a) { return _mm512_set1_epi32(a); }
inline V load(const float* p) { return _mm512_loadu_ps(p); }
inline void store(float* p, V v) { _mm512_storeu_ps(p, v); }
inline V add(V a, V b) { return _mm512_add_ps(a, b); }
inline V sub(V a, V b) { return _mm512_sub_ps(a, b); }
inline V mul(V a, V b) { return _mm512_mul_ps(a, b); }
inline V div(V a, V b) { return _mm512_div_ps(a, b); }
inline V sqrt(V a) { return _mm512_sqrt_ps(a); }
inline V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }    // a*b + c
inline V fnma(V a, V b, V c) { return _mm512_fnmadd_ps(a, b, c); }  // c - a*b
inline V fms(V a, V b, V c) { return _mm512_fmsub_ps(a, b, c); }    // a*b - c
inline V min(V a, V b) { return _mm512_min_ps(a, b); }
inline V max(V a, V b) { return _mm512_max_ps(a, b); }
inline V abs(V a) { return _mm512_abs_ps(a); }
inline V neg(V a) {
  return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a), set1_i(INT32_MIN)));
}
inline V copysign(V mag, V sgn) {  // |mag| with sgn's sign bit
  return _mm512_castsi512_ps(_mm512_ternarylogic_epi32(
      _mm512_castps_si512(mag), _mm512_castps_si512(sgn), set1_i(0x7fffffff), 0xe4));
}
inline M lt(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
inline M le(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
inline M gt(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
inline M eq(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
inline M isnan(V a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
inline V select(M m, V t, V f) { return _mm512_mask_blend_ps(m, f, t); }
inline V round_nearest(V a) {
  return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
inline VI to_int(V a) { return _mm512_cvtps_epi32(a); }
inline V to_float(VI a) { return _mm512_cvtepi32_ps(a); }
inline VI srai1(VI a) { return _mm512_srai_epi32(a, 1); }
inline VI srli23(VI a) { return _mm512_srli_epi32(a, 23); }
inline VI sub_i(VI a, VI b) { return _mm512_sub_epi32(a, b); }
inline VI and_i(VI a, VI b) { return _mm512_and_si512(a, b); }
inline VI or_i(VI a, VI b) { return _mm512_or_si512(a, b); }
inline VI as_int(V a) { return _mm512_castps_si512(a); }
inline V as_float(VI a) { return _mm512_castsi512_ps(a); }
inline V pow2i(VI n) {  // 2^n for n in [-126, 127]
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(n, set1_i(127)), 23));
}
// The first k lanes from p, zeros elsewhere; and the store of the first k lanes.
inline V load_partial(const float* p, int k) {
  return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << k) - 1), p);
}
inline void store_partial(float* p, V v, int k) {
  _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << k) - 1), v);
}

// p * 2^n for integral n in [-150, 128], overflowing to inf and underflowing gradually.
inline V scale2n(V p, V n) { return _mm512_scalef_ps(p, n); }

#include "kernels/eltwise/vmath_body.h"

}  // namespace vm
}  // namespace
