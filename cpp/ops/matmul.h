// Eager matmul family: validate arguments, allocate the output, call the GEMM kernels.
#pragma once
#include "tensor/tensor.h"

namespace pg::ops {

// a (M,K) @ b (K,N) -> (M,N)
Tensor matmul(const Tensor& a, const Tensor& b);

}  // namespace pg::ops
