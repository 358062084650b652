// AVX2 pooling variants: 8 output columns per vector (see pool_simd.h for the loops).
#ifdef PYGRAPH_SIMD
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/pool/pool.h"

namespace pg::kernels {
namespace {

struct V256 {
  static constexpr int N = 8;
  using F = __m256;
  using I = __m256i;
  using M = __m256;  // all-ones lanes where true
  static F loadu(const float* p) { return _mm256_loadu_ps(p); }
  // N floats at p[0], p[s], ..., p[(N-1)*s]; never reads past p[(N-1)*s].
  static F load_stride(const float* p, int64_t s) {
    if (s == 1) return _mm256_loadu_ps(p);
    if (s == 2) {  // lo = p[0..7] gives 0,2,4,6; hi = p[7..14] gives 8,10,12,14 at its odd lanes
      const F lo = _mm256_permutevar8x32_ps(_mm256_loadu_ps(p), _mm256_setr_epi32(0, 2, 4, 6, 0, 0, 0, 0));
      const F hi = _mm256_permutevar8x32_ps(_mm256_loadu_ps(p + 7), _mm256_setr_epi32(0, 0, 0, 0, 1, 3, 5, 7));
      return _mm256_blend_ps(lo, hi, 0xF0);
    }
    return _mm256_i32gather_ps(p, iota(static_cast<int>(s)), 4);
  }
  static void storeu(float* p, F v) { _mm256_storeu_ps(p, v); }
  static F set1(float v) { return _mm256_set1_ps(v); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F div(F a, F b) { return _mm256_div_ps(a, b); }
  static M takes(F v, F best) {
    return _mm256_or_ps(_mm256_cmp_ps(v, best, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
  }
  static F blend(M m, F a, F b) { return _mm256_blendv_ps(a, b, m); }
  static I blendi(M m, I a, I b) {
    return _mm256_castps_si256(
        _mm256_blendv_ps(_mm256_castsi256_ps(a), _mm256_castsi256_ps(b), m));
  }
  static I seti(int64_t v) { return _mm256_set1_epi32(static_cast<int>(v)); }
  static I iota(int s) {
    return _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(s));
  }
  static I addi(I a, I b) { return _mm256_add_epi32(a, b); }
  static void store_idx(int64_t* p, I v) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p),
                        _mm256_cvtepi32_epi64(_mm256_castsi256_si128(v)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p + 4),
                        _mm256_cvtepi32_epi64(_mm256_extracti128_si256(v, 1)));
  }
  static float hsum(F v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
  }
  static float hmax(F v) {
    alignas(32) float a[N];
    _mm256_store_ps(a, v);
    float m = a[0];
    for (int i = 1; i < N; ++i) m = a[i] > m || std::isnan(a[i]) ? a[i] : m;
    return m;
  }
};

#include "kernels/pool/pool_simd.h"

}  // namespace

void max_pool_f32_avx2(const float* x, float* y, int64_t* idx, int64_t planes,
                       const PoolGeom& g) {
  if (!simd_fits(g)) return max_pool_ref<float>(x, y, idx, planes, g);
  max_pool_impl<V256>(x, y, idx, planes, g);
}
void avg_pool_f32_avx2(const float* x, float* y, int64_t planes, const PoolGeom& g,
                       const AvgOpts& o) {
  if (!simd_fits(g)) return avg_pool_ref<float>(x, y, planes, g, o);
  avg_pool_impl<V256>(x, y, planes, g, o);
}
void global_avg_pool_f32_avx2(const float* x, float* y, int64_t planes, int64_t L) {
  global_avg_impl<V256>(x, y, planes, L);
}
void global_max_pool_f32_avx2(const float* x, float* y, int64_t* idx, int64_t planes,
                              int64_t L) {
  global_max_impl<V256>(x, y, idx, planes, L);
}

}  // namespace pg::kernels
#endif
