// Dispatch of the elementwise kernels: one variant table per op (relu_f32_avx512 ...
// relu_f32_ref), registered as family "eltwise", and the OpenMP chunking of long arrays.
#include <omp.h>

#include <algorithm>

#include "kernels/cpu.h"
#include "kernels/eltwise/eltwise.h"

namespace pg::kernels {
namespace {

#ifdef PYGRAPH_SIMD
constexpr size_t kVariants = 4;
#define PG_SIMD_ROWS(name, fn) \
  {name "_f32_avx512", Isa::avx512, fn##_avx512}, {name "_f32_avx2", Isa::avx2, fn##_avx2},
#else
constexpr size_t kVariants = 2;
#define PG_SIMD_ROWS(name, fn)
#endif
#define PG_ROWS(name, fn, reffn)                                               \
  {PG_SIMD_ROWS(name, fn){name "_f32_portable", Isa::portable, fn##_portable}, \
   {name "_f32_ref", Isa::ref, reffn}},

const Variant<UnaryFn> kUnary[][kVariants] = {
#define PG_ROW(op) PG_ROWS(#op, unary_f32, &unary_ref<float>)
    PG_ELTWISE_UNARY(PG_ROW)
#undef PG_ROW
};
const Variant<UnaryBackwardFn> kUnaryBackward[][kVariants] = {
#define PG_ROW(op) PG_ROWS(#op "_backward", unary_backward_f32, &unary_backward_ref<float>)
    PG_ELTWISE_UNARY(PG_ROW)
#undef PG_ROW
};
const Variant<BinaryFn> kBinary[][kVariants] = {
    PG_ROWS("add", binary_f32, &binary_ref<float>)  //
    PG_ROWS("sub", binary_f32, &binary_ref<float>)  //
    PG_ROWS("mul", binary_f32, &binary_ref<float>)  //
    PG_ROWS("div", binary_f32, &binary_ref<float>)  //
};
static_assert(sizeof(kUnary) / sizeof(kUnary[0]) == static_cast<size_t>(Unary::count));
static_assert(sizeof(kBinary) / sizeof(kBinary[0]) == static_cast<size_t>(Binary::count));

bool register_all() {
  for (const auto& row : kUnary) register_table("eltwise", row);
  for (const auto& row : kUnaryBackward) register_table("eltwise", row);
  for (const auto& row : kBinary) register_table("eltwise", row);
  return true;
}
const bool kRegistered = register_all();

// Arrays of at least kParallelMin elements are split into kChunk pieces over the threads.
// Elementwise results do not depend on the split.
constexpr int64_t kChunk = 16384;
constexpr int64_t kParallelMin = 65536;

template <class F>
void chunked(int64_t n, const F& f) {
  if (n < kParallelMin || omp_in_parallel() || omp_get_max_threads() == 1) {
    f(0, n);
    return;
  }
  const int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < chunks; ++c) f(c * kChunk, std::min(kChunk, n - c * kChunk));
}

}  // namespace

const char* unary_variant(Unary op) { return pick(kUnary[static_cast<int>(op)]).name; }

template <>
void unary<float>(Unary op, int64_t n, const float* x, float* y, const UnaryArgs<float>& a) {
  const UnaryFn fn = pick(kUnary[static_cast<int>(op)]).fn;
  chunked(n, [&](int64_t b, int64_t m) { fn(op, m, x + b, y + b, a); });
}
template <>
void unary<double>(Unary op, int64_t n, const double* x, double* y, const UnaryArgs<double>& a) {
  chunked(n, [&](int64_t b, int64_t m) { unary_ref<double>(op, m, x + b, y + b, a); });
}

template <>
void unary_backward<float>(Unary op, int64_t n, const float* gy, const float* x, float* gx,
                           const UnaryArgs<float>& a) {
  const UnaryBackwardFn fn = pick(kUnaryBackward[static_cast<int>(op)]).fn;
  chunked(n, [&](int64_t b, int64_t m) { fn(op, m, gy + b, x + b, gx + b, a); });
}
template <>
void unary_backward<double>(Unary op, int64_t n, const double* gy, const double* x, double* gx,
                            const UnaryArgs<double>& a) {
  chunked(n, [&](int64_t b, int64_t m) {
    unary_backward_ref<double>(op, m, gy + b, x + b, gx + b, a);
  });
}

template <>
void binary<float>(Binary op, int64_t n, const float* a, int64_t sa, const float* b, int64_t sb,
                   float* y) {
  const BinaryFn fn = pick(kBinary[static_cast<int>(op)]).fn;
  chunked(n, [&](int64_t s, int64_t m) { fn(op, m, a + s * sa, sa, b + s * sb, sb, y + s); });
}
template <>
void binary<double>(Binary op, int64_t n, const double* a, int64_t sa, const double* b, int64_t sb,
                    double* y) {
  chunked(n, [&](int64_t s, int64_t m) {
    binary_ref<double>(op, m, a + s * sa, sa, b + s * sb, sb, y + s);
  });
}

}  // namespace pg::kernels
