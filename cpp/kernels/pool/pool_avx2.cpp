// AVX2 pooling variants: 8 output columns per vector (the loops are in pool_simd.h).
#ifdef PYGRAPH_SIMD
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/pool/pool.h"

namespace pg::kernels {
namespace {

struct V256 {
  static constexpr int N = 8;
  using F = __m256;
  using I = __m256i;
  using M = __m256;              // all-ones lanes where true
  static __m256i first(int n) {  // lanes i < n
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static F loadu(const float* p) { return _mm256_loadu_ps(p); }
  static F load_stride(const float* p, int64_t s, int n) {
    if (s == 1) return n == N ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, first(n));
    if (s == 2) {  // p[0..2n-2]: lo = p[0..7] gives lanes 0-3, hi = p[7..14] lanes 4-7
      const int span = 2 * n - 1;
      const F lo = span >= 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, first(span));
      const F hi = _mm256_maskload_ps(p + 7, first(span - 7));
      const F a = _mm256_permutevar8x32_ps(lo, _mm256_setr_epi32(0, 2, 4, 6, 0, 0, 0, 0));
      const F b = _mm256_permutevar8x32_ps(hi, _mm256_setr_epi32(0, 0, 0, 0, 1, 3, 5, 7));
      return _mm256_blend_ps(a, b, 0xF0);
    }
    return _mm256_mask_i32gather_ps(_mm256_setzero_ps(), p, iota(s), _mm256_castsi256_ps(first(n)),
                                    4);
  }
  static void store(float* p, F v, int n) {
    if (n == N)
      _mm256_storeu_ps(p, v);
    else
      _mm256_maskstore_ps(p, first(n), v);
  }
  static void store_idx(int64_t* p, I v, int n) {
    alignas(32) int32_t a[N];
    _mm256_store_si256(reinterpret_cast<__m256i*>(a), v);
    for (int i = 0; i < n; ++i) p[i] = a[i];
  }
  // p[i*s] += v[i] for 8 lanes; reads and writes nothing past p[7*s].
  static void add_stride(float* p, int64_t s, F v) {
    if (s == 1) return _mm256_storeu_ps(p, _mm256_add_ps(_mm256_loadu_ps(p), v));
    if (s == 2) {
      const F zero = _mm256_setzero_ps();
      const F e0 = _mm256_blend_ps(
          zero, _mm256_permutevar8x32_ps(v, _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3)), 0x55);
      const F e1 = _mm256_blend_ps(
          zero, _mm256_permutevar8x32_ps(v, _mm256_setr_epi32(4, 4, 5, 5, 6, 6, 7, 7)), 0x55);
      const __m256i m7 = first(7);
      _mm256_storeu_ps(p, _mm256_add_ps(_mm256_loadu_ps(p), e0));
      return _mm256_maskstore_ps(p + 8, m7, _mm256_add_ps(_mm256_maskload_ps(p + 8, m7), e1));
    }
    alignas(32) float a[N];
    _mm256_store_ps(a, v);
    for (int i = 0; i < N; ++i) p[i * s] += a[i];
  }
  static void interleave_store(float* p, F a, F b, int n) {
    const F lo = _mm256_unpacklo_ps(a, b), hi = _mm256_unpackhi_ps(a, b);
    if (n == N) {
      _mm256_storeu_ps(p, _mm256_permute2f128_ps(lo, hi, 0x20));
      return _mm256_storeu_ps(p + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
    }
    _mm256_maskstore_ps(p, first(std::min(2 * n, 8)), _mm256_permute2f128_ps(lo, hi, 0x20));
    _mm256_maskstore_ps(p + 8, first(2 * n - 8), _mm256_permute2f128_ps(lo, hi, 0x31));
  }
  static M eq(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
  static F set1(float v) { return _mm256_set1_ps(v); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F div(F a, F b) { return _mm256_div_ps(a, b); }
  static F vmax(F a, F b) { return _mm256_max_ps(a, b); }
  static M takes(F v, F best) {
    return _mm256_or_ps(_mm256_cmp_ps(v, best, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
  }
  static F blend(M m, F a, F b) { return _mm256_blendv_ps(a, b, m); }
  static I blendi(M m, I a, I b) {
    return _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(a), _mm256_castsi256_ps(b), m));
  }
  static I seti(int64_t v) { return _mm256_set1_epi32(static_cast<int>(v)); }
  static I iota(int64_t s) {
    return _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                              _mm256_set1_epi32(static_cast<int>(s)));
  }
  static I addi(I a, I b) { return _mm256_add_epi32(a, b); }
  static float hsum(F v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
  }
  static float hmax(F v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
  }
};

#include "kernels/pool/pool_simd.h"

}  // namespace

PG_POOL_DEFINE_VARIANTS(avx2, V256)

}  // namespace pg::kernels
#endif
