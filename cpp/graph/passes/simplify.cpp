// simplify: rebuild the program node by node, and on the way
//   drop dead code            nodes no output needs are never copied
//   merge common subexpressions   op(a, b){attrs} built twice -> the first one
//   fold constants            op(const, const) -> const (outputs up to 1M elements)
//   remove identities         x * 1, 1 * x, x + 0, 0 + x, x - 0, x / 1, -(-x) (1 and 0:
//                             constants of ones or zeros of any broadcastable shape),
//                             reshape/sum_to/broadcast_to to the same shape, transpose(a, a)
//   skip unread outputs       max_pool whose indices nobody reads -> max_pool{indices=0};
//                             conv_backward whose grad_input nobody reads (the gradient of a
//                             network's first convolution) -> conv_backward{input_grad=0}:
//                             their kernels then leave that output uncomputed
// An identity is only removed when the result has x's exact shape and dtype.
#include <map>

#include "graph/passes/pass.h"

namespace pg::graph {
namespace {

// A constant whose every element equals x (a scalar 1, or the ones a gradient seed folds into).
bool is_const(const Graph& g, ValueId v, double x) {
  if (g.value(v).kind != ValueKind::constant) return false;
  const Tensor& t = g.data(v);
  for (int64_t k = 0; k < t.numel(); ++k) {
    const double e = t.dtype() == DType::f32   ? t.data<float>()[k]
                     : t.dtype() == DType::f64 ? t.data<double>()[k]
                                               : static_cast<double>(t.data<int64_t>()[k]);
    if (e != x) return false;
  }
  return t.numel() > 0;
}

bool same_type(const Graph& g, ValueId a, const ValueType& t) {
  return g.value(a).type.shape == t.shape && g.value(a).type.dtype == t.dtype;
}

// The value the node reduces to, or -1.
ValueId identity(const Graph& g, const Node& n, const std::vector<ValueId>& in,
                 const ValueType& out) {
  auto keep = [&](ValueId v) { return same_type(g, v, out) ? v : -1; };
  switch (n.op) {
    case OpId::mul:
      if (is_const(g, in[1], 1)) return keep(in[0]);
      if (is_const(g, in[0], 1)) return keep(in[1]);
      return -1;
    case OpId::add:
      if (is_const(g, in[1], 0)) return keep(in[0]);
      if (is_const(g, in[0], 0)) return keep(in[1]);
      return -1;
    case OpId::sub:
      return is_const(g, in[1], 0) ? keep(in[0]) : -1;
    case OpId::div:
      return is_const(g, in[1], 1) ? keep(in[0]) : -1;
    case OpId::neg: {
      const NodeId p = g.value(in[0]).producer;
      return p >= 0 && g.node(p).op == OpId::neg ? keep(g.node(p).inputs[0]) : -1;
    }
    case OpId::reshape:
    case OpId::sum_to:
    case OpId::broadcast_to:
      return keep(in[0]);
    case OpId::transpose: {
      const int64_t nd = static_cast<int64_t>(out.shape.size());
      const int64_t a = n.attrs.i("axis0"), b = n.attrs.i("axis1");
      return (a + nd) % std::max<int64_t>(nd, 1) == (b + nd) % std::max<int64_t>(nd, 1)
                 ? keep(in[0])
                 : -1;
    }
    default:
      return -1;
  }
}

// Outputs a kernel can leave uncomputed, and the attribute that tells it to.
struct Skippable {
  OpId op;
  size_t output;
  const char* attr;
  const char* what;
};
constexpr Skippable kSkippable[] = {{OpId::max_pool1d, 1, "indices", "indices"},
                                    {OpId::max_pool2d, 1, "indices", "indices"},
                                    {OpId::conv_backward, 0, "input_grad", "grad_input"}};

constexpr int64_t kFoldLimit = 1 << 20;  // elements: larger constants stay computed

bool foldable(const Graph& g, const Node& n, const std::vector<ValueId>& in,
              const std::vector<ValueType>& out) {
  if (n.op == OpId::dropout) return false;  // keep random ops visible in the program
  for (ValueId v : in)
    if (g.value(v).kind != ValueKind::constant) return false;
  for (const auto& t : out) {
    int64_t count = 1;
    for (int64_t d : t.shape) count *= d;
    if (count > kFoldLimit) return false;
  }
  return true;
}

std::string cse_key(const Node& n, const std::vector<ValueId>& in) {
  std::string key = op_def(n.op).name;
  for (ValueId v : in) key += " %" + std::to_string(v);
  return key + " {" + n.attrs.str() + "}";
}

}  // namespace

Program simplify(const Program& p, PassReport& report) {
  const Graph& src = *p.graph;
  Program out{std::make_shared<Graph>(), {}};
  Graph& g = *out.graph;
  std::vector<ValueId> map(src.num_values(), -1);
  for (ValueId v : src.inputs()) map[v] = g.share(src, v);
  auto get = [&](ValueId v) {
    if (map[v] < 0) map[v] = g.share(src, v);  // a param or constant, on first use
    return map[v];
  };
  std::map<std::string, std::vector<ValueId>> seen;
  const std::vector<NodeId> order = src.needed(p.outputs);
  std::vector<char> read(src.num_values(), 0);
  for (NodeId id : order)
    for (ValueId v : src.node(id).inputs) read[v] = 1;
  for (ValueId v : p.outputs) read[v] = 1;
  for (NodeId id : order) {
    Node n = src.node(id);
    const char* name = op_def(n.op).name;
    std::vector<ValueId> in;
    for (ValueId v : n.inputs) in.push_back(get(v));
    std::vector<ValueType> types;
    for (ValueId v : n.outputs) types.push_back(src.value(v).type);
    if (n.outputs.size() == 1) {
      const ValueId same = identity(g, n, in, types[0]);
      if (same >= 0) {
        map[n.outputs[0]] = same;
        log_rewrite(report, cat("simplify: ", name, " #", id, " is the identity -> %", same));
        continue;
      }
    }
    // Before the CSE key: a twin whose output is read must not be merged into this node.
    bool skips = false;
    for (const Skippable& s : kSkippable)
      if (n.op == s.op && !read[n.outputs[s.output]]) {
        n.attrs.set(s.attr, int64_t{0});
        skips = true;
        log_rewrite(report,
                    cat("simplify: ", name, " #", id, " computes no ", s.what, " (none read)"));
      }
    const std::string key = cse_key(n, in);
    if (auto it = seen.find(key); it != seen.end()) {
      for (size_t k = 0; k < n.outputs.size(); ++k) map[n.outputs[k]] = it->second[k];
      log_rewrite(report, cat("simplify: ", name, " #", id, " repeats an earlier node: reused"));
      continue;
    }
    if (!skips && foldable(g, n, in, types)) {  // a folded output must exist
      std::vector<Tensor> args;
      for (ValueId v : in) args.push_back(g.data(v));
      const std::vector<Tensor> vals = op_def(n.op).run(args, n.attrs);
      std::vector<ValueId> consts;
      for (const Tensor& t : vals) consts.push_back(g.constant(t));
      for (size_t k = 0; k < n.outputs.size(); ++k) map[n.outputs[k]] = consts[k];
      seen[key] = consts;
      log_rewrite(report, cat("simplify: ", name, " #", id, " folded into a constant"));
      continue;
    }
    const auto outs = g.add(n.op, in, n.attrs, n.origin);
    for (size_t k = 0; k < outs.size(); ++k) map[n.outputs[k]] = outs[k];
    seen[key] = outs;
  }
  for (ValueId v : p.outputs) out.outputs.push_back(get(v));
  report.value_map = std::move(map);
  return out;
}

}  // namespace pg::graph
