// AVX-512 pooling variants: 16 output columns per vector (the loops are in pool_simd.h).
#ifdef PYGRAPH_SIMD
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/pool/pool.h"

namespace pg::kernels {
namespace {

struct V512 {
  static constexpr int N = 16;
  using F = __m512;
  using I = __m512i;
  using M = __mmask16;
  static __mmask16 first(int n) { return static_cast<__mmask16>((1u << n) - 1u); }
  static F loadu(const float* p) { return _mm512_loadu_ps(p); }
  static F load_stride(const float* p, int64_t s, int n) {
    if (s == 1) return n == N ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(first(n), p);
    if (s == 2) {  // p[0..2n-2]: lo = p[0..15] gives the even lanes, hi = p[15..30] the rest
      const __m512i even =
          _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 17, 19, 21, 23, 25, 27, 29, 31);
      const int span = 2 * n - 1;  // elements p[0..span)
      const F lo = span >= 16 ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(first(span), p);
      const F hi =
          span > 15 ? _mm512_maskz_loadu_ps(first(span - 15), p + 15) : _mm512_setzero_ps();
      return _mm512_permutex2var_ps(lo, even, hi);
    }
    return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), first(n), iota(static_cast<int>(s)), p, 4);
  }
  static void store(float* p, F v, int n) {
    if (n == N)
      _mm512_storeu_ps(p, v);
    else
      _mm512_mask_storeu_ps(p, first(n), v);
  }
  static void store_idx(int64_t* p, I v, int n) {
    const __mmask16 m = first(n);
    _mm512_mask_storeu_epi64(p, static_cast<__mmask8>(m),
                             _mm512_cvtepi32_epi64(_mm512_castsi512_si256(v)));
    _mm512_mask_storeu_epi64(p + 8, static_cast<__mmask8>(m >> 8),
                             _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(v, 1)));
  }
  // p[i*s] += v[i] for 16 lanes; reads and writes nothing past p[15*s].
  static void add_stride(float* p, int64_t s, F v) {
    if (s == 1) return _mm512_storeu_ps(p, _mm512_add_ps(_mm512_loadu_ps(p), v));
    if (s == 2) {
      const __m512i dup_lo = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
      const __m512i dup_hi = _mm512_add_epi32(dup_lo, _mm512_set1_epi32(8));
      const __mmask16 even = 0x5555;
      F lo = _mm512_loadu_ps(p), hi = _mm512_maskz_loadu_ps(0x7FFF, p + 16);
      lo = _mm512_mask_add_ps(lo, even, lo, _mm512_permutexvar_ps(dup_lo, v));
      hi = _mm512_mask_add_ps(hi, even, hi, _mm512_permutexvar_ps(dup_hi, v));
      _mm512_storeu_ps(p, lo);
      return _mm512_mask_storeu_ps(p + 16, 0x7FFF, hi);
    }
    alignas(64) float a[N];
    _mm512_store_ps(a, v);
    for (int i = 0; i < N; ++i) p[i * s] += a[i];
  }
  static void interleave_store(float* p, F a, F b, int n) {
    const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i hi = _mm512_add_epi32(lo, _mm512_set1_epi32(8));
    if (n == N) {
      _mm512_storeu_ps(p, _mm512_permutex2var_ps(a, lo, b));
      return _mm512_storeu_ps(p + 16, _mm512_permutex2var_ps(a, hi, b));
    }
    _mm512_mask_storeu_ps(p, first(std::min(2 * n, 16)), _mm512_permutex2var_ps(a, lo, b));
    if (n > 8) _mm512_mask_storeu_ps(p + 16, first(2 * n - 16), _mm512_permutex2var_ps(a, hi, b));
  }
  static M eq(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
  static F set1(float v) { return _mm512_set1_ps(v); }
  static F add(F a, F b) { return _mm512_add_ps(a, b); }
  static F div(F a, F b) { return _mm512_div_ps(a, b); }
  static F vmax(F a, F b) { return _mm512_max_ps(a, b); }
  static M takes(F v, F best) {
    return _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
  }
  static F blend(M m, F a, F b) { return _mm512_mask_blend_ps(m, a, b); }
  static I blendi(M m, I a, I b) { return _mm512_mask_blend_epi32(m, a, b); }
  static I seti(int64_t v) { return _mm512_set1_epi32(static_cast<int>(v)); }
  static I iota(int64_t s) {
    return _mm512_mullo_epi32(
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
        _mm512_set1_epi32(static_cast<int>(s)));
  }
  static I addi(I a, I b) { return _mm512_add_epi32(a, b); }
  static float hsum(F v) { return _mm512_reduce_add_ps(v); }
  static float hmax(F v) { return _mm512_reduce_max_ps(v); }
};

#include "kernels/pool/pool_simd.h"

}  // namespace

PG_POOL_DEFINE_VARIANTS(avx512, V512)

}  // namespace pg::kernels
#endif
