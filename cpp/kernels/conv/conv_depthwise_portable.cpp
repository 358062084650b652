// Direct depthwise convolution, portable C++: blocks of 8 outputs summed in a small array that
// the compiler keeps in vector registers.
#include "kernels/conv/depthwise_loops.h"

namespace pg::kernels {
namespace {

struct RowPortable {
  void operator()(float* y, int64_t n, const RowArgs& a, float b, bool add) const {
    if (a.s != 1) return dw_row_scalar(y, n, a, b, add);
    int64_t o = 0;
    for (; o + 8 <= n; o += 8) {
      float acc[8];
      for (int j = 0; j < 8; ++j) acc[j] = add ? y[o + j] : b;
      for (int64_t r = 0; r < a.nr; ++r) {
        const float* x = a.xs[r] + a.off + o;
        for (int64_t t = 0; t < a.kw; ++t) {
          const float wv = a.ws[r][t];
          for (int j = 0; j < 8; ++j) acc[j] += wv * x[t * a.dil + j];
        }
      }
      for (int j = 0; j < 8; ++j) y[o + j] = acc[j];
    }
    RowArgs tail = a;
    tail.off += o;
    dw_row_scalar(y + o, n - o, tail, b, add);
  }
};

}  // namespace

// x is (N,C,Di,Hi,Wi), w is (K,1,Kd,Kh,Kw), y is (N,K,Do,Ho,Wo)
void conv_f32_depthwise_portable(const ConvGeom& g, const float* x, const float* w,
                                 const float* bias, float* y, Activation act) {
  depthwise_loops(g, x, w, bias, y, act, RowPortable());
}

}  // namespace pg::kernels
