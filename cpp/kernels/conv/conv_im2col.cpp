// im2col / col2im for one image and one group, any rank up to 3-D, in portable C++. Each row of
// the column matrix is one (channel, tap); the valid range of every output row is computed once,
// so the inner loop is a plain (strided) copy or add that the compiler vectorises.
#include <cstring>

#include "kernels/conv/conv.h"

namespace pg::kernels {
namespace {

inline int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// Output positions o in [lo, hi) whose input coordinate o*s + off lies in [0, n).
inline void valid_range(int64_t n, int64_t out, int64_t s, int64_t off, int64_t* lo, int64_t* hi) {
  int64_t l = ceil_div(-off, s), h = ceil_div(n - off, s);
  l = l < 0 ? 0 : (l > out ? out : l);
  h = h < l ? l : (h > out ? out : h);
  *lo = l;
  *hi = h;
}

// kScatter=false: col <- x (im2col). kScatter=true: x += col (col2im). Only the output rows
// r = od*Ho + oh in [r0, r1) (each Wo wide) are visited; col holds just those columns.
template <bool kScatter>
void walk(const ConvGeom& g, float* x, float* col, int64_t ld, int64_t r0, int64_t r1) {
  const int64_t Wi = g.in[2], Hi = g.in[1], Wo = g.out[2], Ho = g.out[1];
  const int64_t IS = g.in_size(), sw = g.stride[2];
  int64_t row = 0;
  for (int64_t c = 0; c < g.Cg(); ++c)
    for (int64_t kd = 0; kd < g.ker[0]; ++kd)
      for (int64_t kh = 0; kh < g.ker[1]; ++kh)
        for (int64_t kw = 0; kw < g.ker[2]; ++kw, ++row) {
          float* dst = col + row * ld;
          const int64_t offw = kw * g.dil[2] - g.pad[2];
          int64_t lo, hi;
          valid_range(Wi, Wo, sw, offw, &lo, &hi);
          {
            for (int64_t r = r0; r < r1; ++r, dst += Wo) {
              const int64_t od = r / Ho, oh = r % Ho;
              const int64_t id = od * g.stride[0] - g.pad[0] + kd * g.dil[0];
              const int64_t ih = oh * g.stride[1] - g.pad[1] + kh * g.dil[1];
              const bool inside = id >= 0 && id < g.in[0] && ih >= 0 && ih < Hi;
              if (!inside) {
                if (!kScatter) std::memset(dst, 0, sizeof(float) * Wo);
                continue;
              }
              float* src = x + c * IS + (id * Hi + ih) * Wi;  // input of o is src[o*sw + offw]
              if (kScatter) {
                if (sw == 1)
                  for (int64_t o = lo; o < hi; ++o) src[o + offw] += dst[o];
                else
                  for (int64_t o = lo; o < hi; ++o) src[o * sw + offw] += dst[o];
              } else {
                for (int64_t o = 0; o < lo; ++o) dst[o] = 0.f;
                if (sw == 1 && hi - lo >= 32)
                  std::memcpy(dst + lo, src + lo + offw, sizeof(float) * (hi - lo));
                else if (sw == 1)  // short rows (LeNet's 10-28): a library call costs more
                  for (int64_t o = lo; o < hi; ++o) dst[o] = src[o + offw];
                else
                  for (int64_t o = lo; o < hi; ++o) dst[o] = src[o * sw + offw];
                for (int64_t o = hi; o < Wo; ++o) dst[o] = 0.f;
              }
            }
          }
        }
}

}  // namespace

// x is (Cg,Di,Hi,Wi), col is (Cg*Kd*Kh*Kw, Do*Ho*Wo) with row stride ld
void im2col_f32(const ConvGeom& g, const float* x, float* col, int64_t ld) {
  walk<false>(g, const_cast<float*>(x), col, ld, 0, g.out[0] * g.out[1]);
}

// x is (Cg,Di,Hi,Wi), col is (Cg*Kd*Kh*Kw, (r1-r0)*Wo) with row stride ld
void im2col_rows_f32(const ConvGeom& g, const float* x, float* col, int64_t ld, int64_t r0,
                     int64_t r1) {
  walk<false>(g, const_cast<float*>(x), col, ld, r0, r1);
}

// col is (Cg*Kd*Kh*Kw, Do*Ho*Wo) with row stride ld, dx is (Cg,Di,Hi,Wi)
void col2im_f32(const ConvGeom& g, const float* col, int64_t ld, float* dx) {
  walk<true>(g, dx, const_cast<float*>(col), ld, 0, g.out[0] * g.out[1]);
}

// col is (Cg*Kd*Kh*Kw, (r1-r0)*Wo) with row stride ld, dx is (Cg,Di,Hi,Wi)
void col2im_rows_f32(const ConvGeom& g, const float* col, int64_t ld, float* dx, int64_t r0,
                     int64_t r1) {
  walk<true>(g, dx, const_cast<float*>(col), ld, r0, r1);
}

}  // namespace pg::kernels
