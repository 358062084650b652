// Activations beyond the primitives: leaky_relu, prelu, elu, selu, gelu, silu, softplus, maxout,
// sqrt, abs, erf. The kernels are the eager ops of ops/eltwise.h. Every gradient is composed
// of graph ops (step, sigmoid, tanh, exp, erf, the op's own output, ...), so it can be
// differentiated again; maxout's goes through the 'grad' op maxout_backward, whose own gradient
// is composed too.
#include "graph/ir.h"
#include "graph/ops/builders.h"
#include "ops/eltwise.h"

namespace pg::graph {
namespace {

using kernels::Unary;

constexpr double kInvSqrt2 = 0.70710678118654752440;       // 1 / sqrt(2)
constexpr double kInvSqrt2Pi = 0.39894228040143267794;     // 1 / sqrt(2 pi)
constexpr double kTwoOverSqrtPi = 1.12837916709551257390;  // 2 / sqrt(pi)
constexpr double kSqrt2OverPi = 0.79788456080286535588;    // sqrt(2 / pi)
constexpr double kGeluCubic = 0.044715;

// ---- small emitters ----

ValueId k(Graph& g, double v, ValueId like) { return g.scalar(v, g.value(like).type.dtype); }
ValueId step(Graph& g, ValueId x) { return g.add1(OpId::step, {x}); }  // 1 where x > 0, else 0
ValueId one_minus(Graph& g, ValueId v) { return sub(g, one_like(g, v), v); }
ValueId reshape(Graph& g, ValueId v, const Shape& shape) {
  if (g.shape(v) == shape) return v;
  return g.add1(OpId::reshape, {v}, {{"shape", shape}});
}

// Holds a copy of the node: emitting nodes may reallocate the graph's node list.
struct Ctx {
  Graph& g;
  const Node n;
  ValueId x(int i = 0) const { return n.inputs[i]; }
  ValueId y() const { return n.outputs[0]; }
  double f(const char* name) const { return n.attrs.f(name); }
};

// ---- the unary activations: shape rule, kernel arguments from attributes ----

std::vector<ValueType> same(const std::vector<ValueType>& in, const Attrs&) { return {in[0]}; }

Unary gelu_kind(const Attrs& attrs) {
  const std::string a = attrs.has("approximate") ? attrs.s("approximate") : "none";
  if (a == "none") return Unary::gelu;
  if (a == "tanh") return Unary::gelu_tanh;
  throw ValueError(cat("gelu: approximate must be 'none' or 'tanh', got '", a, "'"));
}

std::vector<ValueType> infer_gelu(const std::vector<ValueType>& in, const Attrs& attrs) {
  gelu_kind(attrs);
  return {in[0]};
}

std::vector<ValueType> infer_softplus(const std::vector<ValueType>& in, const Attrs& attrs) {
  if (attrs.f("beta") == 0) throw ValueError("softplus: beta must be nonzero");
  return {in[0]};
}

template <Unary U>
std::vector<Tensor> run_unary(const std::vector<Tensor>& in, const Attrs&) {
  return {ops::unary(U, in[0])};
}

std::vector<Tensor> run_leaky_relu(const std::vector<Tensor>& in, const Attrs& attrs) {
  return {ops::unary(Unary::leaky_relu, in[0], {attrs.f("negative_slope")})};
}

std::vector<Tensor> run_elu(const std::vector<Tensor>& in, const Attrs& attrs) {
  return {ops::unary(Unary::elu, in[0], {attrs.f("alpha")})};
}

std::vector<Tensor> run_gelu(const std::vector<Tensor>& in, const Attrs& attrs) {
  return {ops::unary(gelu_kind(attrs), in[0])};
}

std::vector<Tensor> run_softplus(const std::vector<Tensor>& in, const Attrs& attrs) {
  return {ops::unary(Unary::softplus, in[0], {0.0, attrs.f("beta"), attrs.f("threshold")})};
}

// ---- their gradients: gx = gy * op'(x), op' from graph ops ----

// leaky_relu' = 1 where x > 0, else a: a + (1 - a) step(x)
std::vector<ValueId> grad_leaky_relu(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  Ctx c{g, g.node(id)};
  const double a = c.f("negative_slope");
  const ValueId d = add(g, k(g, a, c.x()), mul(g, k(g, 1 - a, c.x()), step(g, c.x())));
  return {mul(g, gy[0], d)};
}

// elu' = 1 where x > 0, else alpha e^x = y + alpha
std::vector<ValueId> grad_elu(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  Ctx c{g, g.node(id)};
  const ValueId m = step(g, c.x());
  const ValueId neg_side = mul(g, one_minus(g, m), add(g, c.y(), k(g, c.f("alpha"), c.x())));
  return {mul(g, gy[0], add(g, m, neg_side))};
}

// selu' = scale where x > 0, else scale alpha e^x = y + scale alpha
std::vector<ValueId> grad_selu(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  Ctx c{g, g.node(id)};
  const ValueId m = step(g, c.x());
  const double sa = kernels::kSeluScale * kernels::kSeluAlpha;
  const ValueId pos = mul(g, k(g, kernels::kSeluScale, c.x()), m);
  const ValueId neg_side = mul(g, one_minus(g, m), add(g, c.y(), k(g, sa, c.x())));
  return {mul(g, gy[0], add(g, pos, neg_side))};
}

// gelu' = Phi(x) + x phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2, phi(x) = e^(-x^2/2) / sqrt(2 pi)
// tanh form, y = x (1 + t) / 2 with t = tanh(u), u = sqrt(2/pi) (x + c x^3):
//   y' = (1 + t) / 2 + x (1 - t^2) u' / 2, u' = sqrt(2/pi) (1 + 3 c x^2)
std::vector<ValueId> grad_gelu(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  Ctx c{g, g.node(id)};
  const ValueId x = c.x();
  auto K = [&](double v) { return k(g, v, x); };
  const ValueId one = K(1), x2 = mul(g, x, x);
  ValueId d;
  if (gelu_kind(c.n.attrs) == Unary::gelu) {
    const ValueId cdf = mul(g, K(0.5), add(g, one, g.add1(OpId::erf, {mul(g, x, K(kInvSqrt2))})));
    const ValueId pdf = mul(g, K(kInvSqrt2Pi), g.add1(OpId::exp, {mul(g, x2, K(-0.5))}));
    d = add(g, cdf, mul(g, x, pdf));
  } else {
    const ValueId u = mul(g, K(kSqrt2OverPi), add(g, x, mul(g, K(kGeluCubic), mul(g, x2, x))));
    const ValueId t = g.add1(OpId::tanh, {u});
    const ValueId du = mul(g, K(kSqrt2OverPi), add(g, one, mul(g, K(3 * kGeluCubic), x2)));
    const ValueId dt = mul(g, sub(g, one, mul(g, t, t)), du);  // d tanh(u) / dx
    d = mul(g, K(0.5), add(g, add(g, one, t), mul(g, x, dt)));
  }
  return {mul(g, gy[0], d)};
}

// silu' = s (1 + x (1 - s)), s = sigmoid(x) (no cancellation for large |x|)
std::vector<ValueId> grad_silu(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  Ctx c{g, g.node(id)};
  const ValueId s = g.add1(OpId::sigmoid, {c.x()});
  const ValueId d = mul(g, s, add(g, one_like(g, s), mul(g, c.x(), one_minus(g, s))));
  return {mul(g, gy[0], d)};
}

// softplus' = sigmoid(beta x), and 1 where beta x > threshold (there y = x)
std::vector<ValueId> grad_softplus(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  Ctx c{g, g.node(id)};
  const ValueId z = mul(g, c.x(), k(g, c.f("beta"), c.x()));
  const ValueId over = step(g, sub(g, z, k(g, c.f("threshold"), c.x())));
  const ValueId s = g.add1(OpId::sigmoid, {z});
  return {mul(g, gy[0], add(g, over, mul(g, s, one_minus(g, over))))};
}

// sqrt' = 1 / (2 y)
std::vector<ValueId> grad_sqrt(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  Ctx c{g, g.node(id)};
  return {div(g, mul(g, gy[0], k(g, 0.5, c.y())), c.y())};
}

// abs' = sign(x) = step(x) - step(-x) (0 at 0)
std::vector<ValueId> grad_abs(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  Ctx c{g, g.node(id)};
  return {mul(g, gy[0], sub(g, step(g, c.x()), step(g, neg(g, c.x()))))};
}

// erf' = 2 / sqrt(pi) e^(-x^2)
std::vector<ValueId> grad_erf(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  Ctx c{g, g.node(id)};
  const ValueId e = g.add1(OpId::exp, {neg(g, mul(g, c.x(), c.x()))});
  return {mul(g, gy[0], mul(g, k(g, kTwoOverSqrtPi, c.x()), e))};
}

// ---- prelu: x (N, C, ...), weight (C) or (1), slope weight[c] along axis 1 ----

std::vector<ValueType> infer_prelu(const std::vector<ValueType>& in, const Attrs&) {
  const Shape &x = in[0].shape, &w = in[1].shape;
  if (in[0].dtype != in[1].dtype)
    throw TypeError(cat("prelu: weight is ", dtype_name(in[1].dtype), " but input is ",
                        dtype_name(in[0].dtype), "; pass both as float32 or both as float64"));
  const int64_t C = x.size() >= 2 ? x[1] : 1;
  int64_t n = 1;
  for (int64_t d : w) n *= d;
  if (w.size() > 1 || (n != 1 && n != C))
    throw ValueError(cat("prelu: weight has shape ", shape_str(w), " but input ", shape_str(x),
                         " has ", C, " channels along axis 1; weight must have 1 or ", C,
                         " elements"));
  return {in[0]};
}

std::vector<Tensor> run_prelu(const std::vector<Tensor>& in, const Attrs&) {
  return {ops::prelu(in[0], in[1])};
}

// With m = step(x) and w viewed as (1, C, 1, ...): gx = gy (m + w (1 - m)),
// gw = the sum of gy x (1 - m) over every axis but 1.
std::vector<ValueId> grad_prelu(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  Ctx c{g, g.node(id)};
  const Shape xs = g.shape(c.x(0)), ws = g.shape(c.x(1));
  int64_t n = 1;
  for (int64_t d : ws) n *= d;
  Shape wview(xs.size(), 1);
  if (xs.size() >= 2) wview[1] = n;
  const ValueId m = step(g, c.x(0)), nm = one_minus(g, m);
  const ValueId gx = mul(g, gy[0], add(g, m, mul(g, reshape(g, c.x(1), wview), nm)));
  const ValueId gw = sum_to(g, mul(g, gy[0], mul(g, c.x(0), nm)), wview);
  return {gx, reshape(g, gw, ws)};
}

// ---- maxout: the max over groups of `pieces` channels along `axis` ----

struct MaxoutGeom {
  int64_t axis;  // normalised
  Shape out;
};

MaxoutGeom maxout_geom(const char* op, const Shape& x, const Attrs& attrs) {
  const int64_t pieces = attrs.i("pieces"), nd = static_cast<int64_t>(x.size());
  int64_t axis = attrs.i("axis");
  if (pieces <= 0) throw ValueError(cat(op, ": pieces must be positive, got ", pieces));
  if (axis < -nd || axis >= nd)
    throw ValueError(cat(op, ": axis ", axis, " is out of range for input of shape ", shape_str(x),
                         " (", nd, " dims)"));
  if (axis < 0) axis += nd;
  if (x[axis] % pieces != 0)
    throw ValueError(cat(op, ": input ", shape_str(x), " has ", x[axis], " channels along axis ",
                         axis, ", not divisible by pieces=", pieces));
  Shape out = x;
  out[axis] /= pieces;
  return {axis, out};
}

std::vector<ValueType> infer_maxout(const std::vector<ValueType>& in, const Attrs& attrs) {
  return {{maxout_geom("maxout", in[0].shape, attrs).out, in[0].dtype}};
}

std::vector<Tensor> run_maxout(const std::vector<Tensor>& in, const Attrs& attrs) {
  return {ops::maxout(in[0], attrs.i("pieces"), attrs.i("axis"))};
}

std::vector<ValueId> grad_maxout(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  Ctx c{g, g.node(id)};
  return {g.add1(OpId::maxout_backward, {gy[0], c.x()}, c.n.attrs)};
}

// maxout_backward(gy, x): gy (the output's shape) routed to each group's first argmax.
std::vector<ValueType> infer_maxout_backward(const std::vector<ValueType>& in, const Attrs& attrs) {
  const MaxoutGeom geom = maxout_geom("maxout_backward", in[1].shape, attrs);
  if (in[0].shape != geom.out)
    throw ValueError(cat("maxout_backward: grad_output has shape ", shape_str(in[0].shape),
                         " but the output of maxout has shape ", shape_str(geom.out)));
  return {in[1]};
}

std::vector<Tensor> run_maxout_backward(const std::vector<Tensor>& in, const Attrs& attrs) {
  return {ops::maxout_backward(in[0], in[1], attrs.i("pieces"), attrs.i("axis"))};
}

// maxout_backward is linear in gy and piecewise constant in x: its gradient for gy gathers
// ggx at each group's argmax (mask = maxout_backward(ones, x)) and sums each group; none for x.
std::vector<ValueId> grad_maxout_backward(Graph& g, NodeId id, const std::vector<ValueId>& ggx) {
  Ctx c{g, g.node(id)};
  const Shape xs = g.shape(c.x(1));
  const MaxoutGeom geom = maxout_geom("maxout_backward", xs, c.n.attrs);
  const ValueType yt{geom.out, g.value(c.x(1)).type.dtype};
  const ValueId ones =
      g.add1(OpId::fill, {},
             {{"shape", yt.shape},
              {"value", 1.0},
              {"dtype", std::string(yt.dtype == DType::f32 ? "float32" : "float64")}});
  const ValueId mask = g.add1(OpId::maxout_backward, {ones, c.x(1)}, c.n.attrs);
  Shape groups(xs.begin(), xs.begin() + geom.axis);  // (..., C / pieces, pieces, ...)
  groups.push_back(geom.out[geom.axis]);
  groups.push_back(c.n.attrs.i("pieces"));
  groups.insert(groups.end(), xs.begin() + geom.axis + 1, xs.end());
  const ValueId picked = reshape(g, mul(g, ggx[0], mask), groups);
  const ValueId ggy =
      g.add1(OpId::sum, {picked},
             {{"axis", std::vector<int64_t>{geom.axis + 1}}, {"keepdims", int64_t{0}}});
  return {ggy, -1};
}

}  // namespace

// clang-format off
//                                     name               category       inputs  shape rule      kernel                     gradient              MACs
extern const OpDef k_leaky_relu      = {"leaky_relu",      "elementwise", 1, 1, same,           run_leaky_relu,            grad_leaky_relu,      nullptr, "LeakyReLU", 0};
extern const OpDef k_prelu           = {"prelu",           "elementwise", 2, 2, infer_prelu,    run_prelu,                 grad_prelu,           nullptr, "PReLU", 2};
extern const OpDef k_elu             = {"elu",             "elementwise", 1, 1, same,           run_elu,                   grad_elu,             nullptr, "ELU", 0};
extern const OpDef k_selu            = {"selu",            "elementwise", 1, 1, same,           run_unary<Unary::selu>,    grad_selu,            nullptr, "SELU", 0};
extern const OpDef k_gelu            = {"gelu",            "elementwise", 1, 1, infer_gelu,     run_gelu,                  grad_gelu,            nullptr, "GELU", 0};
extern const OpDef k_silu            = {"silu",            "elementwise", 1, 1, same,           run_unary<Unary::silu>,    grad_silu,            nullptr, "SiLU", 0};
extern const OpDef k_softplus        = {"softplus",        "elementwise", 1, 1, infer_softplus, run_softplus,              grad_softplus,        nullptr, "Softplus", 0};
extern const OpDef k_maxout          = {"maxout",          "reduce",      1, 1, infer_maxout,   run_maxout,                grad_maxout,          nullptr, "Maxout", 0};
extern const OpDef k_maxout_backward = {"maxout_backward", "grad",        2, 2, infer_maxout_backward, run_maxout_backward, grad_maxout_backward, nullptr, nullptr, 0};
extern const OpDef k_sqrt            = {"sqrt",            "elementwise", 1, 1, same,           run_unary<Unary::sqrt>,    grad_sqrt,            nullptr, "√", 0};
extern const OpDef k_abs             = {"abs",             "elementwise", 1, 1, same,           run_unary<Unary::abs>,     grad_abs,             nullptr, "|x|", 0};
extern const OpDef k_erf             = {"erf",             "elementwise", 1, 1, same,           run_unary<Unary::erf>,     grad_erf,             nullptr, "erf", 0};
// clang-format on

}  // namespace pg::graph
