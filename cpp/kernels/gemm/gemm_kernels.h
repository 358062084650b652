// Internal to the gemm family: what one ISA variant contributes to the blocked driver
// (gemm_driver.cpp) — an MR x NR microkernel (and optionally an edge-tile kernel), its blocking
// sizes, its packing routines and the small-M streaming kernels. The driver owns the loops,
// threads and the edge-tile fallback; a variant owns registers and instructions.
#pragma once
#include <cstdint>

#include "kernels/gemm/gemm.h"

namespace pg::kernels::gemm_detail {

// How a microkernel writes its MR x NR tile of accumulators acc to C:
//   v = alpha * acc + (beta != 0 ? beta * C : 0)   (C is not read when beta == 0)
//   v += bias_row[i] (if set) + bias_col[j] (if set);  C = act(v)
// The driver passes beta = 1 and no epilogue for every K block but the first / last.
struct TileArgs {
  float alpha = 1.f;
  float beta = 0.f;
  const float* bias_row = nullptr;  // indexed by the tile's row i, already offset to the tile
  const float* bias_col = nullptr;  // indexed by the tile's column j
  Activation act = Activation::none;
  float slope = 0.01f;
};

// a is a packed (kc, MR) panel (MR floats per k), b a (kc, NR) panel with row stride ldb (the
// driver passes packed panels, ldb = NR; alignment is not assumed, so a caller may also point
// b into a row-major B); c is (MR, NR) with row stride ldc. Always computes the full tile.
using MicroKernel = void (*)(int64_t kc, const float* a, const float* b, int64_t ldb, float* c,
                             int64_t ldc, const TileArgs& t);

// An mr x nr edge tile (mr <= MR, nr <= NR) stored straight into C (optional: without it the
// driver runs the full microkernel into a buffer and merges the live part).
using EdgeKernel = void (*)(int64_t kc, const float* a, const float* b, int64_t ldb, float* c,
                            int64_t ldc, const TileArgs& t, int64_t mr, int64_t nr);

// Small-M streaming kernels, write-only out (M, N) with row stride ldo; A rows contiguous
// (stride lda). nn: B is (K, N) stride ldb. nt: B is (N, K) stride ldb (dot products).
using SmallKernel = void (*)(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
                             const float* B, int64_t ldb, float* out, int64_t ldo);

// Packs rows/columns [r0, r0+rn) x depth [k0, k0+kb) of op(X) into MR-row (A) or NR-column
// (B) panels, each (kb, MR|NR), zero-padded; `trans` says X is stored transposed.
using PackFn = void (*)(bool trans, const float* X, int64_t ldx, int64_t r0, int64_t rn, int64_t k0,
                        int64_t kb, float* dst);

// A whole small NN GEMM without packing (optional), C = act(alpha A B + beta C + bias).
using DirectKernel = void (*)(int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                              int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                              int64_t ldc, const Epilogue<float>& ep);

struct GemmKernels {
  int mr, nr;      // microkernel tile
  int kc, mc, nc;  // blocking: KC (depth, L1 panel), MC (A block, L2), NC (B block, L3)
  MicroKernel ukernel;
  EdgeKernel edge;  // may be null
  PackFn pack_a, pack_b;
  SmallKernel small_nn, small_nt;
  DirectKernel direct_nn = nullptr;  // may be null
};

extern const GemmKernels kPortableKernels;
#ifdef PYGRAPH_SIMD
extern const GemmKernels kAvx2Kernels;
extern const GemmKernels kAvx512Kernels;
#endif

}  // namespace pg::kernels::gemm_detail
