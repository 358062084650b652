// One OpDef per op: its schema (arity, category), shape rule, kernel entry and gradient rule.
// The gradient rule emits graph nodes, so gradients can be drawn, derived and differentiated.
#pragma once
#include <string>
#include <vector>

#include "graph/attrs.h"
#include "tensor/tensor.h"

namespace pg::graph {

class Graph;
using ValueId = int32_t;
using NodeId = int32_t;

enum class OpId : int32_t {
#define PG_OP(name) name,
#include "graph/ops.def"
#undef PG_OP
  count
};

struct ValueType {
  Shape shape;
  DType dtype = DType::f32;
};

struct OpDef {
  const char* name;
  // elementwise, matmul, conv, pool, norm, loss, reduce, shape; "source" for ops without
  // inputs; "grad" for ops that only gradient rules emit (no pg.<op> function).
  const char* category;
  int min_inputs, max_inputs;
  // Output types from input types; throws ValueError naming the op and the shapes.
  std::vector<ValueType> (*infer)(const std::vector<ValueType>& in, const Attrs& attrs);
  // The kernel entry: computes the outputs (calls the eager ops of cpp/ops).
  std::vector<Tensor> (*run)(const std::vector<Tensor>& in, const Attrs& attrs);
  // Gradients of each input (-1: none) as new nodes of g, from the gradients of the outputs.
  // nullptr: the op is not differentiable (its inputs get no gradient through it).
  std::vector<ValueId> (*grad)(Graph& g, NodeId node, const std::vector<ValueId>& grad_outputs);
  // Multiply-accumulates of one call (0 for ops that are not products).
  int64_t (*macs)(const std::vector<ValueType>& in, const Attrs& attrs);
  // How diagrams and tables name the op ("Conv2d", "+", "ReLU"); nullptr: its name.
  const char* label = nullptr;
  // The inputs that are a layer's weights, bit k for input k (conv: weight and bias; batch
  // norm: gamma and beta, not the running statistics): a node's parameter count is the
  // number of elements of those of them that are params.
  uint32_t weights = 0;
};

// The node's parameter count and multiply-accumulates (graph/registry.cpp).
int64_t node_params(const Graph& g, NodeId n);
int64_t node_macs(const Graph& g, NodeId n);

const OpDef& op_def(OpId op);
OpId op_id(const std::string& name);  // ValueError for an unknown name
std::vector<std::string> op_names();

}  // namespace pg::graph
