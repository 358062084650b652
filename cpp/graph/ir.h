// The graph IR: values (shape, dtype, kind) and nodes (op, inputs, outputs, attributes).
// Nodes are appended in creation order, which is always a topological order; passes that
// rewrite the graph build a new one. Parameters and constants keep their data in the graph.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "graph/attrs.h"
#include "graph/op_def.h"
#include "tensor/tensor.h"

namespace pg::graph {

enum class ValueKind { input, param, constant, node };
const char* kind_name(ValueKind kind);

struct Value {
  ValueType type;
  ValueKind kind = ValueKind::node;
  NodeId producer = -1;  // the node that computes it (kind == node)
  std::string name;      // inputs and params: the name they are fed / listed by
};

struct Node {
  OpId op;
  std::vector<ValueId> inputs, outputs;
  Attrs attrs;
  std::string origin;  // the user code that created it ("model.py:12"), for error messages
  // Set by autodiff: the forward node whose gradient rule emitted this node (-1: none, e.g. a
  // forward node, the seed, or the sum of two gradient contributions). Drawn by pg.render.
  NodeId grad_of = -1;
};

class Graph {
 public:
  ValueId input(const std::string& name, const Shape& shape, DType dtype);
  ValueId param(const std::string& name, const Tensor& value);
  ValueId constant(const Tensor& value);
  ValueId scalar(double v, DType dtype);  // a 0-d constant
  // Appends a node; infers and checks its output types (errors name op, shapes and origin).
  std::vector<ValueId> add(OpId op, const std::vector<ValueId>& inputs, const Attrs& attrs = {},
                           const std::string& origin = "");
  ValueId add1(OpId op, const std::vector<ValueId>& inputs, const Attrs& attrs = {},
               const std::string& origin = "");

  const Value& value(ValueId v) const;
  const Node& node(NodeId n) const { return nodes_.at(n); }
  // Marks nodes `first` .. the last one as emitted by the gradient rule of forward node `of`.
  void mark_grad_of(NodeId first, NodeId of);
  void set_grad_of(NodeId n, NodeId of) { nodes_.at(n).grad_of = of; }  // passes carry it over
  int num_values() const { return static_cast<int>(values_.size()); }
  int num_nodes() const { return static_cast<int>(nodes_.size()); }
  // By value: rules emit nodes while holding shapes, and emitting may move the value list.
  Shape shape(ValueId v) const { return value(v).type.shape; }

  const Tensor& data(ValueId v) const;        // a param's current value or a constant
  void set_data(ValueId v, const Tensor& t);  // assign a param (same shape and dtype)
  // An input, param or constant of another graph, added to this one. A param shares its
  // storage cell, so assigning it in either graph is seen by both (compiled programs). A
  // non-empty name renames it here (checked for uniqueness, as input() and param() do).
  ValueId share(const Graph& src, ValueId v, const std::string& name = "");
  // Stores t as a param's value without copying (a training step's update); same checks as
  // set_data.
  void assign(ValueId v, Tensor t);
  ValueId find(const std::string& name) const;  // an input or param by name; -1 if none
  std::vector<ValueId> params() const;
  std::vector<ValueId> inputs() const;
  // The nodes the given values depend on, in topological order.
  std::vector<NodeId> needed(const std::vector<ValueId>& outputs) const;

 private:
  ValueId new_value(ValueType type, ValueKind kind, const std::string& name);
  void check_name(const std::string& name, const char* what) const;
  std::vector<Value> values_;
  std::vector<Node> nodes_;
  // By value id: the storage cell of a param or constant (null otherwise); shared between a
  // graph and the programs compiled from it.
  std::vector<std::shared_ptr<Tensor>> data_;
};

}  // namespace pg::graph
