// AVX-512 pooling variants: 16 output columns per vector (see pool_simd.h for the loops).
#ifdef PYGRAPH_SIMD
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/pool/pool.h"

namespace pg::kernels {
namespace {

struct V512 {
  static constexpr int N = 16;
  using F = __m512;
  using I = __m512i;
  using M = __mmask16;
  static F loadu(const float* p) { return _mm512_loadu_ps(p); }
  // N floats at p[0], p[s], ..., p[(N-1)*s]; never reads past p[(N-1)*s].
  static F load_stride(const float* p, int64_t s) {
    if (s == 1) return _mm512_loadu_ps(p);
    if (s == 2) {
      const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 17, 19, 21, 23, 25, 27,
                                             29, 31);  // hi starts at p[15]: odd lanes of hi
      return _mm512_permutex2var_ps(_mm512_loadu_ps(p), even, _mm512_loadu_ps(p + 15));
    }
    return _mm512_i32gather_ps(iota(static_cast<int>(s)), p, 4);
  }
  static void storeu(float* p, F v) { _mm512_storeu_ps(p, v); }
  static F set1(float v) { return _mm512_set1_ps(v); }
  static F add(F a, F b) { return _mm512_add_ps(a, b); }
  static F div(F a, F b) { return _mm512_div_ps(a, b); }
  static M takes(F v, F best) {
    return _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
  }
  static F blend(M m, F a, F b) { return _mm512_mask_blend_ps(m, a, b); }
  static I blendi(M m, I a, I b) { return _mm512_mask_blend_epi32(m, a, b); }
  static I seti(int64_t v) { return _mm512_set1_epi32(static_cast<int>(v)); }
  static I iota(int s) {
    return _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
                                                15),
                              _mm512_set1_epi32(s));
  }
  static I addi(I a, I b) { return _mm512_add_epi32(a, b); }
  static void store_idx(int64_t* p, I v) {
    _mm512_storeu_si512(p, _mm512_cvtepi32_epi64(_mm512_castsi512_si256(v)));
    _mm512_storeu_si512(p + 8, _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(v, 1)));
  }
  static float hsum(F v) { return _mm512_reduce_add_ps(v); }
  static float hmax(F v) {
    alignas(64) float a[N];
    _mm512_store_ps(a, v);
    float m = a[0];
    for (int i = 1; i < N; ++i) m = a[i] > m || std::isnan(a[i]) ? a[i] : m;
    return m;
  }
};

#include "kernels/pool/pool_simd.h"

}  // namespace

void max_pool_f32_avx512(const float* x, float* y, int64_t* idx, int64_t planes,
                         const PoolGeom& g) {
  if (!simd_fits(g)) return max_pool_ref<float>(x, y, idx, planes, g);
  max_pool_impl<V512>(x, y, idx, planes, g);
}
void avg_pool_f32_avx512(const float* x, float* y, int64_t planes, const PoolGeom& g,
                         const AvgOpts& o) {
  if (!simd_fits(g)) return avg_pool_ref<float>(x, y, planes, g, o);
  avg_pool_impl<V512>(x, y, planes, g, o);
}
void global_avg_pool_f32_avx512(const float* x, float* y, int64_t planes, int64_t L) {
  global_avg_impl<V512>(x, y, planes, L);
}
void global_max_pool_f32_avx512(const float* x, float* y, int64_t* idx, int64_t planes,
                                int64_t L) {
  global_max_impl<V512>(x, y, idx, planes, L);
}

}  // namespace pg::kernels
#endif
