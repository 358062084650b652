// The float32 convolution paths and their dispatch: direct depthwise kernels when a group has
// one input channel, otherwise im2col (skipped for pointwise convs) + GEMM with the bias and
// activation fused in the GEMM epilogue. Threads go over (image, group) pairs when there are
// several, otherwise inside the GEMM.
#include <omp.h>

#include <algorithm>
#include <cstring>

#include "kernels/conv/conv.h"
#include "kernels/cpu.h"

namespace pg::kernels {
namespace {

using FwdFn = void (*)(const ConvGeom&, const float*, const float*, const float*, float*,
                       Activation, float*, int);

void fwd_ref(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y,
             Activation act, float*, int) {
  conv_fwd_ref<float>(g, x, w, bias, y, act);
}

template <DepthwiseFn F>
void fwd_depthwise(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y,
                   Activation act, float*, int) {
  F(g, x, w, bias, y, act);
}

// How many threads split the (image, group) pairs; 1 means the GEMM threads itself.
int outer_threads(const ConvGeom& g, int threads) {
  if (omp_in_parallel()) return 1;
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, g.N * g.G)));
}

// Calls body(ng, tid) for every (image, group) index ng = n*G + g, split over `t` threads.
template <class F>
void for_pairs(const ConvGeom& g, int t, F&& body) {
  const int64_t pairs = g.N * g.G;
  if (t <= 1) {
    for (int64_t i = 0; i < pairs; ++i) body(i, 0);
    return;
  }
#pragma omp parallel num_threads(t)
  {
    const int tid = omp_get_thread_num(), nt = omp_get_num_threads();
    for (int64_t i = pairs * tid / nt; i < pairs * (tid + 1) / nt; ++i) body(i, tid);
  }
}

// x is (N,C,Di,Hi,Wi), w is (K,C/G,Kd,Kh,Kw), y is (N,K,Do,Ho,Wo); work holds a column matrix
// (Cg*Kd*Kh*Kw, Do*Ho*Wo) per thread unless the conv is pointwise.
void fwd_im2col_gemm(const ConvGeom& g, const float* x, const float* w, const float* bias,
                     float* y, Activation act, float* work, int threads) {
  const int64_t Cg = g.Cg(), Kg = g.Kg(), IS = g.in_size(), OS = g.out_size();
  const int64_t rows = g.col_rows(), col_size = g.pointwise() ? 0 : rows * OS;
  for_pairs(g, outer_threads(g, threads), [&](int64_t ng, int tid) {
    const int64_t n = ng / g.G, gi = ng % g.G;
    const float* xg = x + (n * g.C + gi * Cg) * IS;
    const float* col = xg;
    if (col_size) {
      float* c = work + tid * col_size;
      im2col_f32(g, xg, c);
      col = c;
    }
    Epilogue<float> ep;
    ep.bias = bias ? bias + gi * Kg : nullptr;
    ep.bias_per_row = true;
    ep.act = act;
    gemm_f32(false, false, Kg, OS, rows, 1.f, w + gi * Kg * rows, rows, col, OS, 0.f,
             y + (n * g.K + gi * Kg) * OS, OS, ep);
  });
}

// Best first; the ref variant last (conv_fwd_f32 consults the depthwise table only for Cg == 1).
const Variant<FwdFn> kDepthwise[] = {
#ifdef PYGRAPH_SIMD
    {"conv_f32_depthwise_avx512", Isa::avx512, fwd_depthwise<conv_f32_depthwise_avx512>},
    {"conv_f32_depthwise_avx2", Isa::avx2, fwd_depthwise<conv_f32_depthwise_avx2>},
#endif
    {"conv_f32_depthwise_portable", Isa::portable, fwd_depthwise<conv_f32_depthwise_portable>},
    {"conv_f32_ref", Isa::ref, fwd_ref},
};
const Variant<FwdFn> kGeneral[] = {
    {"conv_f32_im2col_gemm", Isa::portable, fwd_im2col_gemm},
    {"conv_f32_ref", Isa::ref, fwd_ref},
};

bool register_conv() {
  std::vector<VariantInfo> infos;
  for (const auto& v : kDepthwise)
    if (v.isa != Isa::ref) infos.push_back({v.name, v.isa});
  for (const auto& v : kGeneral) infos.push_back({v.name, v.isa});
  return register_variants("conv", infos);
}
const bool kRegistered = register_conv();

const Variant<FwdFn>& pick_fwd(const ConvGeom& g) {
  return g.depthwise() ? pick(kDepthwise) : pick(kGeneral);
}

bool use_ref() { return active_isa() == Isa::ref; }

}  // namespace

const char* conv_fwd_f32_variant(const ConvGeom& g) { return pick_fwd(g).name; }

size_t conv_workspace_floats(const ConvGeom& g, ConvPass pass, int threads) {
  if (use_ref()) return 0;
  if (pass == ConvPass::forward && g.depthwise()) return 0;
  const int t = outer_threads(g, threads);
  const size_t col = g.pointwise() ? 0 : static_cast<size_t>(g.col_rows() * g.out_size());
  size_t total = col * t;
  if (pass == ConvPass::backward_weight && t > 1)
    total += static_cast<size_t>(g.K * g.col_rows()) * t;  // a partial dw per thread
  return total;
}

void conv_fwd_f32(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y,
                  Activation act, float* work, int threads) {
  pick_fwd(g).fn(g, x, w, bias, y, act, work, threads);
}

// dy is (N,K,Do,Ho,Wo), w is (K,C/G,Kd,Kh,Kw), dx is (N,C,Di,Hi,Wi); per group
// col = w_g^T (rows, Kg) @ dy_g (Kg, OS), then col2im scatters col into dx.
void conv_bwd_data_f32(const ConvGeom& g, const float* dy, const float* w, float* dx, float* work,
                       int threads) {
  if (use_ref()) return conv_bwd_data_ref<float>(g, dy, w, dx);
  const int64_t Cg = g.Cg(), Kg = g.Kg(), IS = g.in_size(), OS = g.out_size();
  const int64_t rows = g.col_rows();
  const bool pw = g.pointwise();
  for_pairs(g, outer_threads(g, threads), [&](int64_t ng, int tid) {
    const int64_t n = ng / g.G, gi = ng % g.G;
    float* dxg = dx + (n * g.C + gi * Cg) * IS;
    const float* dyg = dy + (n * g.K + gi * Kg) * OS;
    const float* wg = w + gi * Kg * rows;
    if (pw) {
      gemm_f32(true, false, rows, OS, Kg, 1.f, wg, rows, dyg, OS, 0.f, dxg, OS);
      return;
    }
    float* col = work + tid * rows * OS;
    gemm_f32(true, false, rows, OS, Kg, 1.f, wg, rows, dyg, OS, 0.f, col, OS);
    std::memset(dxg, 0, sizeof(float) * Cg * IS);
    col2im_f32(g, col, dxg);
  });
}

// x is (N,C,Di,Hi,Wi), dy is (N,K,Do,Ho,Wo), dw is (K,C/G,Kd,Kh,Kw), db is (K) or null;
// per group dw_g (Kg, rows) += dy_g (Kg, OS) @ col^T (OS, rows), summed over images.
void conv_bwd_weight_f32(const ConvGeom& g, const float* x, const float* dy, float* dw, float* db,
                         float* work, int threads) {
  if (use_ref()) return conv_bwd_weight_ref<float>(g, x, dy, dw, db);
  const int64_t Cg = g.Cg(), Kg = g.Kg(), IS = g.in_size(), OS = g.out_size();
  const int64_t rows = g.col_rows(), wsize = g.K * rows;
  const bool pw = g.pointwise();
  const int t = outer_threads(g, threads);
  float* partial = work + (pw ? 0 : t * rows * OS);  // t > 1: one dw per thread
  if (t > 1)
    std::memset(partial, 0, sizeof(float) * wsize * t);
  else
    std::memset(dw, 0, sizeof(float) * wsize);
  for_pairs(g, t, [&](int64_t ng, int tid) {
    const int64_t n = ng / g.G, gi = ng % g.G;
    const float* xg = x + (n * g.C + gi * Cg) * IS;
    const float* dyg = dy + (n * g.K + gi * Kg) * OS;
    const float* col = xg;
    if (!pw) {
      float* c = work + tid * rows * OS;
      im2col_f32(g, xg, c);
      col = c;
    }
    float* acc = (t > 1 ? partial + tid * wsize : dw) + gi * Kg * rows;
    gemm_f32(false, true, Kg, rows, OS, 1.f, dyg, OS, col, OS, 1.f, acc, rows);
  });
  if (t > 1) {
#pragma omp parallel for schedule(static) num_threads(t)
    for (int64_t i = 0; i < wsize; ++i) {
      float s = 0.f;
      for (int p = 0; p < t; ++p) s += partial[p * wsize + i];
      dw[i] = s;
    }
  }
  if (db) conv_bias_grad<float>(g, dy, db);
}

}  // namespace pg::kernels
