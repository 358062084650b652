// The registry: the table of OpDefs generated from ops.def.
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

std::vector<std::string> op_names() {
  std::vector<std::string> out;
  for (const OpDef* d : kTable) out.emplace_back(d->name);
  return out;
}

}  // namespace pg::graph
