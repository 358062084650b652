#include "graph/ir.h"

#include <algorithm>
#include <cstring>

#include "tensor/errors.h"

namespace pg::graph {

const char* kind_name(ValueKind kind) {
  switch (kind) {
    case ValueKind::input:
      return "input";
    case ValueKind::param:
      return "param";
    case ValueKind::constant:
      return "const";
    case ValueKind::node:
      return "value";
  }
  return "?";
}

namespace {
Tensor copy_of(const Tensor& t, const std::string& op) {
  Tensor c = Tensor::empty(t.shape(), t.dtype(), op);
  if (t.nbytes()) std::memcpy(c.raw(), t.raw(), t.nbytes());
  return c;
}
}  // namespace

ValueId Graph::new_value(ValueType type, ValueKind kind, const std::string& name) {
  values_.push_back({std::move(type), kind, -1, name});
  data_.emplace_back();
  return static_cast<ValueId>(values_.size() - 1);
}

void Graph::check_name(const std::string& name, const char* what) const {
  if (name.empty()) throw ValueError(cat(what, ": a name is required"));
  if (find(name) >= 0)
    throw ValueError(cat(what, ": the name '", name, "' is already used in this graph"));
}

ValueId Graph::input(const std::string& name, const Shape& shape, DType dtype) {
  check_name(name, "input");
  for (int64_t d : shape)
    if (d < 0) throw ValueError(cat("input '", name, "': negative size in ", shape_str(shape)));
  return new_value({shape, dtype}, ValueKind::input, name);
}

ValueId Graph::param(const std::string& name, const Tensor& value) {
  check_name(name, "param");
  ValueId v = new_value({value.shape(), value.dtype()}, ValueKind::param, name);
  data_[v] = std::make_shared<Tensor>(copy_of(value, "param"));
  return v;
}

ValueId Graph::constant(const Tensor& value) {
  ValueId v = new_value({value.shape(), value.dtype()}, ValueKind::constant, "");
  data_[v] = std::make_shared<Tensor>(copy_of(value, "constant"));
  return v;
}

ValueId Graph::scalar(double x, DType dtype) {
  Tensor t = Tensor::empty({}, dtype, "constant");
  if (dtype == DType::f32)
    *t.data<float>() = static_cast<float>(x);
  else
    *t.data<double>() = x;
  ValueId v = new_value({{}, dtype}, ValueKind::constant, "");
  data_[v] = std::make_shared<Tensor>(t);
  return v;
}

const Value& Graph::value(ValueId v) const {
  if (v < 0 || v >= num_values())
    throw ValueError(cat("graph: no value #", v, " (the graph has ", num_values(), ")"));
  return values_[v];
}

std::vector<ValueId> Graph::add(OpId op, const std::vector<ValueId>& inputs, const Attrs& attrs,
                                const std::string& origin) {
  const OpDef& def = op_def(op);
  const int n = static_cast<int>(inputs.size());
  const std::string where = origin.empty() ? "" : " (at " + origin + ")";
  if (n < def.min_inputs || n > def.max_inputs)
    throw ValueError(cat(def.name, ": takes ", def.min_inputs,
                         def.min_inputs == def.max_inputs ? "" : " or more", " inputs, got ", n,
                         where));
  std::vector<ValueType> in;
  for (ValueId v : inputs) in.push_back(value(v).type);
  std::vector<ValueType> out;
  try {
    out = def.infer(in, attrs);
  } catch (const ValueError& e) {
    throw ValueError(e.what() + where);
  } catch (const TypeError& e) {
    throw TypeError(e.what() + where);
  }
  Node node{op, inputs, {}, attrs, origin, -1};
  const NodeId id = static_cast<NodeId>(nodes_.size());
  for (auto& t : out) {
    ValueId v = new_value(t, ValueKind::node, "");
    values_[v].producer = id;
    node.outputs.push_back(v);
  }
  nodes_.push_back(std::move(node));
  return nodes_.back().outputs;
}

ValueId Graph::add1(OpId op, const std::vector<ValueId>& inputs, const Attrs& attrs,
                    const std::string& origin) {
  return add(op, inputs, attrs, origin).at(0);
}

void Graph::mark_grad_of(NodeId first, NodeId of) {
  for (NodeId n = std::max<NodeId>(first, 0); n < num_nodes(); ++n) nodes_[n].grad_of = of;
}

const Tensor& Graph::data(ValueId v) const {
  if (!data_.at(v) || !data_[v]->defined())
    throw ValueError(cat("graph: value #", v, " (", kind_name(value(v).kind), ") holds no data"));
  return *data_[v];
}

void Graph::set_data(ValueId v, const Tensor& t) { assign(v, copy_of(t, "param")); }

void Graph::assign(ValueId v, Tensor t) {
  const Value& val = value(v);
  if (val.kind != ValueKind::param)
    throw ValueError(
        cat("graph: only parameters can be assigned; #", v, " is ", kind_name(val.kind)));
  if (t.shape() != val.type.shape || t.dtype() != val.type.dtype)
    throw ValueError(cat("param '", val.name, "': the new value is ", dtype_name(t.dtype()), " ",
                         shape_str(t.shape()), " but the parameter is ", dtype_name(val.type.dtype),
                         " ", shape_str(val.type.shape)));
  *data_[v] = std::move(t);  // in place: programs sharing the cell see it
}

ValueId Graph::share(const Graph& src, ValueId v, const std::string& name) {
  const Value& val = src.value(v);
  if (val.kind == ValueKind::node)
    throw ValueError(cat("graph: value #", v, " is computed by a node; only inputs, params and ",
                         "constants can be shared"));
  if (!name.empty()) check_name(name, kind_name(val.kind));
  ValueId w = new_value(val.type, val.kind, name.empty() ? val.name : name);
  data_[w] = src.data_[v];
  return w;
}

ValueId Graph::find(const std::string& name) const {
  for (size_t v = 0; v < values_.size(); ++v)
    if (!name.empty() && values_[v].name == name) return static_cast<ValueId>(v);
  return -1;
}

std::vector<ValueId> Graph::params() const {
  std::vector<ValueId> out;
  for (size_t v = 0; v < values_.size(); ++v)
    if (values_[v].kind == ValueKind::param) out.push_back(static_cast<ValueId>(v));
  return out;
}

std::vector<ValueId> Graph::inputs() const {
  std::vector<ValueId> out;
  for (size_t v = 0; v < values_.size(); ++v)
    if (values_[v].kind == ValueKind::input) out.push_back(static_cast<ValueId>(v));
  return out;
}

std::vector<NodeId> Graph::needed(const std::vector<ValueId>& outputs) const {
  std::vector<char> want(nodes_.size(), 0);
  for (ValueId v : outputs)
    if (value(v).producer >= 0) want[value(v).producer] = 1;
  for (int n = num_nodes() - 1; n >= 0; --n)  // creation order is topological
    if (want[n])
      for (ValueId v : nodes_[n].inputs)
        if (values_[v].producer >= 0) want[values_[v].producer] = 1;
  std::vector<NodeId> order;
  for (int n = 0; n < num_nodes(); ++n)
    if (want[n]) order.push_back(n);
  return order;
}

}  // namespace pg::graph
