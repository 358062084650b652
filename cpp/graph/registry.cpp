// The registry: the table of OpDefs generated from ops.def.
#include "graph/ir.h"
#include "graph/op_def.h"
#include "tensor/errors.h"

namespace pg::graph {

#define PG_OP(name) extern const OpDef k_##name;
#include "graph/ops.def"
#undef PG_OP

namespace {
const OpDef* const kTable[] = {
#define PG_OP(name) &k_##name,
#include "graph/ops.def"
#undef PG_OP
};
}  // namespace

const OpDef& op_def(OpId op) { return *kTable[static_cast<int>(op)]; }

OpId op_id(const std::string& name) {
  for (int k = 0; k < static_cast<int>(OpId::count); ++k)
    if (name == kTable[k]->name) return static_cast<OpId>(k);
  throw ValueError("unknown op '" + name + "'");
}

int64_t node_params(const Graph& g, NodeId n) {
  const Node& node = g.node(n);
  const OpDef& def = op_def(node.op);
  int64_t count = 0;
  for (size_t k = 0; k < node.inputs.size() && k < 32; ++k) {
    const Value& v = g.value(node.inputs[k]);
    if ((def.weights >> k & 1u) && v.kind == ValueKind::param) {
      int64_t numel = 1;
      for (int64_t d : v.type.shape) numel *= d;
      count += numel;
    }
  }
  return count;
}

int64_t node_macs(const Graph& g, NodeId n) {
  const Node& node = g.node(n);
  const OpDef& def = op_def(node.op);
  if (!def.macs) return 0;
  std::vector<ValueType> in;
  for (ValueId v : node.inputs) in.push_back(g.value(v).type);
  return def.macs(in, node.attrs);
}

std::vector<std::string> op_names() {
  std::vector<std::string> out;
  for (const OpDef* d : kTable) out.emplace_back(d->name);
  return out;
}

}  // namespace pg::graph
