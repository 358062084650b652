// fuse: fewer, fatter kernel calls. Runs after simplify (so after autodiff: fused ops have no
// gradient). The rewrites, planned in this order on one program and applied in one rebuild:
//   batch-norm folding   batch_norm(conv(x, w[, b]), mean, var, gamma, beta, training=0)
//                        -> conv(x, w * s, (b - mean) * s + beta), s = gamma / sqrt(var + eps)
//   gemm                 [transpose(]matmul(transpose*(a), transpose*(b))[)] [+ bias (N)]
//                        [-> relu | leaky_relu]  (2-D) -> gemm(a, b[, bias]) with trans flags
//   conv + relu          relu(conv(x, w[, b])) -> conv with activation='relu'
//   elementwise chains   see fuse_elementwise.cpp
// An intermediate that disappears has no other reader and is no program output; the one
// exception is step(x) beside relu(x) (relu's gradient), which reads relu's output instead:
// step(x) == step(relu(x)).
#include <algorithm>

#include "graph/ops/builders.h"
#include "graph/passes/fuse_plan.h"

namespace pg::graph {
namespace fusion {

Plan::Plan(const Program& p, PassReport& r)
    : src(*p.graph),
      order(src.needed(p.outputs)),
      ins(src.num_nodes()),
      is_output(src.num_values(), 0),
      claimed(src.num_nodes(), 0),
      report(r) {
  for (NodeId n : order) ins[n] = src.node(n).inputs;
  for (ValueId v : p.outputs) is_output[v] = 1;
  count_readers();
}

void Plan::count_readers() {
  readers.assign(src.num_values(), {});
  for (NodeId n : order)
    if (!claimed[n])
      for (ValueId v : ins[n])
        if (readers[v].empty() || readers[v].back() != n) readers[v].push_back(n);
  for (const auto& [root, r] : recipes)  // a fused node may read past a transpose
    for (ValueId v : r.inputs)
      if (v >= 0 && std::find(readers[v].begin(), readers[v].end(), root) == readers[v].end())
        readers[v].push_back(root);
}

std::string name(const Plan& p, NodeId n) { return cat(op_def(p.op(n)).name, " #", n); }

namespace {

bool is_conv(OpId op) { return op == OpId::conv1d || op == OpId::conv2d || op == OpId::conv3d; }

// The relu (or, unless relu_only, leaky_relu) that is v's only reader apart from step nodes
// after it; those steps are redirected to the relu's output. -1 when there is none.
NodeId take_activation(Plan& p, ValueId v, bool relu_only) {
  if (p.is_output[v]) return -1;
  NodeId act = -1;
  for (NodeId r : p.readers[v]) {
    const OpId op = p.op(r);
    if (op == OpId::step) continue;
    if (act >= 0 || !p.free(r) || !(op == OpId::relu || (!relu_only && op == OpId::leaky_relu)))
      return -1;
    act = r;
  }
  if (act < 0) return -1;
  for (NodeId r : p.readers[v]) {
    if (r == act) continue;
    if (p.op(act) != OpId::relu || r < act) return -1;  // a step before relu cannot read it
  }
  for (NodeId r : p.readers[v])
    if (r != act) p.ins[r] = {p.out(act)};
  return act;
}

// Follows swaps of a 2-D operand: the value to read and whether to read it transposed.
std::pair<ValueId, bool> through_transposes(const Plan& p, ValueId v) {
  bool t = false;
  for (NodeId q = p.src.value(v).producer; q >= 0 && p.op(q) == OpId::transpose;
       q = p.src.value(v).producer) {
    const Attrs& at = p.src.node(q).attrs;
    if ((at.i("axis0") + 2) % 2 == (at.i("axis1") + 2) % 2) break;
    v = p.ins[q][0];
    t = !t;
  }
  return {v, t};
}

// The node that alone reads mm's (or the chain's) output, when free and of op `op`; or -1.
NodeId next(const Plan& p, NodeId n, OpId op) {
  const ValueId y = p.out(n);
  if (p.readers[y].size() != 1) return -1;
  const NodeId r = p.readers[y][0];
  return p.private_to(y, r) && p.free(r) && p.op(r) == op ? r : -1;
}

void plan_gemm(Plan& p, NodeId mm) {
  if (p.shape(p.ins[mm][0]).size() != 2 || p.shape(p.ins[mm][1]).size() != 2) return;
  if (p.src.value(p.out(mm)).type.dtype == DType::i64) return;  // the GEMM kernels are float
  auto [a, ta] = through_transposes(p, p.ins[mm][0]);
  auto [b, tb] = through_transposes(p, p.ins[mm][1]);
  std::vector<NodeId> chain = {mm};
  ValueId bias = -1;
  if (const NodeId r = next(p, mm, OpId::add); r >= 0) {
    const ValueId y = p.out(mm), c = p.ins[r][0] == y ? p.ins[r][1] : p.ins[r][0];
    if (p.shape(c) == Shape{p.shape(y)[1]} && p.shape(p.out(r)) == p.shape(y)) {
      bias = c;
      chain.push_back(r);
    }
  }
  Attrs at{{"trans_a", int64_t{0}},
           {"trans_b", int64_t{0}},
           {"activation", std::string("none")},
           {"negative_slope", 0.0}};
  const NodeId t = next(p, mm, OpId::transpose);
  if (const NodeId act = take_activation(p, p.out(chain.back()), false); act >= 0) {
    at.set("activation", std::string(op_def(p.op(act)).name));
    if (p.op(act) == OpId::leaky_relu)
      at.set("negative_slope", p.src.node(act).attrs.f("negative_slope"));
    chain.push_back(act);
  } else if (bias < 0 && t >= 0) {  // transpose(op(a) @ op(b)) = op(b)^T @ op(a)^T
    std::swap(a, b);
    std::tie(ta, tb) = std::make_pair(!tb, !ta);
    chain.push_back(t);
  }
  at.set("trans_a", int64_t{ta}).set("trans_b", int64_t{tb});
  std::vector<ValueId> in = {a, b};
  if (bias >= 0) in.push_back(bias);
  std::string what;
  for (NodeId n : chain) {
    what += (what.empty() ? "" : " + ") + name(p, n);
    if (n != chain.back()) p.claimed[n] = 1;
  }
  p.recipes[chain.back()] = {OpId::gemm, in, at};
  log_rewrite(p.report, cat("fuse: ", what, " -> gemm (trans_a=", ta, ", trans_b=", tb, ")"));
}

void plan_bn_fold(Plan& p, NodeId bn) {
  const Node& n = p.src.node(bn);
  if (n.attrs.i("training") != 0) return;
  const ValueId y = p.ins[bn][0];
  const NodeId conv = p.src.value(y).producer;
  if (conv < 0 || !is_conv(p.op(conv)) || !p.free(conv) || !p.private_to(y, bn)) return;
  const auto& ci = p.ins[conv];
  const auto& bi = p.ins[bn];
  auto at = [](const std::vector<ValueId>& v, size_t k) { return k < v.size() ? v[k] : -1; };
  Recipe r{p.op(conv),
           {ci[0], ci[1], at(ci, 2), bi[1], bi[2], at(bi, 3), at(bi, 4)},
           p.src.node(conv).attrs,
           true,
           n.attrs.f("eps")};
  p.claimed[conv] = 1;
  p.recipes[bn] = r;
  log_rewrite(p.report, cat("fuse: ", name(p, bn), " folded into ", name(p, conv),
                            " (weights and bias rescaled per channel)"));
}

// relu(conv) -> the conv with activation='relu' (also a conv that batch_norm folded into).
void plan_conv_act(Plan& p, NodeId n) {
  const bool folded = p.recipes.count(n) && p.recipes[n].bn_fold;
  if (!(folded || (is_conv(p.op(n)) && p.free(n)))) return;
  const NodeId act = take_activation(p, p.out(n), true);
  if (act < 0) return;
  Recipe r = folded ? p.recipes[n] : Recipe{p.op(n), p.ins[n], p.src.node(n).attrs};
  r.attrs.set("activation", std::string("relu"));
  p.recipes.erase(n);
  p.claimed[n] = 1;
  p.recipes[act] = r;
  log_rewrite(p.report, cat("fuse: ", name(p, act), " into ", name(p, n)));
}

// conv(x, w * s, (b - mean) * s + beta) with s = gamma / sqrt(var + eps), as graph nodes, so
// the folded weights follow the params (shared cells) from call to call.
ValueId emit_bn_fold(Graph& g, const Recipe& r, const std::vector<ValueId>& v) {
  const ValueId x = v[0], w = v[1], b = v[2], mean = v[3], var = v[4], gamma = v[5], beta = v[6];
  const DType dt = g.value(w).type.dtype;
  const ValueId root = g.add1(OpId::sqrt, {add(g, var, g.scalar(r.eps, dt))});
  const ValueId s = gamma >= 0 ? div(g, gamma, root) : div(g, g.scalar(1.0, dt), root);
  Shape per_k(g.shape(w).size(), 1);
  per_k[0] = g.shape(w)[0];
  const ValueId w2 = mul(g, w, g.add1(OpId::reshape, {s}, {{"shape", per_k}}));
  ValueId b2 = mul(g, b >= 0 ? sub(g, b, mean) : neg(g, mean), s);
  if (beta >= 0) b2 = add(g, b2, beta);
  return g.add1(r.op, {x, w2, b2}, r.attrs);
}

}  // namespace
}  // namespace fusion

Program fuse(const Program& in, PassReport& report) {
  fusion::Plan p(in, report);
  for (NodeId n : p.order)
    if (p.op(n) == OpId::batch_norm) fusion::plan_bn_fold(p, n);
  p.count_readers();
  for (NodeId n : p.order)
    if (p.op(n) == OpId::matmul && p.free(n)) fusion::plan_gemm(p, n);
  p.count_readers();
  for (NodeId n : p.order) fusion::plan_conv_act(p, n);
  p.count_readers();
  fusion::plan_elementwise(p);

  const Graph& src = *in.graph;
  Program out{std::make_shared<Graph>(), {}};
  Graph& g = *out.graph;
  std::vector<ValueId> map(src.num_values(), -1);
  for (ValueId v : src.inputs()) map[v] = g.share(src, v);
  auto get = [&](ValueId v) {
    if (v < 0) return v;
    if (map[v] < 0) map[v] = g.share(src, v);  // a param or constant, on first use
    return map[v];
  };
  for (NodeId id : p.order) {
    if (p.claimed[id]) continue;
    const Node& n = src.node(id);
    std::vector<ValueId> args;
    if (auto it = p.recipes.find(id); it != p.recipes.end()) {
      for (ValueId v : it->second.inputs) args.push_back(get(v));
      map[n.outputs[0]] = it->second.bn_fold
                              ? fusion::emit_bn_fold(g, it->second, args)
                              : g.add1(it->second.op, args, it->second.attrs, n.origin);
      continue;
    }
    for (ValueId v : p.ins[id]) args.push_back(get(v));
    const auto outs = g.add(n.op, args, n.attrs, n.origin);
    for (size_t k = 0; k < outs.size(); ++k) map[n.outputs[k]] = outs[k];
  }
  for (ValueId v : in.outputs) out.outputs.push_back(get(v));
  report.value_map = std::move(map);
  return out;
}

}  // namespace pg::graph
