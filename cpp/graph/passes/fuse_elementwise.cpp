// fuse, elementwise chains: a maximal tree of elementwise nodes over operands of one shape
// (plus one-value operands: scalars, size-1 params) becomes one fused_elementwise node whose
// attribute is the program (kernels::EwInstr, 4 ints each) and whose kernel reads each input
// once. Pattern: op_k(..., op_j(...), ...) where op_j's output has the group's shape, is read
// by op_k alone and is no program output. Anything else read from outside is an input.
#include <algorithm>

#include "graph/passes/fuse_plan.h"
#include "graph/print.h"
#include "kernels/eltwise/eltwise_program.h"

namespace pg::graph::fusion {
namespace {

using kernels::Binary;
using kernels::EwKind;
using kernels::Unary;

// The instruction an op becomes, or kind -1 for ops the program cannot run.
std::pair<int, int> instr_of(OpId op) {
  switch (op) {
#define PG_BIN(name) \
  case OpId::name:   \
    return {static_cast<int>(EwKind::binary), static_cast<int>(Binary::name)};
    PG_BIN(add)
    PG_BIN(sub)
    PG_BIN(mul)
    PG_BIN(div)
#undef PG_BIN
#define PG_UN(name) \
  case OpId::name:  \
    return {static_cast<int>(EwKind::unary), static_cast<int>(Unary::name)};
    PG_UN(neg)
    PG_UN(exp)
    PG_UN(log)
    PG_UN(relu)
    PG_UN(sigmoid)
    PG_UN(tanh)
    PG_UN(sqrt)
    PG_UN(abs)
    PG_UN(erf)
    PG_UN(selu)
    PG_UN(silu)
#undef PG_UN
    case OpId::step:
      return {static_cast<int>(EwKind::step), 0};
    default:
      return {-1, 0};
  }
}

bool one_value(const Shape& s) {
  return std::all_of(s.begin(), s.end(), [](int64_t d) { return d == 1; });
}

// An elementwise node the program can run: float, its operands of its output's shape or
// single values of no higher rank (they broadcast without changing the shape).
bool eligible(const Plan& p, NodeId n) {
  if (!p.free(n) || instr_of(p.op(n)).first < 0) return false;
  const ValueType& y = p.src.value(p.out(n)).type;
  if (y.dtype == DType::i64 || one_value(y.shape)) return false;
  for (ValueId v : p.ins[n]) {
    const Shape& s = p.shape(v);
    if (s != y.shape && !(one_value(s) && s.size() <= y.shape.size())) return false;
  }
  return true;
}

constexpr size_t kMaxInputs = 64;  // keeps the per-thread scratch and the IR line small

// The group's members in order -> the recipe: inputs, code, and the text of the program.
void emit(Plan& p, const std::vector<NodeId>& members) {
  std::vector<ValueId> inputs;
  std::map<ValueId, int> reg;
  std::map<ValueId, std::string> text;
  for (NodeId n : members)
    for (ValueId v : p.ins[n]) {
      const NodeId q = p.src.value(v).producer;
      const bool inside = q >= 0 && std::binary_search(members.begin(), members.end(), q);
      if (!inside && !reg.count(v)) {
        reg[v] = static_cast<int>(inputs.size());
        text[v] = cat("$", inputs.size());
        inputs.push_back(v);
      }
    }
  if (inputs.size() > kMaxInputs) return;
  std::vector<int64_t> code;
  std::string log;
  for (NodeId n : members) {
    const auto [kind, op] = instr_of(p.op(n));
    const auto& in = p.ins[n];
    code.insert(code.end(), {kind, op, reg[in[0]], reg[in.size() > 1 ? in[1] : in[0]]});
    std::string t = cat(op_def(p.op(n)).name, "(", text[in[0]]);
    if (in.size() > 1) t += ", " + text[in[1]];
    text[p.out(n)] = t + ")";
    reg[p.out(n)] = static_cast<int>(inputs.size() + code.size() / 4 - 1);
    log += (log.empty() ? "" : " + ") + name(p, n);
    if (n != members.back()) p.claimed[n] = 1;
  }
  const NodeId root = members.back();
  p.recipes[root] = {OpId::fused_elementwise, inputs,
                     Attrs{{"code", code}, {"expr", text[p.out(root)]}}};
  log_rewrite(
      p.report,
      cat("fuse: ", log, " -> fused_elementwise[",
          fill_inputs(text[p.out(root)], [&](size_t k) { return cat("%", inputs[k]); }), "]"));
}

}  // namespace

void plan_elementwise(Plan& p) {
  std::vector<NodeId> group(p.src.num_nodes(), -1);  // by node: the root of its group
  std::map<NodeId, std::vector<NodeId>> members;
  for (auto it = p.order.rbegin(); it != p.order.rend(); ++it) {
    const NodeId n = *it;
    if (!eligible(p, n)) continue;
    if (group[n] < 0) group[n] = n;
    members[group[n]].push_back(n);
    const Shape& s = p.shape(p.out(group[n]));
    for (ValueId v : p.ins[n]) {
      const NodeId q = p.src.value(v).producer;
      if (q >= 0 && group[q] < 0 && p.shape(v) == s && p.private_to(v, n) && eligible(p, q))
        group[q] = group[n];
    }
  }
  for (auto& [root, m] : members) {
    if (m.size() < 2) continue;
    std::reverse(m.begin(), m.end());
    emit(p, m);
  }
}

}  // namespace pg::graph::fusion
