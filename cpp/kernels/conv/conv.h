// Convolution kernels, 1-D to 3-D, on raw NC(D)(H)W buffers. One geometry describes every rank:
// 1-D and 2-D convolutions are 3-D ones whose leading spatial dims have size 1.
// Kernels never allocate: the fast paths take a workspace sized by conv_workspace_floats().
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/gemm/gemm.h"

namespace pg::kernels {

// x is (N,C,Di,Hi,Wi), w is (K,C/G,Kd,Kh,Kw), y is (N,K,Do,Ho,Wo). Spatial arrays are (D,H,W).
// pad is the leading (top/left/front) padding; the trailing one is implied by `out`.
struct ConvGeom {
  int64_t N = 1, C = 1, K = 1, G = 1;
  int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1}, ker[3] = {1, 1, 1};
  int64_t stride[3] = {1, 1, 1}, pad[3] = {0, 0, 0}, dil[3] = {1, 1, 1};

  int64_t Cg() const { return C / G; }
  int64_t Kg() const { return K / G; }
  int64_t in_size() const { return in[0] * in[1] * in[2]; }      // per channel
  int64_t out_size() const { return out[0] * out[1] * out[2]; }  // per channel
  int64_t ker_size() const { return ker[0] * ker[1] * ker[2]; }
  int64_t col_rows() const { return Cg() * ker_size(); }  // rows of one group's im2col matrix
  // A 1x1(x1) kernel at stride 1 without padding: the input already is the im2col matrix.
  bool pointwise() const;
  // One input channel per group (depthwise, with any channel multiplier K/G).
  bool depthwise() const { return Cg() == 1; }
};

// ---- Reference kernels (scalar loops; float and double) -------------------------------------
// y = act(conv(x, w) + bias); bias may be null.
template <class T>
void conv_fwd_ref(const ConvGeom& g, const T* x, const T* w, const T* bias, T* y,
                  Activation act = Activation::none);
// dx = the input gradient of y = conv(x, w), given dy. dx is overwritten.
template <class T>
void conv_bwd_data_ref(const ConvGeom& g, const T* dy, const T* w, T* dx);
// dw (and db when non-null) = the weight (bias) gradient, given x and dy. Overwritten.
template <class T>
void conv_bwd_weight_ref(const ConvGeom& g, const T* x, const T* dy, T* dw, T* db);

// db[k] = sum of dy over batch and space; shared by every path.
template <class T>
void conv_bias_grad(const ConvGeom& g, const T* dy, T* db);

// ---- im2col / col2im (one image, one group) -------------------------------------------------
// x is (Cg,Di,Hi,Wi) of one group of one image; col is (Cg*Kd*Kh*Kw, Do*Ho*Wo) with row stride
// ld >= Do*Ho*Wo (several images may sit side by side in one column matrix).
void im2col_f32(const ConvGeom& g, const float* x, float* col, int64_t ld);
// Only the output rows r = od*Ho + oh in [r0, r1), each Wo columns wide.
void im2col_rows_f32(const ConvGeom& g, const float* x, float* col, int64_t ld, int64_t r0,
                     int64_t r1);
// dx (Cg,Di,Hi,Wi) += col2im(col); dx must be initialised by the caller.
void col2im_f32(const ConvGeom& g, const float* col, int64_t ld, float* dx);
void col2im_rows_f32(const ConvGeom& g, const float* col, int64_t ld, float* dx, int64_t r0,
                     int64_t r1);

// Their variants (the entry points above pick one per call from the active ISA): the rows
// [r0, r1) version of each, same contract. Results are bit-identical across variants (copies,
// and col2im adds in one fixed order).
#define PG_IM2COL(isa)                                                                          \
  void im2col_f32_##isa(const ConvGeom& g, const float* x, float* col, int64_t ld, int64_t r0,  \
                        int64_t r1);                                                            \
  void col2im_f32_##isa(const ConvGeom& g, const float* col, int64_t ld, float* dx, int64_t r0, \
                        int64_t r1);
PG_IM2COL(portable)
#ifdef PYGRAPH_SIMD
PG_IM2COL(avx2)
PG_IM2COL(avx512)
#endif
#undef PG_IM2COL

// ---- Depthwise direct kernels (Cg == 1) -----------------------------------------------------
using DepthwiseFn = void (*)(const ConvGeom& g, const float* x, const float* w, const float* bias,
                             float* y, Activation act);
void conv_f32_depthwise_portable(const ConvGeom& g, const float* x, const float* w,
                                 const float* bias, float* y, Activation act);
#ifdef PYGRAPH_SIMD
void conv_f32_depthwise_avx2(const ConvGeom& g, const float* x, const float* w, const float* bias,
                             float* y, Activation act);
void conv_f32_depthwise_avx512(const ConvGeom& g, const float* x, const float* w, const float* bias,
                               float* y, Activation act);
#endif

// Their gradients: dx and dw are overwritten.
struct DepthwiseBwd {
  void (*data)(const ConvGeom& g, const float* dy, const float* w, float* dx);
  void (*weight)(const ConvGeom& g, const float* x, const float* dy, float* dw);
};
#define PG_DEPTHWISE_BWD(isa)                                                                  \
  void conv_bwd_data_f32_depthwise_##isa(const ConvGeom& g, const float* dy, const float* w,   \
                                         float* dx);                                           \
  void conv_bwd_weight_f32_depthwise_##isa(const ConvGeom& g, const float* x, const float* dy, \
                                           float* dw);
PG_DEPTHWISE_BWD(portable)
#ifdef PYGRAPH_SIMD
PG_DEPTHWISE_BWD(avx2)
PG_DEPTHWISE_BWD(avx512)
#endif
#undef PG_DEPTHWISE_BWD

// ---- Winograd F(2x2, 3x3): 3x3 stride-1 2-D convs with one group and >= 16 channels ---------
bool winograd_applies(const ConvGeom& g);
size_t winograd_workspace_floats(const ConvGeom& g, int threads);
void conv_f32_winograd_f2x3(const ConvGeom& g, const float* x, const float* w, const float* bias,
                            float* y, Activation act, float* work, int threads);

// ---- Dispatched float32 entry points --------------------------------------------------------
enum class ConvPass { forward, backward_data, backward_weight };
// Floats of scratch the pass needs with `threads` OpenMP threads (0 when none).
size_t conv_workspace_floats(const ConvGeom& g, ConvPass pass, int threads);
// The name of the variant conv_fwd_f32 would run for this geometry at the active ISA.
const char* conv_fwd_f32_variant(const ConvGeom& g);

void conv_fwd_f32(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y,
                  Activation act, float* work, int threads);
void conv_bwd_data_f32(const ConvGeom& g, const float* dy, const float* w, float* dx, float* work,
                       int threads);
void conv_bwd_weight_f32(const ConvGeom& g, const float* x, const float* dy, float* dw, float* db,
                         float* work, int threads);

}  // namespace pg::kernels
