// Direct depthwise convolution, AVX2+FMA row primitive (8 floats); strided rows go scalar.
#include <immintrin.h>

#include "kernels/conv/depthwise_loops.h"

namespace pg::kernels {
namespace {

// A functor, not a function pointer, so the loop nest inlines it.
struct RowAVX2 {
  void operator()(float* yr, const float* xr, float wv, int64_t n, int64_t s) const {
  int64_t o = 0;
  if (s == 1) {
    const __m256 vw = _mm256_set1_ps(wv);
    for (; o + 8 <= n; o += 8)
      _mm256_storeu_ps(yr + o, _mm256_fmadd_ps(vw, _mm256_loadu_ps(xr + o), _mm256_loadu_ps(yr + o)));
  }
  for (; o < n; ++o) yr[o] += wv * xr[o * s];
  }
};

}  // namespace

// x is (N,C,Di,Hi,Wi), w is (K,1,Kd,Kh,Kw), y is (N,K,Do,Ho,Wo)
void conv_f32_depthwise_avx2(const ConvGeom& g, const float* x, const float* w, const float* bias,
                             float* y, Activation act) {
  depthwise_loops(g, x, w, bias, y, act, RowAVX2());
}

}  // namespace pg::kernels
