// Reference convolution: direct loops over the definition, accumulating in T. The oracle for
// every fast variant and the float64 path used by gradient checks. No blocking, no tricks.
#include "kernels/conv/conv.h"

namespace pg::kernels {
namespace {

// Input coordinate of output position o and kernel tap t along spatial dim d; -1 if in padding.
inline int64_t in_coord(const ConvGeom& g, int d, int64_t o, int64_t t) {
  const int64_t i = o * g.stride[d] - g.pad[d] + t * g.dil[d];
  return (i >= 0 && i < g.in[d]) ? i : -1;
}

// Calls f(x_offset, w_offset) for every in-bounds tap of output position (od,oh,ow); offsets are
// within one input channel (D,H,W) and one kernel (Kd,Kh,Kw).
template <class F>
inline void for_taps(const ConvGeom& g, int64_t od, int64_t oh, int64_t ow, F&& f) {
  for (int64_t kd = 0; kd < g.ker[0]; ++kd) {
    const int64_t id = in_coord(g, 0, od, kd);
    if (id < 0) continue;
    for (int64_t kh = 0; kh < g.ker[1]; ++kh) {
      const int64_t ih = in_coord(g, 1, oh, kh);
      if (ih < 0) continue;
      for (int64_t kw = 0; kw < g.ker[2]; ++kw) {
        const int64_t iw = in_coord(g, 2, ow, kw);
        if (iw < 0) continue;
        f((id * g.in[1] + ih) * g.in[2] + iw, (kd * g.ker[1] + kh) * g.ker[2] + kw);
      }
    }
  }
}

}  // namespace

// x is (N,C,Di,Hi,Wi), w is (K,C/G,Kd,Kh,Kw), y is (N,K,Do,Ho,Wo)
template <class T>
void conv_fwd_ref(const ConvGeom& g, const T* x, const T* w, const T* bias, T* y, Activation act) {
  const int64_t Cg = g.Cg(), Kg = g.Kg(), IS = g.in_size(), OS = g.out_size(), KS = g.ker_size();
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t k = 0; k < g.K; ++k) {
      const int64_t c0 = (k / Kg) * Cg;
      T* yk = y + (n * g.K + k) * OS;
      for (int64_t od = 0; od < g.out[0]; ++od)
        for (int64_t oh = 0; oh < g.out[1]; ++oh)
          for (int64_t ow = 0; ow < g.out[2]; ++ow) {
            T acc = 0;
            for (int64_t c = 0; c < Cg; ++c) {
              const T* xc = x + (n * g.C + c0 + c) * IS;
              const T* wc = w + (k * Cg + c) * KS;
              for_taps(g, od, oh, ow, [&](int64_t xi, int64_t wi) { acc += xc[xi] * wc[wi]; });
            }
            if (bias) acc += bias[k];
            yk[(od * g.out[1] + oh) * g.out[2] + ow] = apply_activation(acc, act, T(0.01));
          }
    }
}

// dy is (N,K,Do,Ho,Wo), w is (K,C/G,Kd,Kh,Kw), dx is (N,C,Di,Hi,Wi)
template <class T>
void conv_bwd_data_ref(const ConvGeom& g, const T* dy, const T* w, T* dx) {
  const int64_t Cg = g.Cg(), Kg = g.Kg(), IS = g.in_size(), OS = g.out_size(), KS = g.ker_size();
  for (int64_t i = 0; i < g.N * g.C * IS; ++i) dx[i] = T(0);
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t k = 0; k < g.K; ++k) {
      const int64_t c0 = (k / Kg) * Cg;
      const T* dyk = dy + (n * g.K + k) * OS;
      for (int64_t od = 0; od < g.out[0]; ++od)
        for (int64_t oh = 0; oh < g.out[1]; ++oh)
          for (int64_t ow = 0; ow < g.out[2]; ++ow) {
            const T gy = dyk[(od * g.out[1] + oh) * g.out[2] + ow];
            for (int64_t c = 0; c < Cg; ++c) {
              T* dxc = dx + (n * g.C + c0 + c) * IS;
              const T* wc = w + (k * Cg + c) * KS;
              for_taps(g, od, oh, ow, [&](int64_t xi, int64_t wi) { dxc[xi] += wc[wi] * gy; });
            }
          }
    }
}

// x is (N,C,Di,Hi,Wi), dy is (N,K,Do,Ho,Wo), dw is (K,C/G,Kd,Kh,Kw), db is (K)
template <class T>
void conv_bwd_weight_ref(const ConvGeom& g, const T* x, const T* dy, T* dw, T* db) {
  const int64_t Cg = g.Cg(), Kg = g.Kg(), IS = g.in_size(), OS = g.out_size(), KS = g.ker_size();
  for (int64_t i = 0; i < g.K * Cg * KS; ++i) dw[i] = T(0);
  for (int64_t k = 0; k < g.K; ++k) {
    const int64_t c0 = (k / Kg) * Cg;
    for (int64_t n = 0; n < g.N; ++n) {
      const T* dyk = dy + (n * g.K + k) * OS;
      for (int64_t od = 0; od < g.out[0]; ++od)
        for (int64_t oh = 0; oh < g.out[1]; ++oh)
          for (int64_t ow = 0; ow < g.out[2]; ++ow) {
            const T gy = dyk[(od * g.out[1] + oh) * g.out[2] + ow];
            for (int64_t c = 0; c < Cg; ++c) {
              const T* xc = x + (n * g.C + c0 + c) * IS;
              T* dwc = dw + (k * Cg + c) * KS;
              for_taps(g, od, oh, ow, [&](int64_t xi, int64_t wi) { dwc[wi] += xc[xi] * gy; });
            }
          }
    }
  }
  if (db) conv_bias_grad(g, dy, db);
}

// dy is (N,K,Do,Ho,Wo), db is (K)
template <class T>
void conv_bias_grad(const ConvGeom& g, const T* dy, T* db) {
  const int64_t OS = g.out_size();
  for (int64_t k = 0; k < g.K; ++k) {
    T acc = 0;
    for (int64_t n = 0; n < g.N; ++n) {
      const T* p = dy + (n * g.K + k) * OS;
      for (int64_t i = 0; i < OS; ++i) acc += p[i];
    }
    db[k] = acc;
  }
}

bool ConvGeom::pointwise() const {
  for (int d = 0; d < 3; ++d)
    if (ker[d] != 1 || stride[d] != 1 || pad[d] != 0 || out[d] != in[d]) return false;
  return true;
}

#define PG_CONV_REF(T)                                                                          \
  template void conv_fwd_ref<T>(const ConvGeom&, const T*, const T*, const T*, T*, Activation); \
  template void conv_bwd_data_ref<T>(const ConvGeom&, const T*, const T*, T*);                  \
  template void conv_bwd_weight_ref<T>(const ConvGeom&, const T*, const T*, T*, T*);            \
  template void conv_bias_grad<T>(const ConvGeom&, const T*, T*);
PG_CONV_REF(float)
PG_CONV_REF(double)
#undef PG_CONV_REF

}  // namespace pg::kernels
