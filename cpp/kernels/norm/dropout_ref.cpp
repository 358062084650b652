// Reference dropout; the hash costs a few multiplies per element, so this also serves float32.
#include <cmath>

#include "kernels/norm/dropout.h"

namespace pg::kernels {

// x, y, mask are (n)
template <class T>
void dropout_ref(const T* x, T* y, T* mask, int64_t n, double p, uint64_t seed) {
  const uint64_t threshold = static_cast<uint64_t>(std::ldexp(p, 53));
  const T scale = p < 1 ? static_cast<T>(1.0 / (1.0 - p)) : T(0);
#pragma omp parallel for if (n > (1 << 16)) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const bool keep = dropout_keep(seed, static_cast<uint64_t>(i), threshold);
    mask[i] = keep ? T(1) : T(0);
    y[i] = keep ? x[i] * scale : T(0);
  }
}

template void dropout_ref<float>(const float*, float*, float*, int64_t, double, uint64_t);
template void dropout_ref<double>(const double*, double*, double*, int64_t, double, uint64_t);

}  // namespace pg::kernels
