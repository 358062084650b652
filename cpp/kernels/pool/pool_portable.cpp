// Portable pooling variants: the loops of pool_simd.h over an 8-lane array type in plain C++,
// which the compiler vectorises at the baseline ISA (SSE2 on x86-64).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/pool/pool.h"

namespace pg::kernels {
namespace {

struct VPortable {
  static constexpr int N = 8;
  struct F {
    float v[N];
  };
  struct I {
    int32_t v[N];
  };
  struct M {  // int32 lanes (not bool) so that selects vectorise like the float lanes
    int32_t v[N];
  };
  static F loadu(const float* p) {
    F r;
    std::memcpy(r.v, p, sizeof r.v);
    return r;
  }
  static F load_stride(const float* p, int64_t s, int n) {
    F r;
    if (n == N && s == 1) return loadu(p);
    if (n == N && s == 2) {
      for (int i = 0; i < N; ++i) r.v[i] = p[2 * i];
      return r;
    }
    for (int i = 0; i < N; ++i) r.v[i] = i < n ? p[i * s] : 0.f;
    return r;
  }
  static void store(float* p, const F& a, int n) {
    for (int i = 0; i < n; ++i) p[i] = a.v[i];
  }
  static void add_stride(float* p, int64_t s, const F& a) {
    for (int i = 0; i < N; ++i) p[i * s] += a.v[i];
  }
  static F vmax(const F& a, const F& b) {
    F r;
    for (int i = 0; i < N; ++i) r.v[i] = a.v[i] > b.v[i] ? a.v[i] : b.v[i];
    return r;
  }
  static void interleave_store(float* p, const F& a, const F& b, int n) {
    for (int i = 0; i < n; ++i) p[2 * i] = a.v[i], p[2 * i + 1] = b.v[i];
  }
  static M eq(const F& a, const F& b) {
    M m;
    for (int i = 0; i < N; ++i) m.v[i] = a.v[i] == b.v[i];
    return m;
  }
  static F set1(float x) {
    F r;
    for (int i = 0; i < N; ++i) r.v[i] = x;
    return r;
  }
  static F add(const F& a, const F& b) {
    F r;
    for (int i = 0; i < N; ++i) r.v[i] = a.v[i] + b.v[i];
    return r;
  }
  static F div(const F& a, const F& b) {
    F r;
    for (int i = 0; i < N; ++i) r.v[i] = a.v[i] / b.v[i];
    return r;
  }
  static M takes(const F& x, const F& best) {
    M m;
    for (int i = 0; i < N; ++i) m.v[i] = (x.v[i] > best.v[i]) | (x.v[i] != x.v[i]);
    return m;
  }
  static F blend(const M& m, const F& a, const F& b) {
    F r;
    for (int i = 0; i < N; ++i) r.v[i] = m.v[i] ? b.v[i] : a.v[i];
    return r;
  }
  static I blendi(const M& m, const I& a, const I& b) {
    I r;
    for (int i = 0; i < N; ++i) r.v[i] = m.v[i] ? b.v[i] : a.v[i];
    return r;
  }
  static I seti(int64_t x) {
    I r;
    for (int i = 0; i < N; ++i) r.v[i] = static_cast<int32_t>(x);
    return r;
  }
  static I iota(int64_t s) {
    I r;
    for (int i = 0; i < N; ++i) r.v[i] = static_cast<int32_t>(i * s);
    return r;
  }
  static I addi(const I& a, const I& b) {
    I r;
    for (int i = 0; i < N; ++i) r.v[i] = a.v[i] + b.v[i];
    return r;
  }
  static void store_idx(int64_t* p, const I& a, int n) {
    for (int i = 0; i < n; ++i) p[i] = a.v[i];
  }
  static float hsum(const F& a) {
    float s = 0;
    for (int i = 0; i < N; ++i) s += a.v[i];
    return s;
  }
  static float hmax(const F& a) {
    float m = a.v[0];
    for (int i = 1; i < N; ++i) m = a.v[i] > m ? a.v[i] : m;
    return m;
  }
};

#include "kernels/pool/pool_simd.h"

}  // namespace

PG_POOL_DEFINE_VARIANTS(portable, VPortable)

}  // namespace pg::kernels
