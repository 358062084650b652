#include "ops/dropout.h"

#include <cstring>

#include "kernels/norm/dropout.h"
#include "tensor/check.h"

namespace pg::ops {
namespace {

void check_p(const char* op, double p) {
  if (!(p >= 0 && p <= 1)) throw ValueError(cat(op, ": p must be in [0, 1], got ", p));
}

template <class T>
std::vector<Tensor> dropout_typed(const Tensor& x, double p, bool training, uint64_t seed) {
  Tensor y = Tensor::empty(x.shape(), dtype_of<T>(), "dropout");
  Tensor mask = Tensor::empty(x.shape(), dtype_of<T>(), "dropout");
  const int64_t n = x.numel();
  if (!training) {
    std::memcpy(y.raw(), x.raw(), x.nbytes());
    for (int64_t i = 0; i < n; ++i) mask.data<T>()[i] = T(1);
  } else {
    kernels::dropout_ref<T>(x.data<T>(), y.data<T>(), mask.data<T>(), n, p, seed);
  }
  return {y, mask};
}

template <class T>
Tensor dropout_backward_typed(const Tensor& dy, const Tensor& mask, double p) {
  Tensor dx = Tensor::empty(dy.shape(), dtype_of<T>(), "dropout_backward");
  const T scale = p < 1 ? static_cast<T>(1.0 / (1.0 - p)) : T(0);
  const T *g = dy.data<T>(), *m = mask.data<T>();
  T* d = dx.data<T>();
  for (int64_t i = 0; i < dy.numel(); ++i) d[i] = m[i] != T(0) ? g[i] * scale : T(0);
  return dx;
}

}  // namespace

std::vector<Tensor> dropout(const Tensor& x, double p, bool training, uint64_t seed) {
  check_float("dropout", "input", x);
  check_nonempty("dropout", "input", x);
  check_p("dropout", p);
  return x.dtype() == DType::f32 ? dropout_typed<float>(x, p, training, seed)
                                 : dropout_typed<double>(x, p, training, seed);
}

Tensor dropout_backward(const Tensor& dy, const Tensor& mask, double p) {
  const char* op = "dropout_backward";
  check_same_dtype(op, {{"grad_output", &dy}, {"mask", &mask}});
  check_same_shape(op, "mask", mask, dy.shape(), "must match grad_output");
  check_p(op, p);
  return dy.dtype() == DType::f32 ? dropout_backward_typed<float>(dy, mask, p)
                                  : dropout_backward_typed<double>(dy, mask, p);
}

}  // namespace pg::ops
