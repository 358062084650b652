// Eager softmax, batch norm and layer norm: validate, allocate, call the kernels. Backward
// functions take the forward's inputs and attributes and return the gradient of each input.
#pragma once
#include <vector>

#include "tensor/tensor.h"

namespace pg::ops {

// Softmax / log-softmax of x over `axis` (negative counts from the end).
Tensor softmax(const Tensor& x, int64_t axis);
Tensor log_softmax(const Tensor& x, int64_t axis);
Tensor softmax_backward(const Tensor& grad_output, const Tensor& x, int64_t axis);
Tensor log_softmax_backward(const Tensor& grad_output, const Tensor& x, int64_t axis);

// x is (N, C, *). training: batch statistics; running_mean/var (C), when given, are updated in
// place (unbiased variance, as torch). Eval: the running statistics normalize.
// Returns {output, save_mean, save_invstd}: the statistics used, for the backward.
std::vector<Tensor> batch_norm(const Tensor& x, const Tensor& running_mean,
                               const Tensor& running_var, const Tensor& weight, const Tensor& bias,
                               bool training, double momentum, double eps);
// {grad_input, grad_weight, grad_bias}; grad_weight / grad_bias undefined when weight / bias
// are. save_mean / save_invstd (both or neither) skip recomputing the statistics.
std::vector<Tensor> batch_norm_backward(const Tensor& grad_output, const Tensor& x,
                                        const Tensor& running_mean, const Tensor& running_var,
                                        const Tensor& weight, const Tensor& bias, bool training,
                                        double eps, const Tensor& save_mean,
                                        const Tensor& save_invstd);

// x is (*, normalized_shape); weight, bias have normalized_shape. Returns {output, mean, invstd}
// with mean, invstd of shape (*).
std::vector<Tensor> layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                               const Tensor& bias, double eps);
std::vector<Tensor> layer_norm_backward(const Tensor& grad_output, const Tensor& x,
                                        const Shape& normalized_shape, const Tensor& weight,
                                        const Tensor& bias, double eps);

}  // namespace pg::ops
