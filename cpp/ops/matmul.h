// Eager matmul family: validate arguments, allocate the output, call the GEMM kernels.
#pragma once
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace pg::ops {

// numpy's matmul: 1-D operands are promoted (and the added dim removed), leading dims are
// batch dims broadcast against each other. a (..., M, K) @ b (..., K, N) -> (..., M, N).
Tensor matmul(const Tensor& a, const Tensor& b);

// BLAS-style: alpha * op(a) @ op(b) + beta * c, + bias (per column if bias_axis == 1, per row
// if 0), then activation ("none", "relu", "leaky_relu"). a, b, c 2-D; c optional (undefined ->
// beta is ignored). op(a) is (M, K): a, or a^T when trans_a.
Tensor gemm(const Tensor& a, const Tensor& b, const Tensor& c, double alpha, double beta,
            bool trans_a, bool trans_b, const Tensor& bias, int bias_axis,
            const std::string& activation, double negative_slope);

// torch.nn.functional.linear: input (..., in) @ weight (out, in)^T + bias (out,) -> (..., out).
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias);

// a (B, M, K) @ b (B, K, N) -> (B, M, N).
Tensor bmm(const Tensor& a, const Tensor& b);

// Gradients of matmul(a, b): {grad_a, grad_b}, summed over the batch dims each broadcast.
std::vector<Tensor> matmul_backward(const Tensor& grad_output, const Tensor& a, const Tensor& b);

// Gradients of linear: {grad_input, grad_weight, grad_bias (undefined without bias)}.
std::vector<Tensor> linear_backward(const Tensor& grad_output, const Tensor& input,
                                    const Tensor& weight, const Tensor& bias);

}  // namespace pg::ops
