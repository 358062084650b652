#include "ops/matmul.h"

#include "kernels/gemm/gemm.h"
#include "tensor/check.h"

namespace pg::ops {
namespace {

template <class T>
Tensor matmul_typed(const Tensor& a, const Tensor& b) {
  const int64_t M = a.dim(0), K = a.dim(1), N = b.dim(1);
  Tensor c = Tensor::empty({M, N}, dtype_of<T>(), "matmul");
  kernels::gemm<T>(false, false, M, N, K, T(1), a.data<T>(), K, b.data<T>(), N, T(0),
                   c.data<T>(), N);
  return c;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_same_dtype("matmul", {{"a", &a}, {"b", &b}});
  check_ndim("matmul", "a", a, 2, "(M, K)");
  check_ndim("matmul", "b", b, 2, "(K, N)");
  if (a.dim(1) != b.dim(0))
    throw ValueError(cat("matmul: a has shape ", shape_str(a.shape()), " and b has shape ",
                         shape_str(b.shape()), ": a's columns (", a.dim(1),
                         ") must equal b's rows (", b.dim(0), ")"));
  return a.dtype() == DType::f32 ? matmul_typed<float>(a, b) : matmul_typed<double>(a, b);
}

}  // namespace pg::ops
