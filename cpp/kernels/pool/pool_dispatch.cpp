// Variant tables of the pool family (best first, ref last) and the dispatched float32 entry
// points. The typed front doors send double straight to the reference kernels.
#include "kernels/cpu.h"
#include "kernels/pool/pool.h"

namespace pg::kernels {

void max_pool_f32_ref(const float* x, float* y, int64_t* idx, int64_t planes, const PoolGeom& g) {
  max_pool_ref<float>(x, y, idx, planes, g);
}
void max_pool_backward_f32_ref(const float* dy, const float* x, float* dx, int64_t planes,
                               const PoolGeom& g) {
  max_pool_backward_ref<float>(dy, x, dx, planes, g);
}
void avg_pool_f32_ref(const float* x, float* y, int64_t planes, const PoolGeom& g,
                      const AvgOpts& o) {
  avg_pool_ref<float>(x, y, planes, g, o);
}
void avg_pool_backward_f32_ref(const float* dy, float* dx, int64_t planes, const PoolGeom& g,
                               const AvgOpts& o) {
  avg_pool_backward_ref<float>(dy, dx, planes, g, o);
}
void global_avg_pool_f32_ref(const float* x, float* y, int64_t planes, int64_t L) {
  global_avg_pool_ref<float>(x, y, planes, L);
}
void global_max_pool_f32_ref(const float* x, float* y, int64_t* idx, int64_t planes, int64_t L) {
  global_max_pool_ref<float>(x, y, idx, planes, L);
}

namespace {

#ifdef PYGRAPH_SIMD
#define PG_SIMD_ROWS(op) \
  {#op "_f32_avx512", Isa::avx512, op##_f32_avx512}, {#op "_f32_avx2", Isa::avx2, op##_f32_avx2},
#else
#define PG_SIMD_ROWS(op)
#endif
#define PG_TABLE(op, Fn)                                                       \
  const Variant<Fn> k_##op[] = {                                               \
      PG_SIMD_ROWS(op){#op "_f32_portable", Isa::portable, op##_f32_portable}, \
      {#op "_f32_ref", Isa::ref, op##_f32_ref}};                               \
  const bool k_##op##_registered = register_table("pool", k_##op);

PG_TABLE(max_pool, MaxPoolFn)
PG_TABLE(max_pool_backward, MaxPoolBackwardFn)
PG_TABLE(avg_pool, AvgPoolFn)
PG_TABLE(avg_pool_backward, AvgPoolBackwardFn)
PG_TABLE(global_avg_pool, GlobalAvgFn)
PG_TABLE(global_max_pool, GlobalMaxFn)
#undef PG_TABLE
#undef PG_SIMD_ROWS

}  // namespace

void max_pool_f32(const float* x, float* y, int64_t* idx, int64_t planes, const PoolGeom& g) {
  pick(k_max_pool).fn(x, y, idx, planes, g);
}
void max_pool_backward_f32(const float* dy, const float* x, float* dx, int64_t planes,
                           const PoolGeom& g) {
  pick(k_max_pool_backward).fn(dy, x, dx, planes, g);
}
void avg_pool_f32(const float* x, float* y, int64_t planes, const PoolGeom& g, const AvgOpts& o) {
  pick(k_avg_pool).fn(x, y, planes, g, o);
}
void avg_pool_backward_f32(const float* dy, float* dx, int64_t planes, const PoolGeom& g,
                           const AvgOpts& o) {
  pick(k_avg_pool_backward).fn(dy, dx, planes, g, o);
}
void global_avg_pool_f32(const float* x, float* y, int64_t planes, int64_t L) {
  pick(k_global_avg_pool).fn(x, y, planes, L);
}
void global_max_pool_f32(const float* x, float* y, int64_t* idx, int64_t planes, int64_t L) {
  pick(k_global_max_pool).fn(x, y, idx, planes, L);
}

// float runs the dispatched kernels, double the references.
template <>
void max_pool<float>(const float* x, float* y, int64_t* idx, int64_t planes, const PoolGeom& g) {
  max_pool_f32(x, y, idx, planes, g);
}
template <>
void max_pool<double>(const double* x, double* y, int64_t* idx, int64_t planes, const PoolGeom& g) {
  max_pool_ref<double>(x, y, idx, planes, g);
}
template <>
void max_pool_backward<float>(const float* dy, const float* x, float* dx, int64_t planes,
                              const PoolGeom& g) {
  max_pool_backward_f32(dy, x, dx, planes, g);
}
template <>
void max_pool_backward<double>(const double* dy, const double* x, double* dx, int64_t planes,
                               const PoolGeom& g) {
  max_pool_backward_ref<double>(dy, x, dx, planes, g);
}
template <>
void avg_pool<float>(const float* x, float* y, int64_t planes, const PoolGeom& g,
                     const AvgOpts& o) {
  avg_pool_f32(x, y, planes, g, o);
}
template <>
void avg_pool<double>(const double* x, double* y, int64_t planes, const PoolGeom& g,
                      const AvgOpts& o) {
  avg_pool_ref<double>(x, y, planes, g, o);
}
template <>
void avg_pool_backward<float>(const float* dy, float* dx, int64_t planes, const PoolGeom& g,
                              const AvgOpts& o) {
  avg_pool_backward_f32(dy, dx, planes, g, o);
}
template <>
void avg_pool_backward<double>(const double* dy, double* dx, int64_t planes, const PoolGeom& g,
                               const AvgOpts& o) {
  avg_pool_backward_ref<double>(dy, dx, planes, g, o);
}
template <>
void global_avg_pool<float>(const float* x, float* y, int64_t planes, int64_t L) {
  global_avg_pool_f32(x, y, planes, L);
}
template <>
void global_avg_pool<double>(const double* x, double* y, int64_t planes, int64_t L) {
  global_avg_pool_ref<double>(x, y, planes, L);
}
template <>
void global_max_pool<float>(const float* x, float* y, int64_t* idx, int64_t planes, int64_t L) {
  global_max_pool_f32(x, y, idx, planes, L);
}
template <>
void global_max_pool<double>(const double* x, double* y, int64_t* idx, int64_t planes, int64_t L) {
  global_max_pool_ref<double>(x, y, idx, planes, L);
}

}  // namespace pg::kernels
