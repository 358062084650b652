// Softmax dispatch: the variant table, its registration, and the row-parallel driver.
#include "kernels/cpu.h"
#include "kernels/softmax/softmax.h"

namespace pg::kernels {
namespace {

void softmax_row_f32_ref(const float* x, float* y, int64_t n, bool log) {
  softmax_ref<float>(x, y, 1, n, 1, log);
}

const Variant<SoftmaxRowFn> kSoftmax[] = {
#ifdef PYGRAPH_SIMD
    {"softmax_f32_avx512", Isa::avx512, softmax_row_f32_avx512},
    {"softmax_f32_avx2", Isa::avx2, softmax_row_f32_avx2},
#endif
    {"softmax_f32_portable", Isa::portable, softmax_row_f32_portable},
    {"softmax_f32_ref", Isa::ref, softmax_row_f32_ref},
};
const bool kRegistered = register_table("softmax", kSoftmax);

}  // namespace

// x, y are (outer, n, inner)
void softmax_f32(const float* x, float* y, int64_t outer, int64_t n, int64_t inner, bool log) {
  if (inner != 1) return softmax_ref<float>(x, y, outer, n, inner, log);
  const SoftmaxRowFn row = pick(kSoftmax).fn;
#pragma omp parallel for if (outer * n > (1 << 14)) schedule(static)
  for (int64_t o = 0; o < outer; ++o) row(x + o * n, y + o * n, n, log);
}

template <>
void softmax<float>(const float* x, float* y, int64_t outer, int64_t n, int64_t inner, bool log) {
  softmax_f32(x, y, outer, n, inner, log);
}
template <>
void softmax<double>(const double* x, double* y, int64_t outer, int64_t n, int64_t inner,
                     bool log) {
  softmax_ref<double>(x, y, outer, n, inner, log);
}

}  // namespace pg::kernels
