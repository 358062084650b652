// The loop nest of the direct depthwise convolution, shared by its ISA variants. A variant
// supplies only the row kernel, which computes a run of interior outputs of one output row with
// the sums in registers; the loop nest handles padding edges, bias and activation. Everything
// here sits in an anonymous namespace on purpose: every including file (compiled with its own
// ISA flags) gets its own copy, so the linker can never hand AVX-512 code to the portable path.
#pragma once
#include "kernels/conv/conv.h"

namespace pg::kernels {
namespace {

// The row kernel's contract, for o < n (every index in bounds):
//   y[o] = (add ? y[o] : b) + sum_{r < nr} sum_{t < kw} ws[r][t] * xs[r][off + o*s + t*dil]
// xs[r] is one input row, ws[r] the matching kernel row (kw taps).
struct RowArgs {
  const float* const* xs;
  const float* const* ws;
  int64_t nr, kw, dil, s, off;
};

// The plain version, used by every variant for strides it does not vectorise.
inline void dw_row_scalar(float* y, int64_t n, const RowArgs& a, float b, bool add) {
  for (int64_t o = 0; o < n; ++o) {
    float acc = add ? y[o] : b;
    for (int64_t r = 0; r < a.nr; ++r) {
      const float* x = a.xs[r] + a.off + o * a.s;
      for (int64_t t = 0; t < a.kw; ++t) acc += a.ws[r][t] * x[t * a.dil];
    }
    y[o] = acc;
  }
}

inline int64_t dw_ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
inline int64_t dw_clamp(int64_t v, int64_t lo, int64_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

// x is (N,C,Di,Hi,Wi), w is (K,1,Kd,Kh,Kw), y is (N,K,Do,Ho,Wo) with C == G (one input channel
// per group) and K = G * multiplier.
template <class Row>
void depthwise_loops(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y,
                     Activation act, Row row) {
  constexpr int64_t kMaxRows = 32;  // kernel rows summed per row-kernel call
  const int64_t Kg = g.Kg(), IS = g.in_size(), OS = g.out_size(), KS = g.ker_size();
  const int64_t Wi = g.in[2], Hi = g.in[1], Wo = g.out[2], Ho = g.out[1];
  const int64_t kw = g.ker[2], dil = g.dil[2], s = g.stride[2], pad = g.pad[2];
  // Interior columns: every tap of the row lies inside the input.
  const int64_t clo = dw_clamp(dw_ceil_div(pad, s), 0, Wo);
  const int64_t chi = dw_clamp(dw_ceil_div(Wi + pad - (kw - 1) * dil, s), clo, Wo);
  const int64_t planes = g.N * g.K;
#pragma omp parallel for schedule(static) if (planes * OS * KS > (1 << 15))
  for (int64_t plane = 0; plane < planes; ++plane) {
    const int64_t n = plane / g.K, k = plane % g.K;
    const float* xc = x + (n * g.C + k / Kg) * IS;
    const float* wk = w + k * KS;
    const float b = bias ? bias[k] : 0.f;
    const float* xs[kMaxRows];
    const float* ws[kMaxRows];
    for (int64_t od = 0; od < g.out[0]; ++od)
      for (int64_t oh = 0; oh < Ho; ++oh) {
        float* yr = y + plane * OS + (od * Ho + oh) * Wo;
        bool add = false;
        int64_t nr = 0;
        auto flush = [&] {
          const RowArgs a{xs, ws, nr, kw, dil, s, clo * s - pad};
          if (chi > clo) row(yr + clo, chi - clo, a, b, add);
          auto edge = [&](int64_t o) {  // a padding-edge output, tap by tap
            float acc = add ? yr[o] : b;
            for (int64_t r = 0; r < nr; ++r)
              for (int64_t t = 0; t < kw; ++t) {
                const int64_t iw = o * s - pad + t * dil;
                if (iw >= 0 && iw < Wi) acc += ws[r][t] * xs[r][iw];
              }
            yr[o] = acc;
          };
          for (int64_t o = 0; o < clo; ++o) edge(o);
          for (int64_t o = chi; o < Wo; ++o) edge(o);
          add = true;
          nr = 0;
        };
        for (int64_t kd = 0; kd < g.ker[0]; ++kd) {
          const int64_t id = od * g.stride[0] - g.pad[0] + kd * g.dil[0];
          if (id < 0 || id >= g.in[0]) continue;
          for (int64_t kh = 0; kh < g.ker[1]; ++kh) {
            const int64_t ih = oh * g.stride[1] - g.pad[1] + kh * g.dil[1];
            if (ih < 0 || ih >= Hi) continue;
            xs[nr] = xc + (id * Hi + ih) * Wi;
            ws[nr] = wk + (kd * g.ker[1] + kh) * kw;
            if (++nr == kMaxRows) flush();
          }
        }
        if (nr > 0 || !add) flush();
        if (act != Activation::none)
          for (int64_t o = 0; o < Wo; ++o) yr[o] = apply_activation(yr[o], act, 0.01f);
      }
  }
}

}  // namespace
}  // namespace pg::kernels
