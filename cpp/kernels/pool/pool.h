// Pooling kernels on raw planes: max, average, adaptive average, global, unpooling, and their
// gradients. No allocation, no Tensor. A 1-D pool is a 2-D pool with H = 1 and a 1-row kernel.
// Every kernel works on `planes` independent (H,W) planes (N*C of them) and threads over them.
#pragma once
#include <cstdint>

namespace pg::kernels {

// The window geometry shared by max and average pooling. Output (P,Q); out-of-range taps are
// padding (never read): -inf for max, 0 for average.
struct PoolGeom {
  int64_t H, W;    // input plane
  int64_t P, Q;    // output plane
  int64_t kh, kw;  // kernel
  int64_t sh, sw;  // stride
  int64_t ph, pw;  // padding (left/top; right/bottom is implied by the output size)
  int64_t dh, dw;  // dilation (1 for average pooling)
};

// Average pooling's divisor: divisor_override when > 0, else the window's size counted with
// (count_include_pad) or without the padding; the window never extends past input + padding.
struct AvgOpts {
  bool count_include_pad = true;
  int64_t divisor_override = 0;
};

// ---- Reference kernels, templated on float and double (the oracle and the float64 path) ----

// x is (planes,H,W), y is (planes,P,Q), idx (planes,P,Q) flat index into H*W or nullptr.
// Ties go to the first maximum in row-major window order; a NaN wins (as torch).
template <class T>
void max_pool_ref(const T* x, T* y, int64_t* idx, int64_t planes, const PoolGeom& g);
template <class T>
void avg_pool_ref(const T* x, T* y, int64_t planes, const PoolGeom& g, const AvgOpts& o);
// dy is (planes,P,Q), x and dx are (planes,H,W): dx = 0, then each dy goes to its window's
// argmax in x (found again, with the forward's rule).
template <class T>
void max_pool_backward_ref(const T* dy, const T* x, T* dx, int64_t planes, const PoolGeom& g);
// dy and idx are (planes,P,Q), dx is (planes,H,W): dx = 0, then dx[idx] += dy (the forward's
// saved indices; the caller checks 0 <= idx < H*W).
template <class T>
void max_pool_backward_indices_ref(const T* dy, const int64_t* idx, T* dx, int64_t planes,
                                   int64_t HW, int64_t PQ);
// dy is (planes,P,Q), dx is (planes,H,W): every tap of a window gets dy / divisor.
template <class T>
void avg_pool_backward_ref(const T* dy, T* dx, int64_t planes, const PoolGeom& g, const AvgOpts& o);
// x is (planes,H,W), y is (planes,P,Q); window i spans [floor(i*H/P), ceil((i+1)*H/P)).
template <class T>
void adaptive_avg_pool_ref(const T* x, T* y, int64_t planes, int64_t H, int64_t W, int64_t P,
                           int64_t Q);
template <class T>
void adaptive_avg_pool_backward_ref(const T* dy, T* dx, int64_t planes, int64_t H, int64_t W,
                                    int64_t P, int64_t Q);
// x is (planes,L), y is (planes): the mean / the max (idx: first argmax, or nullptr).
template <class T>
void global_avg_pool_ref(const T* x, T* y, int64_t planes, int64_t L);
template <class T>
void global_max_pool_ref(const T* x, T* y, int64_t* idx, int64_t planes, int64_t L);
// dy is (planes), dx is (planes,L): dy / L everywhere (avg), dy at idx, 0 elsewhere (max).
template <class T>
void global_avg_pool_backward_ref(const T* dy, T* dx, int64_t planes, int64_t L);
template <class T>
void global_max_pool_backward_ref(const T* dy, const int64_t* idx, T* dx, int64_t planes,
                                  int64_t L);
// x, idx are (planes,Lin), y is (planes,Lout): y = 0, then y[idx] = x. Indices are checked by
// the caller (0 <= idx < Lout).
template <class T>
void max_unpool_ref(const T* x, const int64_t* idx, T* y, int64_t planes, int64_t Lin,
                    int64_t Lout);
// dy is (planes,Lout), dx is (planes,Lin): dx = dy[idx].
template <class T>
void max_unpool_backward_ref(const T* dy, const int64_t* idx, T* dx, int64_t planes, int64_t Lin,
                             int64_t Lout);

// ---- Dispatched float32 kernels: the best variant for the active ISA (see pool_dispatch) ----
void max_pool_f32(const float* x, float* y, int64_t* idx, int64_t planes, const PoolGeom& g);
void avg_pool_f32(const float* x, float* y, int64_t planes, const PoolGeom& g, const AvgOpts& o);
void max_pool_backward_f32(const float* dy, const float* x, float* dx, int64_t planes,
                           const PoolGeom& g);
void avg_pool_backward_f32(const float* dy, float* dx, int64_t planes, const PoolGeom& g,
                           const AvgOpts& o);
void global_avg_pool_f32(const float* x, float* y, int64_t planes, int64_t L);
void global_max_pool_f32(const float* x, float* y, int64_t* idx, int64_t planes, int64_t L);

// Typed front doors: float -> the dispatched kernel, double -> the reference.
template <class T>
void max_pool(const T* x, T* y, int64_t* idx, int64_t planes, const PoolGeom& g);
template <class T>
void avg_pool(const T* x, T* y, int64_t planes, const PoolGeom& g, const AvgOpts& o);
template <class T>
void max_pool_backward(const T* dy, const T* x, T* dx, int64_t planes, const PoolGeom& g);
template <class T>
void avg_pool_backward(const T* dy, T* dx, int64_t planes, const PoolGeom& g, const AvgOpts& o);
template <class T>
void global_avg_pool(const T* x, T* y, int64_t planes, int64_t L);
template <class T>
void global_max_pool(const T* x, T* y, int64_t* idx, int64_t planes, int64_t L);

// ---- Variant entry points (defined in pool_<isa>.cpp, listed in pool_dispatch.cpp) ----
using MaxPoolFn = void (*)(const float*, float*, int64_t*, int64_t, const PoolGeom&);
using AvgPoolFn = void (*)(const float*, float*, int64_t, const PoolGeom&, const AvgOpts&);
using MaxPoolBackwardFn = void (*)(const float*, const float*, float*, int64_t, const PoolGeom&);
using AvgPoolBackwardFn = void (*)(const float*, float*, int64_t, const PoolGeom&, const AvgOpts&);
using GlobalAvgFn = void (*)(const float*, float*, int64_t, int64_t);
using GlobalMaxFn = void (*)(const float*, float*, int64_t*, int64_t, int64_t);

#define PG_POOL_VARIANT_DECLS(isa)                                                                \
  void max_pool_f32_##isa(const float*, float*, int64_t*, int64_t, const PoolGeom&);              \
  void avg_pool_f32_##isa(const float*, float*, int64_t, const PoolGeom&, const AvgOpts&);        \
  void max_pool_backward_f32_##isa(const float*, const float*, float*, int64_t, const PoolGeom&); \
  void avg_pool_backward_f32_##isa(const float*, float*, int64_t, const PoolGeom&,                \
                                   const AvgOpts&);                                               \
  void global_avg_pool_f32_##isa(const float*, float*, int64_t, int64_t);                         \
  void global_max_pool_f32_##isa(const float*, float*, int64_t*, int64_t, int64_t);
PG_POOL_VARIANT_DECLS(ref)
PG_POOL_VARIANT_DECLS(portable)
PG_POOL_VARIANT_DECLS(avx2)
PG_POOL_VARIANT_DECLS(avx512)
#undef PG_POOL_VARIANT_DECLS

// Shared by the reference and the SIMD variants' edge code: one output of one plane. Static, so
// that each ISA's file keeps its own copy (the linker must not hand generic code an AVX one).
template <class T>
static inline void avg_window(const PoolGeom& g, const AvgOpts& o, int64_t p, int64_t q,
                              int64_t* h0, int64_t* h1, int64_t* w0, int64_t* w1, T* divisor) {
  int64_t hs = p * g.sh - g.ph, ws = q * g.sw - g.pw;
  int64_t he = hs + g.kh < g.H + g.ph ? hs + g.kh : g.H + g.ph;
  int64_t we = ws + g.kw < g.W + g.pw ? ws + g.kw : g.W + g.pw;
  const int64_t padded = (he - hs) * (we - ws);
  hs = hs < 0 ? 0 : hs;
  ws = ws < 0 ? 0 : ws;
  he = he < g.H ? he : g.H;
  we = we < g.W ? we : g.W;
  const int64_t div = o.divisor_override > 0 ? o.divisor_override
                      : o.count_include_pad  ? padded
                                             : (he - hs) * (we - ws);
  *h0 = hs, *h1 = he, *w0 = ws, *w1 = we;
  *divisor = T(div);
}

}  // namespace pg::kernels
