// Direct depthwise convolution, AVX-512 row kernel: 32 then 16 outputs in registers per block
// (stride 1) and one masked block for the rest; stride 2 de-interleaved with a two-register
// permute; other strides go scalar.
#include <immintrin.h>

#include "kernels/conv/depthwise_loops.h"

namespace pg::kernels {
namespace {

inline __m512 even_lanes(const float* p) {  // p[0], p[2], ..., p[30]
  const __m512i idx = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  return _mm512_permutex2var_ps(_mm512_loadu_ps(p), idx, _mm512_loadu_ps(p + 16));
}

struct RowAVX512 {
  void operator()(float* y, int64_t n, const RowArgs& a, float b, bool add) const {
    int64_t o = 0;
    if (a.s == 1) {
      for (; o + 32 <= n; o += 32) {
        __m512 a0 = add ? _mm512_loadu_ps(y + o) : _mm512_set1_ps(b);
        __m512 a1 = add ? _mm512_loadu_ps(y + o + 16) : _mm512_set1_ps(b);
        for (int64_t r = 0; r < a.nr; ++r) {
          const float* x = a.xs[r] + a.off + o;
          for (int64_t t = 0; t < a.kw; ++t) {
            const __m512 wv = _mm512_set1_ps(a.ws[r][t]);
            a0 = _mm512_fmadd_ps(wv, _mm512_loadu_ps(x + t * a.dil), a0);
            a1 = _mm512_fmadd_ps(wv, _mm512_loadu_ps(x + t * a.dil + 16), a1);
          }
        }
        _mm512_storeu_ps(y + o, a0);
        _mm512_storeu_ps(y + o + 16, a1);
      }
      for (; o + 16 <= n; o += 16) {
        __m512 a0 = add ? _mm512_loadu_ps(y + o) : _mm512_set1_ps(b);
        for (int64_t r = 0; r < a.nr; ++r) {
          const float* x = a.xs[r] + a.off + o;
          for (int64_t t = 0; t < a.kw; ++t)
            a0 = _mm512_fmadd_ps(_mm512_set1_ps(a.ws[r][t]), _mm512_loadu_ps(x + t * a.dil), a0);
        }
        _mm512_storeu_ps(y + o, a0);
      }
      if (o < n) {  // one masked block: masked loads per tap, a single masked store
        const __mmask16 m = static_cast<__mmask16>((1u << (n - o)) - 1);
        __m512 a0 = add ? _mm512_maskz_loadu_ps(m, y + o) : _mm512_set1_ps(b);
        for (int64_t r = 0; r < a.nr; ++r) {
          const float* x = a.xs[r] + a.off + o;
          for (int64_t t = 0; t < a.kw; ++t)
            a0 = _mm512_fmadd_ps(_mm512_set1_ps(a.ws[r][t]),
                                 _mm512_maskz_loadu_ps(m, x + t * a.dil), a0);
        }
        _mm512_mask_storeu_ps(y + o, m, a0);
        return;
      }
    } else if (a.s == 2) {
      // The 32-float load of a block ends at index 2*(o+15)+1 + t*dil, which the next output
      // (o + 16 < n) proves to be inside the row.
      for (; o + 17 <= n; o += 16) {
        __m512 a0 = add ? _mm512_loadu_ps(y + o) : _mm512_set1_ps(b);
        for (int64_t r = 0; r < a.nr; ++r) {
          const float* x = a.xs[r] + a.off + 2 * o;
          for (int64_t t = 0; t < a.kw; ++t)
            a0 = _mm512_fmadd_ps(_mm512_set1_ps(a.ws[r][t]), even_lanes(x + t * a.dil), a0);
        }
        _mm512_storeu_ps(y + o, a0);
      }
    }
    RowArgs tail = a;
    tail.off += o * a.s;
    dw_row_scalar(y + o, n - o, tail, b, add);
  }
};

}  // namespace

// x is (N,C,Di,Hi,Wi), w is (K,1,Kd,Kh,Kw), y is (N,K,Do,Ho,Wo)
void conv_f32_depthwise_avx512(const ConvGeom& g, const float* x, const float* w, const float* bias,
                               float* y, Activation act) {
  depthwise_loops(g, x, w, bias, y, act, RowAVX512());
}

}  // namespace pg::kernels
