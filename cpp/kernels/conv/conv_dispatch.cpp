// The float32 convolution paths and their dispatch: direct depthwise kernels (forward and
// gradients) when a group has one input channel, Winograd F(2x2,3x3) for wide 3x3 stride-1
// forward convs, otherwise im2col (skipped for pointwise convs) + GEMM with the bias and
// activation fused in the GEMM epilogue. Threads go over (images,
// group) items when there are several, otherwise inside the GEMM.
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

// How the im2col path splits the work. Images are taken `nb` at a time, side by side in one
// column matrix, so that small outputs (7x7, 14x14) still give the GEMM a wide N; the items
// (chunk of images, group) are split over `threads` threads, or the GEMM threads itself.
struct Plan {
  int64_t nb, chunks, items;
  int threads;
  size_t col, buf, part;  // floats per thread: column matrix, gathered dy / y, partial dw
};

constexpr int64_t kTargetCols = 1024;   // GEMM N worth batching images for
constexpr int64_t kL2Floats = 1 << 17;  // a column band of 512 KB stays in L2
constexpr int64_t kMinBandCols = 512;   // narrower GEMMs lose more than L2 saves

Plan plan(const ConvGeom& g, ConvPass pass, int threads) {
  Plan p;
  const int64_t OS = g.out_size();
  p.nb = std::min<int64_t>(g.N, std::max<int64_t>(1, (kTargetCols + OS - 1) / OS));
  p.chunks = (g.N + p.nb - 1) / p.nb;
  const int team = omp_in_parallel() ? 1 : std::max(threads, 1);
  if (p.chunks > 1 && team > 1) {
    // Equal chunks, a multiple of the team: 8 images as 6 + 2 would leave a thread idle.
    const int64_t want = std::min<int64_t>(g.N, (p.chunks + team - 1) / team * team);
    p.nb = (g.N + want - 1) / want;
    p.chunks = (g.N + p.nb - 1) / p.nb;
  }
  p.items = p.chunks * g.G;
  p.threads = static_cast<int>(std::min<int64_t>(team, p.items));
  p.threads = std::max(p.threads, 1);
  const int64_t cols = p.nb * OS;
  const bool direct = g.pointwise() && p.nb == 1;
  p.col = direct ? 0 : static_cast<size_t>(g.col_rows() * cols);
  p.buf = p.nb > 1 ? static_cast<size_t>(g.Kg() * cols) : 0;
  p.part = (pass == ConvPass::backward_weight && p.threads > 1)
               ? static_cast<size_t>(g.K * g.col_rows())
               : 0;
  return p;
}

// Calls body(item, tid) for every item, split over p.threads threads.
template <class F>
void for_items(const Plan& p, F&& body) {
  if (p.threads <= 1) {
    for (int64_t i = 0; i < p.items; ++i) body(i, 0);
    return;
  }
#pragma omp parallel num_threads(p.threads)
  {
    const int tid = omp_get_thread_num(), nt = omp_get_num_threads();
    for (int64_t i = p.items * tid / nt; i < p.items * (tid + 1) / nt; ++i) body(i, tid);
  }
}

// One item: images [n0, n0 + m) of group gi, and this thread's scratch.
struct Item {
  int64_t n0, m, gi, cols;
  float *col, *buf;
};

Item item(const ConvGeom& g, const Plan& p, int64_t i, int tid, float* work) {
  const int64_t chunk = i / g.G, n0 = chunk * p.nb;
  float* mine = work + tid * (p.col + p.buf);
  const int64_t m = std::min(p.nb, g.N - n0);
  return {n0, m, i % g.G, m * g.out_size(), mine, mine + p.col};
}

// The column matrix (rows, cols) of an item: the input itself for a pointwise single image.
const float* columns(const ConvGeom& g, const Item& it, const float* x) {
  const int64_t IS = g.in_size(), OS = g.out_size();
  const float* x0 = x + (it.n0 * g.C + it.gi * g.Cg()) * IS;
  if (g.pointwise() && it.m == 1) return x0;
  for (int64_t j = 0; j < it.m; ++j) im2col_f32(g, x0 + j * g.C * IS, it.col + j * OS, it.cols);
  return it.col;
}

// dy of an item's group as one (Kg, cols) matrix: in place for one image, else gathered.
const float* gather_dy(const ConvGeom& g, const Item& it, const float* dy, int64_t* ld) {
  const int64_t OS = g.out_size(), Kg = g.Kg();
  const float* d0 = dy + (it.n0 * g.K + it.gi * Kg) * OS;
  *ld = it.m == 1 ? OS : it.cols;
  if (it.m == 1) return d0;
  for (int64_t k = 0; k < Kg; ++k)
    for (int64_t j = 0; j < it.m; ++j)
      std::memcpy(it.buf + k * it.cols + j * OS, d0 + (j * g.K + k) * OS, sizeof(float) * OS);
  return it.buf;
}

// One large image is done in bands of output rows, so that its column matrix stays near L2
// instead of a round trip through memory: calls f(r0, r1, cols) per band of rows r = od*Ho + oh
// in [r0, r1), cols = (r1 - r0)*Wo. Returns false (and does nothing) when bands do not pay.
template <class F>
bool for_bands(const ConvGeom& g, const Item& it, F&& f) {
  const int64_t rows = g.col_rows(), W = g.out[2], R = g.out[0] * g.out[1];
  if (it.m != 1 || g.pointwise() || rows * R * W <= kL2Floats) return false;
  const int64_t band = std::max<int64_t>((kMinBandCols + W - 1) / W, kL2Floats / (rows * W));
  if (band >= R) return false;
  for (int64_t r0 = 0; r0 < R; r0 += band) {
    const int64_t r1 = std::min(R, r0 + band);
    f(r0, r1, (r1 - r0) * W);
  }
  return true;
}

// x is (N,C,Di,Hi,Wi), w is (K,C/G,Kd,Kh,Kw), y is (N,K,Do,Ho,Wo): per item
// y_g (Kg, cols) = w_g (Kg, rows) @ col (rows, cols), bias and activation in the epilogue.
void fwd_im2col_gemm(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y,
                     Activation act, float* work, int threads) {
  const Plan p = plan(g, ConvPass::forward, threads);
  const int64_t Kg = g.Kg(), OS = g.out_size(), rows = g.col_rows();
  for_items(p, [&](int64_t i, int tid) {
    const Item it = item(g, p, i, tid, work);
    Epilogue<float> ep;
    ep.bias = bias ? bias + it.gi * Kg : nullptr;
    ep.bias_per_row = true;
    ep.act = act;
    const float* wg = w + it.gi * Kg * rows;
    float* y0 = y + (it.n0 * g.K + it.gi * Kg) * OS;
    const float* x0 = x + (it.n0 * g.C + it.gi * g.Cg()) * g.in_size();
    const bool banded = for_bands(g, it, [&](int64_t r0, int64_t r1, int64_t cols) {
      im2col_rows_f32(g, x0, it.col, cols, r0, r1);
      gemm_f32(false, false, Kg, cols, rows, 1.f, wg, rows, it.col, cols, 0.f, y0 + r0 * g.out[2],
               OS, ep);
    });
    if (banded) return;
    const float* col = columns(g, it, x);
    float* out = it.m == 1 ? y0 : it.buf;
    gemm_f32(false, false, Kg, it.cols, rows, 1.f, wg, rows, col, it.cols, 0.f, out, it.cols, ep);
    if (it.m > 1)  // scatter the side-by-side images back to (N, K, ...)
      for (int64_t k = 0; k < Kg; ++k)
        for (int64_t j = 0; j < it.m; ++j)
          std::memcpy(y0 + (j * g.K + k) * OS, it.buf + k * it.cols + j * OS, sizeof(float) * OS);
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
const Variant<FwdFn> kWinograd[] = {
    {"conv_f32_winograd_f2x3", Isa::portable, conv_f32_winograd_f2x3},
    {"conv_f32_ref", Isa::ref, fwd_ref},
};
const Variant<FwdFn> kGeneral[] = {
    {"conv_f32_im2col_gemm", Isa::portable, fwd_im2col_gemm},
    {"conv_f32_ref", Isa::ref, fwd_ref},
};

#define PG_BWD(isa)                                                          \
  {                                                                          \
    "conv_bwd_f32_depthwise_" #isa, Isa::isa, {                              \
      conv_bwd_data_f32_depthwise_##isa, conv_bwd_weight_f32_depthwise_##isa \
    }                                                                        \
  }
const Variant<DepthwiseBwd> kDepthwiseBwd[] = {
#ifdef PYGRAPH_SIMD
    PG_BWD(avx512),
    PG_BWD(avx2),
#endif
    PG_BWD(portable),
};
#undef PG_BWD

bool register_conv() {
  std::vector<VariantInfo> infos;
  for (const auto& v : kDepthwise)
    if (v.isa != Isa::ref) infos.push_back({v.name, v.isa});
  for (const auto& v : kDepthwiseBwd) infos.push_back({v.name, v.isa});
  infos.push_back({kWinograd[0].name, kWinograd[0].isa});
  for (const auto& v : kGeneral) infos.push_back({v.name, v.isa});
  return register_variants("conv", infos);
}
const bool kRegistered = register_conv();

const Variant<FwdFn>& pick_fwd(const ConvGeom& g) {
  if (g.depthwise()) return pick(kDepthwise);
  return winograd_applies(g) ? pick(kWinograd) : pick(kGeneral);
}

bool use_ref() { return active_isa() == Isa::ref; }

// Direct depthwise gradients when there are several groups; with one group (C == 1, as LeNet's
// first layer) the GEMM has M = K rows and wins.
bool direct_bwd(const ConvGeom& g) { return g.depthwise() && g.G > 1; }

}  // namespace

const char* conv_fwd_f32_variant(const ConvGeom& g) { return pick_fwd(g).name; }

size_t conv_workspace_floats(const ConvGeom& g, ConvPass pass, int threads) {
  if (use_ref() || (pass == ConvPass::forward ? g.depthwise() : direct_bwd(g))) return 0;
  if (pass == ConvPass::forward && winograd_applies(g))
    return winograd_workspace_floats(g, threads);
  const Plan p = plan(g, pass, threads);
  return (p.col + p.buf + p.part) * p.threads;
}

void conv_fwd_f32(const ConvGeom& g, const float* x, const float* w, const float* bias, float* y,
                  Activation act, float* work, int threads) {
  pick_fwd(g).fn(g, x, w, bias, y, act, work, threads);
}

// dy is (N,K,Do,Ho,Wo), w is (K,C/G,Kd,Kh,Kw), dx is (N,C,Di,Hi,Wi); per item
// col (rows, cols) = w_g^T (rows, Kg) @ dy_g (Kg, cols), then col2im scatters col into dx.
void conv_bwd_data_f32(const ConvGeom& g, const float* dy, const float* w, float* dx, float* work,
                       int threads) {
  if (use_ref()) return conv_bwd_data_ref<float>(g, dy, w, dx);
  if (direct_bwd(g)) return pick(kDepthwiseBwd).fn.data(g, dy, w, dx);
  const Plan p = plan(g, ConvPass::backward_data, threads);
  const int64_t Cg = g.Cg(), Kg = g.Kg(), IS = g.in_size(), OS = g.out_size();
  const int64_t rows = g.col_rows();
  for_items(p, [&](int64_t i, int tid) {
    const Item it = item(g, p, i, tid, work);
    int64_t ld;
    const float* dyg = gather_dy(g, it, dy, &ld);
    const float* wg = w + it.gi * Kg * rows;
    float* dx0 = dx + (it.n0 * g.C + it.gi * Cg) * IS;
    if (g.pointwise() && it.m == 1) {
      gemm_f32(true, false, rows, OS, Kg, 1.f, wg, rows, dyg, ld, 0.f, dx0, OS);
      return;
    }
    if (it.m == 1 && g.col_rows() * OS > kL2Floats) {
      for (int64_t c = 0; c < Cg; ++c) std::memset(dx0 + c * IS, 0, sizeof(float) * IS);
      const bool banded = for_bands(g, it, [&](int64_t r0, int64_t r1, int64_t cols) {
        gemm_f32(true, false, rows, cols, Kg, 1.f, wg, rows, dyg + r0 * g.out[2], ld, 0.f, it.col,
                 cols);
        col2im_rows_f32(g, it.col, cols, dx0, r0, r1);
      });
      if (banded) return;
    }
    gemm_f32(true, false, rows, it.cols, Kg, 1.f, wg, rows, dyg, ld, 0.f, it.col, it.cols);
    for (int64_t j = 0; j < it.m; ++j) {
      float* dxj = dx0 + j * g.C * IS;
      for (int64_t c = 0; c < Cg; ++c) std::memset(dxj + c * IS, 0, sizeof(float) * IS);
      col2im_f32(g, it.col + j * OS, it.cols, dxj);
    }
  });
}

// x is (N,C,Di,Hi,Wi), dy is (N,K,Do,Ho,Wo), dw is (K,C/G,Kd,Kh,Kw), db is (K) or null; per item
// dw_g (Kg, rows) += dy_g (Kg, cols) @ col^T (cols, rows), summed over images.
void conv_bwd_weight_f32(const ConvGeom& g, const float* x, const float* dy, float* dw, float* db,
                         float* work, int threads) {
  if (use_ref()) return conv_bwd_weight_ref<float>(g, x, dy, dw, db);
  if (direct_bwd(g)) {
    pick(kDepthwiseBwd).fn.weight(g, x, dy, dw);
    if (db) conv_bias_grad<float>(g, dy, db);
    return;
  }
  const Plan p = plan(g, ConvPass::backward_weight, threads);
  const int64_t Kg = g.Kg(), rows = g.col_rows(), wsize = g.K * rows;
  float* partial = work + (p.col + p.buf) * p.threads;  // threads > 1: one dw per thread
  if (p.threads > 1)
    std::memset(partial, 0, sizeof(float) * wsize * p.threads);
  else
    std::memset(dw, 0, sizeof(float) * wsize);
  for_items(p, [&](int64_t i, int tid) {
    const Item it = item(g, p, i, tid, work);
    int64_t ld;
    const float* dyg = gather_dy(g, it, dy, &ld);
    float* acc = (p.threads > 1 ? partial + tid * wsize : dw) + it.gi * Kg * rows;
    const float* x0 = x + (it.n0 * g.C + it.gi * g.Cg()) * g.in_size();
    const bool banded = for_bands(g, it, [&](int64_t r0, int64_t r1, int64_t cols) {
      im2col_rows_f32(g, x0, it.col, cols, r0, r1);
      gemm_f32(false, true, Kg, rows, cols, 1.f, dyg + r0 * g.out[2], ld, it.col, cols, 1.f, acc,
               rows);
    });
    if (banded) return;
    const float* col = columns(g, it, x);
    const int64_t ldc = g.pointwise() && it.m == 1 ? g.out_size() : it.cols;
    gemm_f32(false, true, Kg, rows, it.cols, 1.f, dyg, ld, col, ldc, 1.f, acc, rows);
  });
  if (p.threads > 1) {
#pragma omp parallel for schedule(static) num_threads(p.threads)
    for (int64_t i = 0; i < wsize; ++i) {
      float s = 0.f;
      for (int t = 0; t < p.threads; ++t) s += partial[t * wsize + i];
      dw[i] = s;
    }
  }
  if (db) conv_bias_grad<float>(g, dy, db);
}

}  // namespace pg::kernels
