// Direct depthwise convolution, portable C++: the row loop is left to the auto-vectoriser.
#include "kernels/conv/depthwise_loops.h"

namespace pg::kernels {

// x is (N,C,Di,Hi,Wi), w is (K,1,Kd,Kh,Kw), y is (N,K,Do,Ho,Wo)
void conv_f32_depthwise_portable(const ConvGeom& g, const float* x, const float* w,
                                 const float* bias, float* y, Activation act) {
  depthwise_loops(g, x, w, bias, y, act,
                  [](float* __restrict yr, const float* __restrict xr, float wv, int64_t n,
                     int64_t s) {
                    if (s == 1)
                      for (int64_t o = 0; o < n; ++o) yr[o] += wv * xr[o];
                    else
                      for (int64_t o = 0; o < n; ++o) yr[o] += wv * xr[o * s];
                  });
}

}  // namespace pg::kernels
