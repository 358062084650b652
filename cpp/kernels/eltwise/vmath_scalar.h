// The vmath algorithms (vmath_body.h) on one float at a time, for the portable variant: the
// same numerics as the SIMD variants, in plain C++ the compiler may vectorise at SSE2.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace {
namespace vm {

using V = float;
using M = bool;
using VI = int32_t;
constexpr int kWidth = 1;

inline V set1(float a) { return a; }
inline VI set1_i(int a) { return a; }
inline V load(const float* p) { return *p; }
inline void store(float* p, V v) { *p = v; }
inline V add(V a, V b) { return a + b; }
inline V sub(V a, V b) { return a - b; }
inline V mul(V a, V b) { return a * b; }
inline V div(V a, V b) { return a / b; }
inline V sqrt(V a) { return std::sqrt(a); }
inline V fma(V a, V b, V c) { return std::fma(a, b, c); }
inline V fnma(V a, V b, V c) { return std::fma(-a, b, c); }
inline V fms(V a, V b, V c) { return std::fma(a, b, -c); }
inline V min(V a, V b) { return a < b ? a : b; }  // b when either is NaN, as minps
inline V max(V a, V b) { return a > b ? a : b; }
inline V abs(V a) { return std::fabs(a); }
inline V neg(V a) { return -a; }
inline V copysign(V mag, V sgn) { return std::copysign(mag, sgn); }
inline M lt(V a, V b) { return a < b; }
inline M le(V a, V b) { return a <= b; }
inline M gt(V a, V b) { return a > b; }
inline M eq(V a, V b) { return a == b; }
inline M isnan(V a) { return a != a; }
inline V select(M m, V t, V f) { return m ? t : f; }
inline V round_nearest(V a) { return std::nearbyint(a); }
inline VI to_int(V a) { return static_cast<VI>(a); }
inline V to_float(VI a) { return static_cast<float>(a); }
inline VI srai1(VI a) { return a >> 1; }
inline VI srli23(VI a) { return static_cast<VI>(static_cast<uint32_t>(a) >> 23); }
inline VI sub_i(VI a, VI b) { return a - b; }
inline VI and_i(VI a, VI b) { return a & b; }
inline VI or_i(VI a, VI b) { return a | b; }
inline VI as_int(V a) {
  VI i;
  std::memcpy(&i, &a, 4);
  return i;
}
inline V as_float(VI a) {
  V f;
  std::memcpy(&f, &a, 4);
  return f;
}
inline V pow2i(VI n) { return as_float((n + 127) << 23); }
inline V load_partial(const float* p, int) { return *p; }
inline void store_partial(float* p, V v, int) { *p = v; }

// p * 2^n for integral n in [-150, 128]: two halves, each a normal power of two, so n = 128
// overflows only when the product does and tiny results round once into the subnormals.
inline V scale2n(V p, V n) {
  const VI ni = to_int(n);
  const VI n1 = srai1(ni);
  return mul(mul(p, pow2i(n1)), pow2i(sub_i(ni, n1)));
}

#include "kernels/eltwise/vmath_body.h"

}  // namespace vm
}  // namespace
