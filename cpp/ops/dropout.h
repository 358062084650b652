// Eager dropout with a seeded, counter-based mask (same seed -> same mask on any thread count).
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace pg::ops {

// Returns {output, mask}: mask holds 1 (kept) or 0 (dropped) in input's dtype;
// output = input * mask / (1 - p). training=false: output = input, mask all ones.
std::vector<Tensor> dropout(const Tensor& x, double p, bool training, uint64_t seed);
// grad_input = grad_output * mask / (1 - p)
Tensor dropout_backward(const Tensor& grad_output, const Tensor& mask, double p);

}  // namespace pg::ops
