// Direct depthwise convolution, AVX-512 row primitive (16 floats, 8-float tail); stride-2 rows
// gather with a permute of two loads; other strides go scalar.
#include <immintrin.h>

#include "kernels/conv/depthwise_loops.h"

namespace pg::kernels {
namespace {

// A functor, not a function pointer, so the loop nest inlines it.
struct RowAVX512 {
  void operator()(float* yr, const float* xr, float wv, int64_t n, int64_t s) const {
  const __m512 vw = _mm512_set1_ps(wv);
  int64_t o = 0;
  if (s == 1) {
    for (; o + 16 <= n; o += 16)
      _mm512_storeu_ps(yr + o, _mm512_fmadd_ps(vw, _mm512_loadu_ps(xr + o), _mm512_loadu_ps(yr + o)));
    // 8-wide then scalar: masked AVX-512 stores are slow on the AMD cores we measured.
    if (o + 8 <= n) {
      const __m256 v8 = _mm256_fmadd_ps(_mm512_castps512_ps256(vw), _mm256_loadu_ps(xr + o),
                                        _mm256_loadu_ps(yr + o));
      _mm256_storeu_ps(yr + o, v8);
      o += 8;
    }
    for (; o < n; ++o) yr[o] += wv * xr[o];
    return;
  }
  if (s == 2) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26,
                                           28, 30);
    // The last even element read is xr[2*o + 30]; stop while the 32-float load stays in bounds.
    for (; o + 16 <= n && 2 * o + 32 <= 2 * n - 1; o += 16) {
      const __m512 a = _mm512_loadu_ps(xr + 2 * o), b = _mm512_loadu_ps(xr + 2 * o + 16);
      const __m512 v = _mm512_permutex2var_ps(a, even, b);
      _mm512_storeu_ps(yr + o, _mm512_fmadd_ps(vw, v, _mm512_loadu_ps(yr + o)));
    }
  }
  for (; o < n; ++o) yr[o] += wv * xr[o * s];
  }
};

}  // namespace

// x is (N,C,Di,Hi,Wi), w is (K,1,Kd,Kh,Kw), y is (N,K,Do,Ho,Wo)
void conv_f32_depthwise_avx512(const ConvGeom& g, const float* x, const float* w,
                               const float* bias, float* y, Activation act) {
  depthwise_loops(g, x, w, bias, y, act, RowAVX512());
}

}  // namespace pg::kernels
