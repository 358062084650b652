// Eager embedding lookup and its gradient: rows of a table gathered by int64 indices, and the
// gradient scatter-added back into a table of zeros (an index used twice gets both rows).
#pragma once
#include "tensor/tensor.h"

namespace pg::ops {

// input int64 (*), weight (V, D) -> (*, D) with out[i] = weight[input[i]]
Tensor embedding(const Tensor& input, const Tensor& weight);
// grad_output (*, D), input int64 (*) -> (V, D) with row v the sum of grad_output[i] where
// input[i] == v
Tensor embedding_backward(const Tensor& grad_output, const Tensor& input, int64_t num_embeddings);

}  // namespace pg::ops
