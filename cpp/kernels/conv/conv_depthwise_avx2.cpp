// Direct depthwise convolution, AVX2+FMA row kernel: 16 then 8 outputs in registers per block;
// strides other than 1 go scalar.
#include <immintrin.h>

#include "kernels/conv/depthwise_loops.h"

namespace pg::kernels {
namespace {

struct RowAVX2 {
  void operator()(float* y, int64_t n, const RowArgs& a, float b, bool add) const {
    if (a.s != 1) return dw_row_scalar(y, n, a, b, add);
    int64_t o = 0;
    for (; o + 16 <= n; o += 16) {
      __m256 a0 = add ? _mm256_loadu_ps(y + o) : _mm256_set1_ps(b);
      __m256 a1 = add ? _mm256_loadu_ps(y + o + 8) : _mm256_set1_ps(b);
      for (int64_t r = 0; r < a.nr; ++r) {
        const float* x = a.xs[r] + a.off + o;
        for (int64_t t = 0; t < a.kw; ++t) {
          const __m256 wv = _mm256_set1_ps(a.ws[r][t]);
          a0 = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x + t * a.dil), a0);
          a1 = _mm256_fmadd_ps(wv, _mm256_loadu_ps(x + t * a.dil + 8), a1);
        }
      }
      _mm256_storeu_ps(y + o, a0);
      _mm256_storeu_ps(y + o + 8, a1);
    }
    for (; o + 8 <= n; o += 8) {
      __m256 a0 = add ? _mm256_loadu_ps(y + o) : _mm256_set1_ps(b);
      for (int64_t r = 0; r < a.nr; ++r) {
        const float* x = a.xs[r] + a.off + o;
        for (int64_t t = 0; t < a.kw; ++t)
          a0 = _mm256_fmadd_ps(_mm256_set1_ps(a.ws[r][t]), _mm256_loadu_ps(x + t * a.dil), a0);
      }
      _mm256_storeu_ps(y + o, a0);
    }
    RowArgs tail = a;
    tail.off += o;
    dw_row_scalar(y + o, n - o, tail, b, add);
  }
};

}  // namespace

// x is (N,C,Di,Hi,Wi), w is (K,1,Kd,Kh,Kw), y is (N,K,Do,Ho,Wo)
void conv_f32_depthwise_avx2(const ConvGeom& g, const float* x, const float* w, const float* bias,
                             float* y, Activation act) {
  depthwise_loops(g, x, w, bias, y, act, RowAVX2());
}

}  // namespace pg::kernels
