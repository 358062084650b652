// im2col / col2im for one image and one group, any rank up to 3-D: the portable variant (the
// reference twin of the SIMD ones) and the dispatching entry points. The loop nest is in
// im2col_loops.h; a variant is its row kernels.
#include <cstring>

#include "kernels/conv/conv.h"
#include "kernels/conv/im2col_loops.h"
#include "kernels/cpu.h"

namespace pg::kernels {
namespace {

struct RowPortable {
  ColRow prepare(const ColRow& r) const { return r; }
  void gather(float* dst, const float* x_row, const ColRow& r) const {
    if (r.sw != 1 || r.hi - r.lo < 32) return gather_row_scalar(dst, x_row, r);
    // long rows: the library copy wins; short ones (LeNet's 10-28) cost less than its call
    for (int64_t o = 0; o < r.lo; ++o) dst[o] = 0.f;
    std::memcpy(dst + r.lo, x_row + r.lo + r.off, sizeof(float) * (r.hi - r.lo));
    for (int64_t o = r.hi; o < r.n; ++o) dst[o] = 0.f;
  }
  void scatter(float* x_row, const float* src, const ColRow& r) const {
    scatter_row_scalar(x_row, src, r);
  }
  void scatter_taps(float* x_row, const float* src, int64_t ld, const ColRow* taps, int64_t Kw,
                    int64_t) const {
    scatter_taps_scalar(x_row, src, ld, taps, Kw);
  }
  void zero(float* dst, int64_t n) const { std::memset(dst, 0, sizeof(float) * n); }
};

// The reference: scalar rows, and col2im one tap after the other (the plain walk).
struct RowRef {
  ColRow prepare(const ColRow& r) const { return r; }
  void gather(float* dst, const float* x_row, const ColRow& r) const {
    gather_row_scalar(dst, x_row, r);
  }
  void scatter(float* x_row, const float* src, const ColRow& r) const {
    scatter_row_scalar(x_row, src, r);
  }
  void zero(float* dst, int64_t n) const {
    for (int64_t o = 0; o < n; ++o) dst[o] = 0.f;
  }
};

void im2col_f32_ref(const ConvGeom& g, const float* x, float* col, int64_t ld, int64_t r0,
                    int64_t r1) {
  im2col_walk<false>(g, const_cast<float*>(x), col, ld, r0, r1, RowRef());
}

void col2im_f32_ref(const ConvGeom& g, const float* col, int64_t ld, float* dx, int64_t r0,
                    int64_t r1) {
  im2col_walk<true>(g, dx, const_cast<float*>(col), ld, r0, r1, RowRef());
}

struct Im2colKernels {
  void (*gather)(const ConvGeom&, const float*, float*, int64_t, int64_t, int64_t);
  void (*scatter)(const ConvGeom&, const float*, int64_t, float*, int64_t, int64_t);
};

#define PG_ROW(isa)                                                      \
  {                                                                      \
    "im2col_f32_" #isa, Isa::isa, { im2col_f32_##isa, col2im_f32_##isa } \
  }
// Best first, the reference last (the ref conv kernels never call im2col; the bindings do).
const Variant<Im2colKernels> kIm2col[] = {
#ifdef PYGRAPH_SIMD
    PG_ROW(avx512),
    PG_ROW(avx2),
#endif
    PG_ROW(portable),
    PG_ROW(ref),
};
#undef PG_ROW
const bool kRegistered = register_table("im2col", kIm2col);

}  // namespace

// x is (Cg,Di,Hi,Wi), col is (Cg*Kd*Kh*Kw, (r1-r0)*Wo) with row stride ld
void im2col_f32_portable(const ConvGeom& g, const float* x, float* col, int64_t ld, int64_t r0,
                         int64_t r1) {
  im2col_walk<false>(g, const_cast<float*>(x), col, ld, r0, r1, RowPortable());
}

// col is (Cg*Kd*Kh*Kw, (r1-r0)*Wo) with row stride ld, dx is (Cg,Di,Hi,Wi)
void col2im_f32_portable(const ConvGeom& g, const float* col, int64_t ld, float* dx, int64_t r0,
                         int64_t r1) {
  col2im_walk(g, dx, col, ld, r0, r1, RowPortable());
}

void im2col_f32(const ConvGeom& g, const float* x, float* col, int64_t ld) {
  pick(kIm2col).fn.gather(g, x, col, ld, 0, g.out[0] * g.out[1]);
}

void im2col_rows_f32(const ConvGeom& g, const float* x, float* col, int64_t ld, int64_t r0,
                     int64_t r1) {
  pick(kIm2col).fn.gather(g, x, col, ld, r0, r1);
}

void col2im_f32(const ConvGeom& g, const float* col, int64_t ld, float* dx) {
  pick(kIm2col).fn.scatter(g, col, ld, dx, 0, g.out[0] * g.out[1]);
}

void col2im_rows_f32(const ConvGeom& g, const float* col, int64_t ld, float* dx, int64_t r0,
                     int64_t r1) {
  pick(kIm2col).fn.scatter(g, col, ld, dx, r0, r1);
}

}  // namespace pg::kernels
