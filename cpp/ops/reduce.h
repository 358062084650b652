// Eager reductions (sum, mean, amax, amin, argmax, argmin) and their backward functions.
// `axis` is std::nullopt for "every axis" (numpy's axis=None); an empty list reduces nothing.
#pragma once
#include <optional>
#include <vector>

#include "tensor/tensor.h"

namespace pg::ops {

using AxisList = std::optional<std::vector<int64_t>>;

// The reduced axes of `shape` as a mask; ValueError naming op for an axis out of range or given
// twice. Shared with the graph's shape rules.
std::vector<bool> reduced_mask(const char* op, const Shape& shape, const AxisList& axis);
Shape reduced_shape(const Shape& shape, const std::vector<bool>& mask, bool keepdims);
int64_t reduced_count(const Shape& shape, const std::vector<bool>& mask);  // elements reduced

Tensor sum(const Tensor& input, const AxisList& axis, bool keepdims);
Tensor mean(const Tensor& input, const AxisList& axis, bool keepdims);
Tensor amax(const Tensor& input, const AxisList& axis, bool keepdims);
Tensor amin(const Tensor& input, const AxisList& axis, bool keepdims);
// int64 indices of the first extreme along one axis, or into the flattened input (axis=None).
Tensor argmax(const Tensor& input, std::optional<int64_t> axis, bool keepdims);
Tensor argmin(const Tensor& input, std::optional<int64_t> axis, bool keepdims);

// grad_output has the reduced shape; the result has input_shape.
Tensor sum_backward(const Tensor& grad_output, const Shape& input_shape, const AxisList& axis,
                    bool keepdims);
Tensor mean_backward(const Tensor& grad_output, const Shape& input_shape, const AxisList& axis,
                     bool keepdims);
// The whole gradient of each output goes to the first maximum (minimum) of its block, in
// row-major order; ties get nothing (torch.amax would split it evenly).
Tensor amax_backward(const Tensor& grad_output, const Tensor& input, const AxisList& axis,
                     bool keepdims);
Tensor amin_backward(const Tensor& grad_output, const Tensor& input, const AxisList& axis,
                     bool keepdims);

}  // namespace pg::ops
