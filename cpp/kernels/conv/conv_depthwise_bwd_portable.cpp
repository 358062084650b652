// Depthwise gradients compiled for portable; the loops are in depthwise_bwd_loops.h.
#include "kernels/conv/depthwise_bwd_loops.h"

namespace pg::kernels {

// dy is (N,K,Do,Ho,Wo), w is (K,1,Kd,Kh,Kw), dx is (N,C,Di,Hi,Wi)
void conv_bwd_data_f32_depthwise_portable(const ConvGeom& g, const float* dy, const float* w,
                                          float* dx) {
  dw_bwd_data(g, dy, w, dx);
}

// x is (N,C,Di,Hi,Wi), dy is (N,K,Do,Ho,Wo), dw is (K,1,Kd,Kh,Kw)
void conv_bwd_weight_f32_depthwise_portable(const ConvGeom& g, const float* x, const float* dy,
                                            float* dw) {
  dw_bwd_weight(g, x, dy, dw);
}

}  // namespace pg::kernels
