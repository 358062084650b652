// Embedding: validate, allocate, then plain row copies and row adds (memory bound; no SIMD
// variant is worth its code here).
#include "ops/embedding.h"

#include <cstring>

#include "tensor/check.h"

namespace pg::ops {
namespace {

void check_indices(const char* op, const Tensor& input, int64_t V) {
  if (input.dtype() != DType::i64)
    throw TypeError(cat(op, ": input (the indices) must be int64, got ", dtype_name(input.dtype()),
                        " with shape ", shape_str(input.shape())));
  const int64_t* id = input.data<int64_t>();
  for (int64_t i = 0; i < input.numel(); ++i)
    if (id[i] < 0 || id[i] >= V)
      throw ValueError(cat(op, ": input holds index ", id[i], " at flat position ", i,
                           ", outside the table of ", V, " rows"));
}

template <typename T>
void scatter_add(const T* dy, const int64_t* id, T* dw, int64_t n, int64_t D) {
  // dy is (n, D), dw is (V, D): dw[id[i]] += dy[i]
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < D; ++j) dw[id[i] * D + j] += dy[i * D + j];
}

}  // namespace

Tensor embedding(const Tensor& input, const Tensor& weight) {
  const char* op = "embedding";
  check_float(op, "weight", weight);
  check_ndim(op, "weight", weight, 2, "(num_embeddings, embedding_dim)");
  check_indices(op, input, weight.dim(0));
  const int64_t D = weight.dim(1), n = input.numel();
  Shape shape = input.shape();
  shape.push_back(D);
  Tensor out = Tensor::empty(shape, weight.dtype(), op);
  const size_t row = static_cast<size_t>(D) * (weight.dtype() == DType::f32 ? 4 : 8);
  const int64_t* id = input.data<int64_t>();
  const char* w = static_cast<const char*>(weight.raw());
  char* y = static_cast<char*>(out.raw());
  for (int64_t i = 0; i < n; ++i) std::memcpy(y + i * row, w + id[i] * row, row);
  return out;
}

Tensor embedding_backward(const Tensor& grad_output, const Tensor& input, int64_t num_embeddings) {
  const char* op = "embedding_backward";
  check_float(op, "grad_output", grad_output);
  if (num_embeddings < 1)
    throw ValueError(cat(op, ": num_embeddings must be positive, got ", num_embeddings));
  Shape want = input.shape();
  want.push_back(grad_output.ndim() ? grad_output.dim(grad_output.ndim() - 1) : 0);
  if (grad_output.shape() != want)
    throw ValueError(cat(op, ": grad_output has shape ", shape_str(grad_output.shape()),
                         " but input ", shape_str(input.shape()), " needs (*input, D)"));
  check_indices(op, input, num_embeddings);
  const int64_t D = want.back(), n = input.numel();
  Tensor dw = Tensor::zeros({num_embeddings, D}, grad_output.dtype(), op);
  const int64_t* id = input.data<int64_t>();
  if (grad_output.dtype() == DType::f32)
    scatter_add(grad_output.data<float>(), id, dw.data<float>(), n, D);
  else
    scatter_add(grad_output.data<double>(), id, dw.data<double>(), n, D);
  return dw;
}

}  // namespace pg::ops
