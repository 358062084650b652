// Winograd F(2x2, 3x3) for 3x3 stride-1 2-D convolutions: each 4x4 input tile and each 3x3
// filter go to a 4x4 transform domain where the convolution is 16 independent GEMMs
// (K x C) @ (C x tiles), 2.25x fewer multiplies than im2col. The transforms are row-vector
// loops over a row of tiles, written for the auto-vectoriser.
#include <omp.h>

#include <algorithm>
#include <cstring>

#include "kernels/conv/conv.h"

namespace pg::kernels {
namespace {

struct Wino {
  int64_t TP, TQ, tiles, nb, T;  // tile rows/cols per image, per image, images per chunk, per chunk
  int64_t rowbuf;                // floats of per-thread row scratch
};

Wino wino(const ConvGeom& g) {
  Wino w;
  w.TP = (g.out[1] + 1) / 2;
  w.TQ = (g.out[2] + 1) / 2;
  w.tiles = w.TP * w.TQ;
  w.nb = std::min<int64_t>(g.N, std::max<int64_t>(1, (512 + w.tiles - 1) / w.tiles));
  w.T = w.nb * w.tiles;
  w.rowbuf = 24 * (w.TQ + 1);
  return w;
}

// U[xi][k][c] (16, K, Cg) = G g G^T for every filter g = w[k][c] (3x3).
void transform_weights(const ConvGeom& g, const float* w, float* U) {
  const int64_t P = g.K * g.Cg();
#pragma omp parallel for schedule(static) if (P > 4096)
  for (int64_t p = 0; p < P; ++p) {
    const float* f = w + p * 9;
    float a[4][3];
    for (int s = 0; s < 3; ++s) {
      a[0][s] = f[s];
      a[1][s] = 0.5f * (f[s] + f[3 + s] + f[6 + s]);
      a[2][s] = 0.5f * (f[s] - f[3 + s] + f[6 + s]);
      a[3][s] = f[6 + s];
    }
    for (int i = 0; i < 4; ++i) {
      U[(i * 4 + 0) * P + p] = a[i][0];
      U[(i * 4 + 1) * P + p] = 0.5f * (a[i][0] + a[i][1] + a[i][2]);
      U[(i * 4 + 2) * P + p] = 0.5f * (a[i][0] - a[i][1] + a[i][2]);
      U[(i * 4 + 3) * P + p] = a[i][2];
    }
  }
}

// V[xi][c][t] (16, C, T) = B^T d B for the 4x4 input tiles d of images [n0, n0 + m).
void transform_input(const ConvGeom& g, const Wino& wn, const float* x, int64_t n0, int64_t m,
                     float* V, float* scratch) {
  const int64_t Hi = g.in[1], Wi = g.in[2], pt = g.pad[1], pl = g.pad[2], TQ = wn.TQ;
  const int64_t CT = g.C * wn.T, jobs = m * g.C;
#pragma omp parallel for schedule(static) if (jobs > 1)
  for (int64_t job = 0; job < jobs; ++job) {
    const int64_t j = job / g.C, c = job % g.C;
    float* R = scratch + omp_get_thread_num() * wn.rowbuf;  // R[k][q][tw]: 4 rows x 4 cols
    float* e = R + 16 * (TQ + 1);                           // even / odd input columns
    float* o = e + 4 * (TQ + 1);
    const float* xc = x + ((n0 + j) * g.C + c) * Hi * Wi;
    for (int64_t th = 0; th < wn.TP; ++th) {
      for (int k = 0; k < 4; ++k) {  // row transform of input row 2th + k - pt
        const int64_t h = 2 * th + k - pt;
        float* r = R + k * 4 * (TQ + 1);
        if (h < 0 || h >= Hi) {
          std::memset(r, 0, sizeof(float) * 4 * (TQ + 1));
          continue;
        }
        const float* xr = xc + h * Wi;
        auto edge = [&](int64_t t) {
          const int64_t ce = 2 * t - pl, co = ce + 1;
          e[t] = (ce >= 0 && ce < Wi) ? xr[ce] : 0.f;
          o[t] = (co >= 0 && co < Wi) ? xr[co] : 0.f;
        };
        // Columns t in [t0, t1) read inside the row: a plain de-interleave the compiler vectorises.
        const int64_t t0 = std::min<int64_t>((pl + 1) / 2, TQ + 1);
        const int64_t t1 = std::max<int64_t>(t0, std::min<int64_t>(TQ + 1, (Wi - 2 + pl) / 2 + 1));
        for (int64_t t = 0; t < t0; ++t) edge(t);
        const float* xs = xr + 2 * t0 - pl;
        for (int64_t t = t0; t < t1; ++t) {
          e[t] = xs[2 * (t - t0)];
          o[t] = xs[2 * (t - t0) + 1];
        }
        for (int64_t t = t1; t <= TQ; ++t) edge(t);
        float *r0 = r, *r1 = r + (TQ + 1), *r2 = r + 2 * (TQ + 1), *r3 = r + 3 * (TQ + 1);
        for (int64_t t = 0; t < TQ; ++t) {
          r0[t] = e[t] - e[t + 1];
          r1[t] = o[t] + e[t + 1];
          r2[t] = e[t + 1] - o[t];
          r3[t] = o[t] - o[t + 1];
        }
      }
      float* out = V + c * wn.T + j * wn.tiles + th * TQ;
      for (int q = 0; q < 4; ++q) {  // column transform, one transform column q at a time
        const float* a0 = R + (0 * 4 + q) * (TQ + 1);
        const float* a1 = R + (1 * 4 + q) * (TQ + 1);
        const float* a2 = R + (2 * 4 + q) * (TQ + 1);
        const float* a3 = R + (3 * 4 + q) * (TQ + 1);
        float* v0 = out + (0 * 4 + q) * CT;
        float* v1 = out + (1 * 4 + q) * CT;
        float* v2 = out + (2 * 4 + q) * CT;
        float* v3 = out + (3 * 4 + q) * CT;
        for (int64_t t = 0; t < TQ; ++t) {
          v0[t] = a0[t] - a2[t];
          v1[t] = a1[t] + a2[t];
          v2[t] = a2[t] - a1[t];
          v3[t] = a1[t] - a3[t];
        }
      }
    }
  }
}

// y = act(A^T m A + bias) for the 2x2 output tiles of images [n0, n0 + m); M is (16, K, T).
void transform_output(const ConvGeom& g, const Wino& wn, const float* M, const float* bias,
                      Activation act, int64_t n0, int64_t m, float* y, float* scratch) {
  const int64_t P = g.out[1], Q = g.out[2], TQ = wn.TQ, KT = g.K * wn.T, jobs = m * g.K;
#pragma omp parallel for schedule(static) if (jobs > 1)
  for (int64_t job = 0; job < jobs; ++job) {
    const int64_t j = job / g.K, k = job % g.K;
    float* s = scratch + omp_get_thread_num() * wn.rowbuf;  // s[a][q][tw]
    float* yk = y + ((n0 + j) * g.K + k) * P * Q;
    const float b = bias ? bias[k] : 0.f;
    for (int64_t th = 0; th < wn.TP; ++th) {
      const float* in = M + k * wn.T + j * wn.tiles + th * TQ;
      for (int q = 0; q < 4; ++q) {
        const float* m0 = in + (0 * 4 + q) * KT;
        const float* m1 = in + (1 * 4 + q) * KT;
        const float* m2 = in + (2 * 4 + q) * KT;
        const float* m3 = in + (3 * 4 + q) * KT;
        float* s0 = s + q * TQ;
        float* s1 = s + (4 + q) * TQ;
        for (int64_t t = 0; t < TQ; ++t) {
          s0[t] = m0[t] + m1[t] + m2[t];
          s1[t] = m1[t] - m2[t] - m3[t];
        }
      }
      for (int a = 0; a < 2 && 2 * th + a < P; ++a) {
        const float* sa = s + a * 4 * TQ;
        float* ye = s + 8 * TQ;  // even and odd output columns
        float* yo = ye + TQ;
        for (int64_t t = 0; t < TQ; ++t) {
          ye[t] = sa[t] + sa[TQ + t] + sa[2 * TQ + t] + b;
          yo[t] = sa[TQ + t] - sa[2 * TQ + t] - sa[3 * TQ + t] + b;
        }
        float* yr = yk + (2 * th + a) * Q;
        for (int64_t t = 0; t < TQ; ++t) {
          yr[2 * t] = apply_activation(ye[t], act, 0.01f);
          if (2 * t + 1 < Q) yr[2 * t + 1] = apply_activation(yo[t], act, 0.01f);
        }
      }
    }
  }
}

}  // namespace

bool winograd_applies(const ConvGeom& g) {
  const bool shape = g.in[0] == 1 && g.ker[0] == 1 && g.ker[1] == 3 && g.ker[2] == 3 &&
                     g.stride[1] == 1 && g.stride[2] == 1 && g.dil[1] == 1 && g.dil[2] == 1;
  // Thin GEMMs (few channels) or few tiles lose more to the transforms than they save
  // (measured: 1.1-1.5x over im2col from 512 tiles on, no gain below).
  return shape && g.G == 1 && g.C >= 16 && g.K >= 16 &&
         g.N * ((g.out[1] + 1) / 2) * ((g.out[2] + 1) / 2) >= 512;
}

size_t winograd_workspace_floats(const ConvGeom& g, int threads) {
  const Wino wn = wino(g);
  return static_cast<size_t>(16 * g.K * g.C + 16 * g.C * wn.T + 16 * g.K * wn.T +
                             wn.rowbuf * std::max(threads, 1));
}

// x is (N,C,H,W), w is (K,C,3,3), y is (N,K,P,Q) with stride 1 (groups 1)
void conv_f32_winograd_f2x3(const ConvGeom& g, const float* x, const float* w, const float* bias,
                            float* y, Activation act, float* work, int threads) {
  const Wino wn = wino(g);
  float* U = work;
  float* V = U + 16 * g.K * g.C;
  float* M = V + 16 * g.C * wn.T;
  float* scratch = M + 16 * g.K * wn.T;
  (void)threads;  // the transforms' OpenMP loops and the GEMMs pick their own threads
  transform_weights(g, w, U);
  for (int64_t n0 = 0; n0 < g.N; n0 += wn.nb) {
    const int64_t m = std::min(wn.nb, g.N - n0);
    transform_input(g, wn, x, n0, m, V, scratch);
    // 16 GEMMs M[xi] (K, tiles) = U[xi] (K, C) @ V[xi] (C, tiles), each threaded inside.
    // (Not gemm_batched_f32: at 2 threads it measured 6-17x slower than this loop here.)
    for (int xi = 0; xi < 16; ++xi)
      gemm_f32(false, false, g.K, m * wn.tiles, g.C, 1.f, U + xi * g.K * g.C, g.C,
               V + xi * g.C * wn.T, wn.T, 0.f, M + xi * g.K * wn.T, wn.T);
    transform_output(g, wn, M, bias, act, n0, m, y, scratch);
  }
}

}  // namespace pg::kernels
