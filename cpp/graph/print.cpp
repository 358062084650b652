#include "graph/print.h"

#include <sstream>

namespace pg::graph {
namespace {

std::string type_str(const ValueType& t) {
  return std::string(t.dtype == DType::f32   ? "f32"
                     : t.dtype == DType::f64 ? "f64"
                                             : "i64") +
         shape_str(t.shape);
}

std::string ref(const Graph& g, ValueId v) {
  const Value& val = g.value(v);
  return val.name.empty() ? cat("%", v) : cat("%", v, ":", val.name);
}

// A fused_elementwise node shows its program with $k replaced by its k-th input.
std::string expr_str(const Graph& g, const Node& node) {
  return fill_inputs(node.attrs.s("expr"), [&](size_t k) {
    return k < node.inputs.size() ? ref(g, node.inputs[k]) : std::string("?");
  });
}

}  // namespace

std::string fill_inputs(const std::string& expr, const std::function<std::string(size_t)>& name) {
  std::string out;
  for (size_t i = 0; i < expr.size(); ++i) {
    if (expr[i] != '$') {
      out += expr[i];
      continue;
    }
    size_t k = 0;
    while (i + 1 < expr.size() && expr[i + 1] >= '0' && expr[i + 1] <= '9')
      k = k * 10 + (expr[++i] - '0');
    out += name(k);
  }
  return out;
}

std::string print(const Graph& g, const std::vector<ValueId>& outputs) {
  std::vector<NodeId> order;
  if (outputs.empty()) {
    for (int n = 0; n < g.num_nodes(); ++n) order.push_back(n);
  } else {
    order = g.needed(outputs);
  }
  std::vector<char> used(g.num_values(), 0);
  for (NodeId n : order)
    for (ValueId v : g.node(n).inputs) used[v] = 1;
  for (ValueId v : outputs) used[v] = 1;
  std::ostringstream os;
  for (int v = 0; v < g.num_values(); ++v) {
    const Value& val = g.value(v);
    if (val.kind == ValueKind::node || !used[v]) continue;
    std::string what = val.kind == ValueKind::constant && val.type.shape.empty()
                           ? cat(kind_name(val.kind), " ",
                                 g.data(v).dtype() == DType::f32 ? *g.data(v).data<float>()
                                                                 : *g.data(v).data<double>())
                           : kind_name(val.kind);
    os << ref(g, v) << " = " << what << "  " << type_str(val.type) << "\n";
  }
  for (NodeId n : order) {
    const Node& node = g.node(n);
    std::ostringstream lhs;
    for (size_t k = 0; k < node.outputs.size(); ++k)
      lhs << (k ? ", " : "") << ref(g, node.outputs[k]);
    lhs << " = " << op_def(node.op).name;
    if (node.attrs.has("expr")) {
      lhs << "[" << expr_str(g, node) << "]";
    } else {
      lhs << "(";
      for (size_t k = 0; k < node.inputs.size(); ++k)
        lhs << (k ? ", " : "") << ref(g, node.inputs[k]);
      lhs << ")";
      if (!node.attrs.items().empty()) lhs << " " << node.attrs.str();
    }
    std::string line = lhs.str();
    if (line.size() < 44) line.resize(44, ' ');
    os << line << " ";
    for (ValueId v : node.outputs) os << " " << type_str(g.value(v).type);
    os << "\n";
  }
  return os.str();
}

}  // namespace pg::graph
