// Eager eltwise family: activations, the four arithmetic ops with numpy broadcasting, prelu and
// maxout, each with its backward. Validates, allocates, calls kernels/eltwise.
// Empty inputs give empty outputs (as numpy), never an error.
#pragma once
#include <string>
#include <vector>

#include "kernels/eltwise/eltwise.h"
#include "tensor/tensor.h"

namespace pg::ops {

using kernels::Binary;
using kernels::Unary;
using UnaryArgs = kernels::UnaryArgs<double>;  // converted to the tensor's dtype inside

const char* unary_name(Unary op);  // "relu", "gelu_tanh", ...
// The kernel variant the active ISA runs for a unary op, e.g. "gelu_f32_avx512".
std::string unary_variant(const std::string& op);

// y = op(x), any shape
Tensor unary(Unary op, const Tensor& x, const UnaryArgs& args = {});
// grad_input = grad_output * op'(input); grad_output has input's shape
Tensor unary_backward(Unary op, const Tensor& grad_output, const Tensor& x,
                      const UnaryArgs& args = {});

// The shape numpy broadcasting gives a and b; ValueError naming op and both shapes otherwise.
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);
// input (broadcast) op other -> broadcast shape
Tensor binary(Binary op, const Tensor& input, const Tensor& other);
// {grad_input, grad_other}, each reduced over the broadcast dims back to its input's shape
std::vector<Tensor> binary_backward(Binary op, const Tensor& grad_output, const Tensor& input,
                                    const Tensor& other);
// t (shape s) summed over broadcast dims down to `target` (s broadcasts from target)
Tensor sum_to(const Tensor& t, const Shape& target);

// x is (N, C, ...), weight is (1) or (C): x > 0 ? x : weight[c] * x
Tensor prelu(const Tensor& x, const Tensor& weight);
// {grad_input, grad_weight}
std::vector<Tensor> prelu_backward(const Tensor& grad_output, const Tensor& x,
                                   const Tensor& weight);

// x has C channels along axis; y has C/pieces: the max over groups of `pieces` channels
Tensor maxout(const Tensor& x, int64_t pieces, int64_t axis);
Tensor maxout_backward(const Tensor& grad_output, const Tensor& x, int64_t pieces, int64_t axis);

}  // namespace pg::ops
