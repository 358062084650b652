// Eager losses with torch's reductions ("mean", "sum", "none"). Backward functions return the
// gradient of each input: (grad_input, grad_target), grad_target undefined for class labels.
#pragma once
#include <string>
#include <vector>

#include "tensor/tensor.h"

namespace pg::ops {

// input (N, C, d1, ...) logits (or (C) with a 0-d target), target int64 (N, d1, ...).
Tensor cross_entropy(const Tensor& x, const Tensor& target, const Tensor& weight,
                     int64_t ignore_index, const std::string& reduction, double label_smoothing);
std::vector<Tensor> cross_entropy_backward(const Tensor& grad_output, const Tensor& x,
                                           const Tensor& target, const Tensor& weight,
                                           int64_t ignore_index, const std::string& reduction,
                                           double label_smoothing);
// Like cross_entropy, but input holds log-probabilities.
Tensor nll_loss(const Tensor& x, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                const std::string& reduction);
std::vector<Tensor> nll_loss_backward(const Tensor& grad_output, const Tensor& x,
                                      const Tensor& target, const Tensor& weight,
                                      int64_t ignore_index, const std::string& reduction);

// Pointwise losses: input and target of one shape.
Tensor mse_loss(const Tensor& x, const Tensor& target, const std::string& reduction);
std::vector<Tensor> mse_loss_backward(const Tensor& grad_output, const Tensor& x,
                                      const Tensor& target, const std::string& reduction);
// weight (and pos_weight) have input's shape or are undefined.
Tensor binary_cross_entropy(const Tensor& x, const Tensor& target, const Tensor& weight,
                            const std::string& reduction);
std::vector<Tensor> binary_cross_entropy_backward(const Tensor& grad_output, const Tensor& x,
                                                  const Tensor& target, const Tensor& weight,
                                                  const std::string& reduction);
Tensor binary_cross_entropy_with_logits(const Tensor& x, const Tensor& target, const Tensor& weight,
                                        const std::string& reduction, const Tensor& pos_weight);
std::vector<Tensor> binary_cross_entropy_with_logits_backward(const Tensor& grad_output,
                                                              const Tensor& x, const Tensor& target,
                                                              const Tensor& weight,
                                                              const std::string& reduction,
                                                              const Tensor& pos_weight);

}  // namespace pg::ops
