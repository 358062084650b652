// The loop nest of the direct depthwise convolution, shared by its ISA variants. Each variant
// supplies only the row primitive y[o] += w * x[o*stride] (o < n). Everything here sits in an
// anonymous namespace on purpose: every including file (compiled with its own ISA flags) gets
// its own copy, so the linker can never hand AVX-512 code to the portable path.
#pragma once
#include <cstring>

#include "kernels/conv/conv.h"

namespace pg::kernels {
namespace {

inline int64_t dw_ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// x is (N,C,Di,Hi,Wi), w is (K,1,Kd,Kh,Kw), y is (N,K,Do,Ho,Wo) with C == G (one input channel
// per group) and K = G * multiplier.
template <class Row>
void depthwise_loops(const ConvGeom& g, const float* x, const float* w, const float* bias,
                     float* y, Activation act, Row row) {
  const int64_t Kg = g.Kg(), IS = g.in_size(), OS = g.out_size(), KS = g.ker_size();
  const int64_t Wi = g.in[2], Hi = g.in[1], Wo = g.out[2], Ho = g.out[1], sw = g.stride[2];
  const int64_t planes = g.N * g.K;
#pragma omp parallel for schedule(static) if (planes * OS * KS > (1 << 15))
  for (int64_t plane = 0; plane < planes; ++plane) {
    const int64_t n = plane / g.K, k = plane % g.K;
    const float* xc = x + (n * g.C + k / Kg) * IS;
    const float* wk = w + k * KS;
    float* yk = y + plane * OS;
    const float b = bias ? bias[k] : 0.f;
    for (int64_t i = 0; i < OS; ++i) yk[i] = b;
    for (int64_t kd = 0; kd < g.ker[0]; ++kd)
      for (int64_t kh = 0; kh < g.ker[1]; ++kh)
        for (int64_t kw = 0; kw < g.ker[2]; ++kw) {
          const float wv = wk[(kd * g.ker[1] + kh) * g.ker[2] + kw];
          const int64_t offw = kw * g.dil[2] - g.pad[2];
          int64_t lo = dw_ceil_div(-offw, sw), hi = dw_ceil_div(Wi - offw, sw);
          lo = lo < 0 ? 0 : (lo > Wo ? Wo : lo);
          hi = hi < lo ? lo : (hi > Wo ? Wo : hi);
          if (hi <= lo) continue;
          for (int64_t od = 0; od < g.out[0]; ++od) {
            const int64_t id = od * g.stride[0] - g.pad[0] + kd * g.dil[0];
            if (id < 0 || id >= g.in[0]) continue;
            for (int64_t oh = 0; oh < Ho; ++oh) {
              const int64_t ih = oh * g.stride[1] - g.pad[1] + kh * g.dil[1];
              if (ih < 0 || ih >= Hi) continue;
              const float* xr = xc + (id * Hi + ih) * Wi;
              row(yk + (od * Ho + oh) * Wo + lo, xr + lo * sw + offw, wv, hi - lo, sw);
            }
          }
        }
    if (act != Activation::none)
      for (int64_t i = 0; i < OS; ++i) yk[i] = apply_activation(yk[i], act, 0.01f);
  }
}

}  // namespace
}  // namespace pg::kernels
