// Direct depthwise gradients (one input channel per group): strided axpy rows for the input
// gradient, 8-lane dot products for the weight gradient, written once in plain C++ and compiled
// by each ISA file with its own flags (so the auto-vectoriser uses SSE2, AVX2 or AVX-512). They
// replace tiny per-group GEMMs (M = multiplier, K = taps) whose call overhead dominated. In an
// anonymous namespace on purpose: each including file keeps its own copy.
#pragma once
#include "kernels/conv/conv.h"

namespace pg::kernels {
namespace {

inline int64_t dwb_ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// Outputs o in [lo, hi) along W whose input o*s + off lies in [0, n).
inline void w_range(const ConvGeom& g, int64_t off, int64_t* lo, int64_t* hi) {
  const int64_t s = g.stride[2], out = g.out[2];
  int64_t l = dwb_ceil_div(-off, s), h = dwb_ceil_div(g.in[2] - off, s);
  l = l < 0 ? 0 : (l > out ? out : l);
  h = h < l ? l : (h > out ? out : h);
  *lo = l;
  *hi = h;
}

// Calls f(dy_row, x_row_offset, tap) for every output row of one plane and every kernel row
// that lands inside the input; x_row_offset is the input row's offset within a channel.
template <class F>
void for_rows(const ConvGeom& g, F&& f) {
  const int64_t Ho = g.out[1], Wo = g.out[2];
  for (int64_t od = 0; od < g.out[0]; ++od)
    for (int64_t kd = 0; kd < g.ker[0]; ++kd) {
      const int64_t id = od * g.stride[0] - g.pad[0] + kd * g.dil[0];
      if (id < 0 || id >= g.in[0]) continue;
      for (int64_t oh = 0; oh < Ho; ++oh)
        for (int64_t kh = 0; kh < g.ker[1]; ++kh) {
          const int64_t ih = oh * g.stride[1] - g.pad[1] + kh * g.dil[1];
          if (ih < 0 || ih >= g.in[1]) continue;
          f((od * Ho + oh) * Wo, (id * g.in[1] + ih) * g.in[2], (kd * g.ker[1] + kh) * g.ker[2]);
        }
    }
}

// dy is (N,K,Do,Ho,Wo), w is (K,1,Kd,Kh,Kw), dx is (N,C,Di,Hi,Wi) with C == G
inline void dw_bwd_data(const ConvGeom& g, const float* dy, const float* w, float* dx) {
  const int64_t Kg = g.Kg(), IS = g.in_size(), OS = g.out_size(), KS = g.ker_size();
  const int64_t s = g.stride[2];
  const int64_t planes = g.N * g.C;
#pragma omp parallel for schedule(static) if (planes * OS * KS > (1 << 15))
  for (int64_t plane = 0; plane < planes; ++plane) {  // one input channel of one image
    float* __restrict dxc = dx + plane * IS;
    for (int64_t i = 0; i < IS; ++i) dxc[i] = 0.f;
    const int64_t n = plane / g.C, c = plane % g.C;
    for (int64_t j = 0; j < Kg; ++j) {
      const int64_t k = c * Kg + j;
      const float* __restrict dyk = dy + (n * g.K + k) * OS;
      const float* wk = w + k * KS;
      for (int64_t t = 0; t < g.ker[2]; ++t) {  // kernel column outside: its range is fixed
        const int64_t off = t * g.dil[2] - g.pad[2];
        int64_t lo, hi;
        w_range(g, off, &lo, &hi);
        if (hi <= lo) continue;
        for_rows(g, [&](int64_t yo, int64_t xo, int64_t tap) {
          const float wv = wk[tap + t];
          float* __restrict xr = dxc + xo;  // input of output o is xr[o*s + off]
          const float* __restrict yr = dyk + yo;
          if (s == 1)
            for (int64_t o = lo; o < hi; ++o) xr[o + off] += wv * yr[o];
          else
            for (int64_t o = lo; o < hi; ++o) xr[o * s + off] += wv * yr[o];
        });
      }
    }
  }
}

// x is (N,C,Di,Hi,Wi), dy is (N,K,Do,Ho,Wo), dw is (K,1,Kd,Kh,Kw) with C == G
inline void dw_bwd_weight(const ConvGeom& g, const float* x, const float* dy, float* dw) {
  const int64_t Kg = g.Kg(), IS = g.in_size(), OS = g.out_size(), KS = g.ker_size();
  const int64_t s = g.stride[2];
#pragma omp parallel for schedule(static) if (g.N * g.K * OS * KS > (1 << 15))
  for (int64_t k = 0; k < g.K; ++k) {  // one thread owns a filter: no reduction across threads
    float* dwk = dw + k * KS;
    for (int64_t i = 0; i < KS; ++i) dwk[i] = 0.f;
    for (int64_t n = 0; n < g.N; ++n) {
      const float* xc = x + (n * g.C + k / Kg) * IS;
      const float* dyk = dy + (n * g.K + k) * OS;
      for (int64_t t = 0; t < g.ker[2]; ++t) {  // kernel column outside: its range is fixed
        const int64_t off = t * g.dil[2] - g.pad[2];
        int64_t lo, hi;
        w_range(g, off, &lo, &hi);
        if (hi <= lo) continue;
        for_rows(g, [&](int64_t yo, int64_t xo, int64_t tap) {
          const float* xr = xc + xo;  // input of output o is xr[o*s + off]
          const float* yr = dyk + yo;
          float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};  // 8 lanes: the compiler vectorises this
          int64_t o = lo;
          if (s == 1)
            for (; o + 8 <= hi; o += 8)
              for (int l = 0; l < 8; ++l) acc[l] += yr[o + l] * xr[o + l + off];
          float sum = 0.f;
          for (; o < hi; ++o) sum += yr[o] * xr[o * s + off];
          for (int l = 0; l < 8; ++l) sum += acc[l];
          dwk[tap + t] += sum;
        });
      }
    }
  }
}

}  // namespace
}  // namespace pg::kernels
