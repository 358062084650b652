// embedding(input int64 (*), weight (V, D)) -> (*, D): rows of weight picked by the indices
// (torch.nn.functional.embedding's argument order). Its gradient is embedding_backward, a
// scatter-add into a (V, D) table of zeros; that op is linear in its gradient input, and its own
// gradient is an embedding lookup again (the two are adjoint), so second derivatives compose.
// The indices get no gradient.
#include "ops/embedding.h"

#include "graph/ir.h"
#include "graph/ops/checks.h"

namespace pg::graph {
namespace {

void check_indices(const char* op, const ValueType& t) {
  if (t.dtype != DType::i64)
    throw TypeError(cat(op, ": input (the indices) must be int64, got ", dtype_name(t.dtype),
                        " with shape ", shape_str(t.shape)));
}

std::vector<ValueType> infer_embedding(const std::vector<ValueType>& in, const Attrs&) {
  const char* op = "embedding";
  check_indices(op, in[0]);
  check_float(op, "weight", in[1]);
  if (in[1].shape.size() != 2)
    throw ValueError(cat(op, ": weight must be (num_embeddings, embedding_dim), got shape ",
                         shape_str(in[1].shape)));
  Shape out = in[0].shape;
  out.push_back(in[1].shape[1]);
  return {{out, in[1].dtype}};
}

std::vector<Tensor> run_embedding(const std::vector<Tensor>& in, const Attrs&) {
  return {ops::embedding(in[0], in[1])};
}

std::vector<ValueId> grad_embedding(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Node n = g.node(id);
  const int64_t V = g.shape(n.inputs[1])[0];
  return {-1, g.add1(OpId::embedding_backward, {gy[0], n.inputs[0]}, {{"num_embeddings", V}})};
}

// embedding_backward(grad_output (*, D), input int64 (*)) -> (num_embeddings, D)
std::vector<ValueType> infer_embedding_backward(const std::vector<ValueType>& in, const Attrs& a) {
  const char* op = "embedding_backward";
  check_float(op, "grad_output", in[0]);
  check_indices(op, in[1]);
  Shape want = in[1].shape;
  want.push_back(in[0].shape.empty() ? 0 : in[0].shape.back());
  if (in[0].shape != want)
    throw ValueError(cat(op, ": grad_output has shape ", shape_str(in[0].shape), " but input ",
                         shape_str(in[1].shape), " needs (*input, D)"));
  const int64_t V = a.i("num_embeddings");
  if (V < 1) throw ValueError(cat(op, ": num_embeddings must be positive, got ", V));
  return {{{V, want.back()}, in[0].dtype}};
}

std::vector<Tensor> run_embedding_backward(const std::vector<Tensor>& in, const Attrs& a) {
  return {ops::embedding_backward(in[0], in[1], a.i("num_embeddings"))};
}

std::vector<ValueId> grad_embedding_backward(Graph& g, NodeId id, const std::vector<ValueId>& gg) {
  return {g.add1(OpId::embedding, {g.node(id).inputs[1], gg[0]}), -1};
}

}  // namespace

extern const OpDef k_embedding = {"embedding",   "shape",        2,      2, infer_embedding,
                                  run_embedding, grad_embedding, nullptr};
extern const OpDef k_embedding_backward = {
    "embedding_backward",    "grad", 2, 2, infer_embedding_backward, run_embedding_backward,
    grad_embedding_backward, nullptr};

}  // namespace pg::graph
