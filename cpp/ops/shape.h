// Eager data movement: transpose, permute, reshape, flatten, concat, pad, and their backward
// functions. Every op copies into a new contiguous tensor (there are no strided views).
// float32, float64 and int64 are all accepted: nothing here does arithmetic on the values.
#pragma once
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace pg::ops {

Tensor transpose(const Tensor& input, int64_t axis0, int64_t axis1);
Tensor permute(const Tensor& input, const std::vector<int64_t>& axes);
Tensor reshape(const Tensor& input, const std::vector<int64_t>& shape);  // one -1 is inferred
Tensor flatten(const Tensor& input, int64_t start_axis, int64_t end_axis);
Tensor concat(const std::vector<Tensor>& tensors, int64_t axis);
// pad = (left, right) pairs from the last axis backwards, as torch.nn.functional.pad;
// negative values crop. mode: "constant", "reflect" or "replicate".
// The padded shape, after every check pad makes (mode, pad length, sizes): the graph's shape
// rule for pad and pad_backward calls this too.
Shape pad_shape(const char* op, const Shape& input_shape, const std::vector<int64_t>& pad,
                const std::string& mode);
Tensor pad(const Tensor& input, const std::vector<int64_t>& pad, const std::string& mode,
           double value);

Tensor transpose_backward(const Tensor& grad_output, int64_t axis0, int64_t axis1);
Tensor permute_backward(const Tensor& grad_output, const std::vector<int64_t>& axes);
Tensor reshape_backward(const Tensor& grad_output, const Shape& input_shape);
std::vector<Tensor> concat_backward(const Tensor& grad_output, const std::vector<Shape>& shapes,
                                    int64_t axis);
Tensor pad_backward(const Tensor& grad_output, const Shape& input_shape,
                    const std::vector<int64_t>& pad, const std::string& mode);

}  // namespace pg::ops
