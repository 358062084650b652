// The loop nest of im2col / col2im, shared by their ISA variants. A variant supplies only the row
// kernels (one output row of Wo columns); the nest walks (channel, tap) rows and output rows with
// running coordinates, so there is no division in any loop. Everything sits in an anonymous
// namespace on purpose: each including file (compiled with its own ISA flags) gets its own copy.
#pragma once
#include "kernels/conv/conv.h"

namespace pg::kernels {
namespace {

// One row of the column matrix against one input row: output o reads input s[o*sw], where
// s = x_row + off may point before the row; only o in [lo, hi) is in bounds.
struct ColRow {
  int64_t n, lo, hi, sw, off;
};

// The plain row kernels; SIMD variants use them for the cases they do not vectorise.
// dst[o] = s[o*sw] for o in [lo, hi), 0 elsewhere in [0, n).
inline void gather_row_scalar(float* dst, const float* x_row, const ColRow& r) {
  for (int64_t o = 0; o < r.lo; ++o) dst[o] = 0.f;
  for (int64_t o = r.lo; o < r.hi; ++o) dst[o] = x_row[o * r.sw + r.off];
  for (int64_t o = r.hi; o < r.n; ++o) dst[o] = 0.f;
}
// s[o*sw] += src[o] for o in [lo, hi).
inline void scatter_row_scalar(float* x_row, const float* src, const ColRow& r) {
  for (int64_t o = r.lo; o < r.hi; ++o) x_row[o * r.sw + r.off] += src[o];
}

inline int64_t i2c_ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// Output positions o in [lo, hi) whose input coordinate o*s + off lies in [0, n).
inline void i2c_valid(int64_t n, int64_t out, int64_t s, int64_t off, int64_t* lo, int64_t* hi) {
  int64_t l = i2c_ceil_div(-off, s), h = i2c_ceil_div(n - off, s);
  l = l < 0 ? 0 : (l > out ? out : l);
  h = h < l ? l : (h > out ? out : h);
  *lo = l;
  *hi = h;
}

// x is (Cg,Di,Hi,Wi); col is (Cg*Kd*Kh*Kw, (r1-r0)*Wo) with row stride ld, holding the output rows
// r = od*Ho + oh in [r0, r1). kScatter=false: col <- x (im2col); true: x += col (col2im), every
// element of x receiving its terms in (channel, tap, r) order, the same as the scalar twin.
// Row supplies prepare(ColRow) -> P (whatever it wants to compute once per tap, e.g. masks),
// gather(dst, x_row, P), scatter(x_row, src, P) and zero(dst, n).
template <bool kScatter, class Row>
void im2col_walk(const ConvGeom& g, float* x, float* col, int64_t ld, int64_t r0, int64_t r1,
                 const Row& row) {
  const int64_t Di = g.in[0], Hi = g.in[1], Wi = g.in[2], Ho = g.out[1], Wo = g.out[2];
  const int64_t sd = g.stride[0], sh = g.stride[1], IS = g.in_size();
  if (r1 <= r0) return;
  const int64_t od0 = r0 / Ho, oh0 = r0 % Ho;  // once per call
  float* dst = col;
  for (int64_t c = 0; c < g.Cg(); ++c)
    for (int64_t kd = 0; kd < g.ker[0]; ++kd)
      for (int64_t kh = 0; kh < g.ker[1]; ++kh)
        for (int64_t kw = 0; kw < g.ker[2]; ++kw, dst += ld) {
          ColRow cr{Wo, 0, 0, g.stride[2], kw * g.dil[2] - g.pad[2]};
          i2c_valid(Wi, Wo, cr.sw, cr.off, &cr.lo, &cr.hi);
          const auto prepared = row.prepare(cr);
          const int64_t offd = kd * g.dil[0] - g.pad[0], offh = kh * g.dil[1] - g.pad[1];
          float* xc = x + c * IS;
          float* d = dst;
          int64_t oh = oh0, id = od0 * sd + offd, ih = oh0 * sh + offh;
          for (int64_t r = r0; r < r1; ++r, d += Wo) {
            const bool inside = id >= 0 && id < Di && ih >= 0 && ih < Hi;
            if (inside) {
              float* xr = xc + (id * Hi + ih) * Wi;
              if (kScatter)
                row.scatter(xr, d, prepared);
              else
                row.gather(d, xr, prepared);
            } else if (!kScatter) {
              row.zero(d, Wo);
            }
            ih += sh;
            if (++oh == Ho) {
              oh = 0;
              ih = offh;
              id += sd;
            }
          }
        }
}

// Taps of one kernel row whose ColRows col2im_walk precomputes; wider kernels take the plain walk.
constexpr int64_t kMaxTaps = 32;

// col2im with the taps kw innermost: for each (channel, kd, kh) and output row, Row's
// scatter_taps(x_row, src, ld, taps, Kw, Wi) adds the Kw column rows src + kw*ld into one input
// row, which it can keep in registers instead of storing and reloading it once per tap (a
// reload that overlaps a masked store at another offset cannot be forwarded and stalls). Every
// input element still receives its terms in (channel, tap) order: for fixed (c, kd, kh) and a
// fixed input row, each tap contributes from exactly one output row.
template <class Row>
void col2im_walk(const ConvGeom& g, float* x, const float* col, int64_t ld, int64_t r0, int64_t r1,
                 const Row& row) {
  const int64_t Kw = g.ker[2];
  if (Kw > kMaxTaps) return im2col_walk<true>(g, x, const_cast<float*>(col), ld, r0, r1, row);
  const int64_t Di = g.in[0], Hi = g.in[1], Wi = g.in[2], Ho = g.out[1], Wo = g.out[2];
  const int64_t sd = g.stride[0], sh = g.stride[1], IS = g.in_size();
  if (r1 <= r0) return;
  ColRow taps[kMaxTaps];
  for (int64_t kw = 0; kw < Kw; ++kw) {
    taps[kw] = {Wo, 0, 0, g.stride[2], kw * g.dil[2] - g.pad[2]};
    i2c_valid(Wi, Wo, taps[kw].sw, taps[kw].off, &taps[kw].lo, &taps[kw].hi);
  }
  const int64_t od0 = r0 / Ho, oh0 = r0 % Ho;  // once per call
  const float* src = col;
  for (int64_t c = 0; c < g.Cg(); ++c)
    for (int64_t kd = 0; kd < g.ker[0]; ++kd)
      for (int64_t kh = 0; kh < g.ker[1]; ++kh, src += Kw * ld) {
        const int64_t offd = kd * g.dil[0] - g.pad[0], offh = kh * g.dil[1] - g.pad[1];
        float* xc = x + c * IS;
        const float* d = src;
        int64_t oh = oh0, id = od0 * sd + offd, ih = oh0 * sh + offh;
        for (int64_t r = r0; r < r1; ++r, d += Wo) {
          if (id >= 0 && id < Di && ih >= 0 && ih < Hi)
            row.scatter_taps(xc + (id * Hi + ih) * Wi, d, ld, taps, Kw, Wi);
          ih += sh;
          if (++oh == Ho) {
            oh = 0;
            ih = offh;
            id += sd;
          }
        }
      }
}

// The plain scatter_taps: one tap after the other (scalar stores forward to the next loads).
inline void scatter_taps_scalar(float* x_row, const float* src, int64_t ld, const ColRow* taps,
                                int64_t Kw) {
  for (int64_t kw = 0; kw < Kw; ++kw) scatter_row_scalar(x_row, src + kw * ld, taps[kw]);
}

}  // namespace
}  // namespace pg::kernels
