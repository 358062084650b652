// The blocked GEMM driver (BLIS-style): the portable framework around the per-ISA microkernels.
//   for jc in N step NC:            B block (KC x NC) packed into NR-column panels  -> L3
//     for pc in K step KC:
//       for ic in M step MC:        A block (MC x KC) packed into MR-row panels     -> L2
//         for jr in NC step NR:     one B panel stays in L1 while ...
//           for ir in MC step MR:   ... the microkernel sweeps the A panels
// beta applies at the first K block, the epilogue (bias, activation) at the last. Edge tiles go
// straight into C when the variant has an edge kernel (AVX-512: fewer rows, masked columns),
// otherwise the full microkernel writes a local tile that scalar code merges. Threads split C
// into column (or row) ranges that run this serial algorithm with per-thread packing buffers.
// Small M (or small N, by transposing the problem) takes a streaming GEMV-like path instead.
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>

#include "kernels/cpu.h"
#include "kernels/gemm/gemm.h"
#include "kernels/gemm/gemm_kernels.h"

namespace pg::kernels {
namespace gemm_detail {
namespace {

// A per-thread scratch buffer, 64-byte aligned, grown on demand and reused across calls.
struct Scratch {
  float* p = nullptr;
  size_t cap = 0;
  float* get(size_t n) {
    if (n > cap) {
      std::free(p);
      const size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
      p = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (!p) {
        cap = 0;
        throw std::bad_alloc();
      }
      cap = n;
    }
    return p;
  }
  ~Scratch() { std::free(p); }
};
thread_local Scratch tl_pack_a, tl_pack_b, tl_small_out, tl_small_a;

// Runs body() inside a parallel region; an exception (bad_alloc of a buffer) is carried out
// of the region and rethrown on the calling thread instead of terminating the process.
template <class F>
void guarded(std::exception_ptr& error, F&& body) {
  try {
    body();
  } catch (...) {
#pragma omp critical(pg_gemm_error)
    if (!error) error = std::current_exception();
  }
}

// Problems below this many multiply-adds run on one thread.
constexpr int64_t kParallelMacs = 1 << 20;
// Small NN problems (operands in L1/L2) skip packing when the variant can.
constexpr int64_t kDirectMacs = 128 * 128 * 128;
// M (or N) at most this many rows goes to the streaming small-M path.
constexpr int64_t kSmallM = 4;

// Merges a raw product tile into C following TileArgs; tile element (i, j) is at
// tile[i * trs + j * tcs]. Used for edge tiles and the small-M path.
void merge_tile(const float* tile, int64_t trs, int64_t tcs, int64_t mr, int64_t nr, float* c,
                int64_t ldc, const TileArgs& t) {
  for (int64_t i = 0; i < mr; ++i) {
    float* ci = c + i * ldc;
    const float* ti = tile + i * trs;
    const float br = t.bias_row ? t.bias_row[i] : 0.f;
    for (int64_t j = 0; j < nr; ++j) {
      float v = t.alpha * ti[j * tcs];
      if (t.beta != 0.f) v += t.beta * ci[j];
      v += br;
      if (t.bias_col) v += t.bias_col[j];
      ci[j] = apply_activation(v, t.act, t.slope);
    }
  }
}

TileArgs tile_args(float alpha, float beta, const Epilogue<float>& ep, bool last, int64_t i,
                   int64_t j) {
  TileArgs t;
  t.alpha = alpha;
  t.beta = beta;
  if (last) {
    if (ep.bias) (ep.bias_per_row ? t.bias_row = ep.bias + i : t.bias_col = ep.bias + j);
    t.act = ep.act;
    t.slope = ep.slope;
  }
  return t;
}

// The serial blocked algorithm on one (sub)problem; K >= 1.
template <int MR, int NR>
void gemm_blocked(const GemmKernels& kn, bool ta, bool tb, int64_t M, int64_t N, int64_t K,
                  float alpha, const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
                  float* C, int64_t ldc, const Epilogue<float>& ep) {
  // One M block: the packed B block is used once per K block, keep it in L2 (<= 1024 columns).
  const int64_t KC = kn.kc, MC = kn.mc / MR * MR;
  const int64_t NC = (M <= MC ? std::min<int64_t>(kn.nc, 1024) : kn.nc) / NR * NR;
  float* pa = tl_pack_a.get(static_cast<size_t>(MC * KC));
  float* pb = tl_pack_b.get(static_cast<size_t>(std::min(NC, (N + NR - 1) / NR * NR) * KC));
  alignas(64) float tile[MR * NR];
  for (int64_t jc = 0; jc < N; jc += NC) {
    const int64_t nb = std::min(NC, N - jc);
    for (int64_t pc = 0; pc < K; pc += KC) {
      const int64_t kb = std::min(KC, K - pc);
      const bool last = pc + kb == K;
      const float beta_k = pc == 0 ? beta : 1.f;
      kn.pack_b(tb, B, ldb, jc, nb, pc, kb, pb);
      for (int64_t ic = 0; ic < M; ic += MC) {
        const int64_t mb = std::min(MC, M - ic);
        kn.pack_a(ta, A, lda, ic, mb, pc, kb, pa);
        for (int64_t jr = 0; jr < nb; jr += NR) {
          const int64_t nr = std::min<int64_t>(NR, nb - jr);
          const float* bp = pb + jr * kb;  // packed panel: row stride NR
          for (int64_t ir = 0; ir < mb; ir += MR) {
            const int64_t mr = std::min<int64_t>(MR, mb - ir);
            const int64_t i = ic + ir, j = jc + jr;
            const TileArgs t = tile_args(alpha, beta_k, ep, last, i, j);
            float* c = C + i * ldc + j;
            if (mr == MR && nr == NR) {
              kn.ukernel(kb, pa + ir * kb, bp, NR, c, ldc, t);
            } else if (kn.edge) {
              kn.edge(kb, pa + ir * kb, bp, NR, c, ldc, t, mr, nr);
            } else {
              kn.ukernel(kb, pa + ir * kb, bp, NR, tile, NR, TileArgs{});
              merge_tile(tile, NR, 1, mr, nr, c, ldc, t);
            }
          }
        }
      }
    }
  }
}

void blocked(const GemmKernels& kn, bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha,
             const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
             int64_t ldc, const Epilogue<float>& ep) {
  // One instantiation per tile shape in the variant table (a new variant adds its line here).
  if (kn.mr == 14 && kn.nr == 32)
    gemm_blocked<14, 32>(kn, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
  else if (kn.mr == 6 && kn.nr == 16)
    gemm_blocked<6, 16>(kn, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
  else if (kn.mr == 6 && kn.nr == 8)
    gemm_blocked<6, 8>(kn, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
  else
    gemm_ref<float>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
}

// Splits C into nt column ranges (or row ranges when M has more tiles) that run in parallel.
void blocked_parallel(const GemmKernels& kn, int nt, bool ta, bool tb, int64_t M, int64_t N,
                      int64_t K, float alpha, const float* A, int64_t lda, const float* B,
                      int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue<float>& ep) {
  const bool split_n = (N + kn.nr - 1) / kn.nr >= (M + kn.mr - 1) / kn.mr;
  const int64_t unit = split_n ? kn.nr : kn.mr, extent = split_n ? N : M;
  const int64_t units = (extent + unit - 1) / unit;
  nt = static_cast<int>(std::min<int64_t>(nt, units));
  if (nt <= 1) return blocked(kn, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
  std::exception_ptr error;
#pragma omp parallel num_threads(nt)
  guarded(error, [&] {
    const int tid = omp_get_thread_num(), nthr = omp_get_num_threads();
    const int64_t per = (units + nthr - 1) / nthr;
    const int64_t lo = std::min(extent, tid * per * unit);
    const int64_t hi = std::min(extent, (tid + 1) * per * unit);
    if (lo < hi) {
      Epilogue<float> e = ep;
      if (split_n) {
        if (e.bias && !e.bias_per_row) e.bias += lo;
        blocked(kn, ta, tb, M, hi - lo, K, alpha, A, lda, tb ? B + lo * ldb : B + lo, ldb, beta,
                C + lo, ldc, e);
      } else {
        if (e.bias && e.bias_per_row) e.bias += lo;
        blocked(kn, ta, tb, hi - lo, N, K, alpha, ta ? A + lo : A + lo * lda, lda, B, ldb, beta,
                C + lo * ldc, ldc, e);
      }
    }
  });
  if (error) std::rethrow_exception(error);
}

// The streaming path for M <= kSmallM (or N <= kSmallM, solved as C^T = op(B)^T op(A)^T).
// Computes the raw product into a row-contiguous buffer (or straight into C when beta == 0 and
// nothing is flipped), then merges alpha, beta and the epilogue in.
void small(const GemmKernels& kn, int nt, bool ta, bool tb, int64_t M, int64_t N, int64_t K,
           float alpha, const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
           float* C, int64_t ldc, const Epilogue<float>& ep) {
  const bool flip = M > kSmallM;  // then N is small: swap the roles of A and B
  const int64_t Ms = flip ? N : M, Ns = flip ? M : N;
  // Rows of the small operand op(As) must be contiguous; gather them otherwise.
  const float* As = flip ? B : A;
  int64_t las = flip ? ldb : lda;
  const bool as_trans = flip ? !tb : ta;
  const float* Bs = flip ? A : B;
  const int64_t lbs = flip ? lda : ldb;
  const bool bs_trans = flip ? !ta : tb;  // true: Bs stored (Ns, K)
  if (as_trans) {
    float* g = tl_small_a.get(static_cast<size_t>(Ms * K));
    for (int64_t k = 0; k < K; ++k)
      for (int64_t i = 0; i < Ms; ++i) g[i * K + k] = As[k * las + i];
    As = g, las = K;
  }
  const bool direct = !flip && beta == 0.f;  // write the product straight into C
  float* out = direct ? C : tl_small_out.get(static_cast<size_t>(Ms * Ns));
  const int64_t ldo = direct ? ldc : Ns;
  const TileArgs t = tile_args(alpha, beta, ep, true, 0, 0);
  const int64_t units = (Ns + 63) / 64;
  nt = static_cast<int>(std::min<int64_t>(nt, units));
#pragma omp parallel num_threads(nt) if (nt > 1)
  {  // no allocation in here: the buffers were taken above
    const int tid = omp_get_thread_num(), nthr = omp_get_num_threads();
    const int64_t per = (units + nthr - 1) / nthr;
    const int64_t lo = std::min(Ns, tid * per * 64), hi = std::min(Ns, (tid + 1) * per * 64);
    if (lo < hi) {
      if (bs_trans)
        kn.small_nt(Ms, hi - lo, K, As, las, Bs + lo * lbs, lbs, out + lo, ldo);
      else
        kn.small_nn(Ms, hi - lo, K, As, las, Bs + lo, lbs, out + lo, ldo);
      if (!flip) {
        TileArgs tt = t;
        if (tt.bias_col) tt.bias_col += lo;
        merge_tile(out + lo, ldo, 1, Ms, hi - lo, C + lo, ldc, tt);
      } else {  // out is C^T: its columns lo..hi are C's rows
        TileArgs tt = t;
        if (tt.bias_row) tt.bias_row += lo;
        merge_tile(out + lo, 1, ldo, hi - lo, Ms, C + lo * ldc, ldc, tt);
      }
    }
  }
}

using GemmTable = Variant<const GemmKernels*>;
#ifdef PYGRAPH_SIMD
const GemmTable kGemmVariants[] = {
    {"gemm_f32_14x32_avx512", Isa::avx512, &kAvx512Kernels},
    {"gemm_f32_6x16_avx2", Isa::avx2, &kAvx2Kernels},
    {"gemm_f32_6x8_portable", Isa::portable, &kPortableKernels},
    {"gemm_f32_ref", Isa::ref, nullptr},
};
#else
const GemmTable kGemmVariants[] = {
    {"gemm_f32_6x8_portable", Isa::portable, &kPortableKernels},
    {"gemm_f32_ref", Isa::ref, nullptr},
};
#endif
const bool kRegistered = register_table("gemm", kGemmVariants);

}  // namespace
}  // namespace gemm_detail

// C (M,N) = alpha * op(A) op(B) + beta * C, then the epilogue; see gemm.h.
void gemm_f32(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
              int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
              const Epilogue<float>& ep) {
  using namespace gemm_detail;
  if (M <= 0 || N <= 0) return;
  const GemmKernels* kn = pick(kGemmVariants).fn;
  if (!kn) return gemm_ref<float>(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
  if (K <= 0) {  // no products: C = act(beta * C + bias)
    static const float zero = 0.f;
    merge_tile(&zero, 0, 0, M, N, C, ldc, tile_args(1.f, beta, ep, true, 0, 0));
    return;
  }
  int nt = omp_in_parallel() ? 1 : num_threads();
  if (M * N * K < kParallelMacs) nt = 1;
  if (kn->direct_nn && !ta && !tb && M * N * K <= kDirectMacs && K <= 512 && M > kSmallM &&
      N > kSmallM)
    return kn->direct_nn(M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
  if (M <= kSmallM || N <= kSmallM)
    small(*kn, nt, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
  else
    blocked_parallel(*kn, nt, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
}

void gemm_batched_f32(int64_t batch, bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha,
                      const float* A, int64_t sA, int64_t lda, const float* B, int64_t sB,
                      int64_t ldb, float beta, float* C, int64_t sC, int64_t ldc,
                      const Epilogue<float>& ep) {
  if (batch <= 0) return;
  const int nt = omp_in_parallel() ? 1 : num_threads();
  // Entries big enough to thread on their own run one after another; small ones in parallel.
  const bool over_batch = nt > 1 && batch >= nt && M * N * K < (int64_t(1) << 22);
  std::exception_ptr error;
#pragma omp parallel for num_threads(nt) schedule(static) if (over_batch)
  for (int64_t b = 0; b < batch; ++b)
    gemm_detail::guarded(error, [&] {
      gemm_f32(ta, tb, M, N, K, alpha, A + b * sA, lda, B + b * sB, ldb, beta, C + b * sC, ldc, ep);
    });
  if (error) std::rethrow_exception(error);
}

template <>
void gemm_batched<float>(int64_t batch, bool ta, bool tb, int64_t M, int64_t N, int64_t K,
                         float alpha, const float* A, int64_t sA, int64_t lda, const float* B,
                         int64_t sB, int64_t ldb, float beta, float* C, int64_t sC, int64_t ldc,
                         const Epilogue<float>& ep) {
  gemm_batched_f32(batch, ta, tb, M, N, K, alpha, A, sA, lda, B, sB, ldb, beta, C, sC, ldc, ep);
}

template <>
void gemm_batched<double>(int64_t batch, bool ta, bool tb, int64_t M, int64_t N, int64_t K,
                          double alpha, const double* A, int64_t sA, int64_t lda, const double* B,
                          int64_t sB, int64_t ldb, double beta, double* C, int64_t sC, int64_t ldc,
                          const Epilogue<double>& ep) {
  for (int64_t b = 0; b < batch; ++b)
    gemm_ref<double>(ta, tb, M, N, K, alpha, A + b * sA, lda, B + b * sB, ldb, beta, C + b * sC,
                     ldc, ep);
}

}  // namespace pg::kernels
