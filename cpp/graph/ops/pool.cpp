// Pooling: max_pool1d/2d (two outputs: values and the int64 indices its gradient scatters to),
// avg_pool1d/2d, adaptive_avg_pool1d/2d, global_avg/max_pool2d, max_unpool2d; their gradients
// are 'grad' ops calling the eager backward kernels. The eager window checks (ops/pool.cpp) are
// private to it, so the shape rules below repeat them with the same messages.
#include "ops/pool.h"

#include "graph/ir.h"
#include "ops/shape.h"
#include "tensor/check.h"

namespace pg::graph {
namespace {

using ops::Ints;

Tensor meta(const ValueType& t) {
  static char dummy;
  return Tensor::borrow(&dummy, t.shape, t.dtype);
}

const char* layout(int nd) { return nd == 1 ? "(N, C, W)" : "(N, C, H, W)"; }
std::string name(const char* base, int nd, const char* suffix = "") {
  return nd == 1 || nd == 2 ? cat(base, nd, "d", suffix) : cat(base, suffix);
}
std::string tup(const Ints& v) { return v.size() == 1 ? cat("(", v[0], ",)") : shape_str(v); }
int rank_nd(const ValueType& x) { return static_cast<int>(x.shape.size()) - 2; }

// ---- the eager checks, on types ----

void check_input(const std::string& op, const ValueType& x, int nd) {
  if (nd != 1 && nd != 2)
    throw ValueError(cat(op, ": only 1-D and 2-D pooling exist, got nd=", nd));
  const Tensor t = meta(x);
  check_float(op.c_str(), "input", t);
  check_ndim(op.c_str(), "input", t, nd + 2, layout(nd));
  check_nonempty(op.c_str(), "input", t);
}

void check_attr(const std::string& op, const char* arg, const Ints& v, size_t nd, bool positive) {
  if (v.size() != nd)
    throw ValueError(cat(op, ": ", arg, " must have ", nd, " entries, got ", tup(v)));
  for (int64_t e : v) {
    if (positive ? e <= 0 : e < 0)
      throw ValueError(
          cat(op, ": ", arg, " must be ", positive ? "positive" : ">= 0", ", got ", tup(v)));
    if (e > (int64_t(1) << 31)) throw ValueError(cat(op, ": ", arg, " ", tup(v), " is too large"));
  }
}

struct Window {
  Ints k, s, p, d;
  bool ceil_mode;
};

Window max_window(const Attrs& a) {
  return {a.ints("kernel_size"), a.ints("stride"), a.ints("padding"), a.ints("dilation"),
          a.i("ceil_mode") != 0};
}
Window avg_window(const Attrs& a) {
  const Ints& k = a.ints("kernel_size");
  return {k, a.ints("stride"), a.ints("padding"), Ints(k.size(), 1), a.i("ceil_mode") != 0};
}

// The output shape (N, C, [P,] Q) of a window sweep, after the eager layer's checks.
Shape pool_shape(const std::string& op, int nd, const ValueType& x, const Window& w) {
  check_input(op, x, nd);
  check_attr(op, "kernel_size", w.k, nd, true);
  check_attr(op, "stride", w.s, nd, true);
  check_attr(op, "padding", w.p, nd, false);
  check_attr(op, "dilation", w.d, nd, true);
  const Shape& xs = x.shape;
  for (int i = 0; i < nd; ++i)
    if (w.p[i] > w.k[i] / 2)
      throw ValueError(cat(op, ": padding ", tup(w.p), " must be at most half of kernel_size ",
                           tup(w.k), " (input ", shape_str(xs), ")"));
  Shape out = {xs[0], xs[1]};
  for (int i = 0; i < nd; ++i) {
    const int64_t in = xs[2 + i];
    const int64_t o = ops::pool_output_size(in, w.k[i], w.s[i], w.p[i], w.d[i], w.ceil_mode);
    if (o < 1)
      throw ValueError(cat(op, ": kernel_size ", tup(w.k), " with dilation ", tup(w.d),
                           " is larger than the padded input: input ", shape_str(xs), ", padding ",
                           tup(w.p)));
    for (int64_t j = 0; w.d[i] > 1 && j < o; ++j) {  // a window holding only padding
      bool any = false;
      for (int64_t t = 0; t < w.k[i] && !any; ++t) {
        const int64_t pos = j * w.s[i] - w.p[i] + t * w.d[i];
        any = pos >= 0 && pos < in;
      }
      if (!any)
        throw ValueError(cat(op, ": window ", j, " along dim ", i + 2, " covers only padding ",
                             "(input ", shape_str(xs), ", kernel_size ", tup(w.k), ", stride ",
                             tup(w.s), ", padding ", tup(w.p), ", dilation ", tup(w.d), ")"));
    }
    out.push_back(o);
  }
  return out;
}

// A backward op's grad_output (in[0]) against the forward input (in[1]) and output shape.
void check_grad(const std::string& op, const std::vector<ValueType>& in, const Shape& out) {
  const Tensor dy = meta(in[0]), x = meta(in[1]);
  check_same_dtype(op.c_str(), {{"input", &x}, {"grad_output", &dy}});
  check_same_shape(op.c_str(), "grad_output", dy, out, "the forward output has shape");
}

void check_indices(const std::string& op, const ValueType& idx, const Shape& expected,
                   const char* what) {
  if (idx.dtype != DType::i64)
    throw TypeError(cat(op, ": indices must be int64, got ", dtype_name(idx.dtype), " with shape ",
                        shape_str(idx.shape)));
  check_same_shape(op.c_str(), "indices", meta(idx), expected, what);
}

std::optional<int64_t> divisor(const std::string& op, const Attrs& a) {
  if (!a.has("divisor_override")) return std::nullopt;
  const int64_t d = a.i("divisor_override");
  if (d <= 0) throw ValueError(cat(op, ": divisor_override must be positive, got ", d));
  return d;
}

// The inputs of a backward op: the gradient first, then the forward's inputs.
std::vector<ValueId> with_grad(ValueId gy, const Node& n, size_t count) {
  std::vector<ValueId> in = {gy};
  in.insert(in.end(), n.inputs.begin(), n.inputs.begin() + count);
  return in;
}

// ---- max_pool: x -> (y, indices); attrs kernel_size, stride, padding, dilation, ceil_mode ----

template <int ND>
std::vector<ValueType> infer_max_pool(const std::vector<ValueType>& in, const Attrs& a) {
  const Shape out = pool_shape(name("max_pool", ND), ND, in[0], max_window(a));
  return {{out, in[0].dtype}, {out, DType::i64}};
}

template <int ND>
std::vector<Tensor> run_max_pool(const std::vector<Tensor>& in, const Attrs& a) {
  const Window w = max_window(a);
  // indices=0 (set by simplify when no node reads them): the second output stays undefined
  const bool indices = !a.has("indices") || a.i("indices") != 0;
  std::vector<Tensor> out = ops::max_pool(ND, in[0], w.k, w.s, w.p, w.d, w.ceil_mode, indices);
  out.resize(2);
  return out;
}

// max_pool_backward(grad_output, input, indices): the gradient goes to the saved argmaxes.
std::vector<ValueId> grad_max_pool(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Node n = g.node(id);
  return {g.add1(OpId::max_pool_backward, {gy[0], n.inputs[0], n.outputs[1]}, n.attrs)};
}

std::vector<ValueType> infer_max_pool_backward(const std::vector<ValueType>& in, const Attrs& a) {
  const int nd = rank_nd(in[1]);
  const std::string op = name("max_pool", nd, "_backward");
  const Shape out = pool_shape(op, nd, in[1], max_window(a));
  check_grad(op, in, out);
  check_indices(op, in[2], out, "grad_output has shape");
  return {in[1]};
}

std::vector<Tensor> run_max_pool_backward(const std::vector<Tensor>& in, const Attrs& a) {
  const Window w = max_window(a);
  return {ops::max_pool_backward(in[1].ndim() - 2, in[0], in[1], w.k, w.s, w.p, w.d, w.ceil_mode,
                                 in[2])};
}

// Linear in grad_output: its adjoint reads the gradient back at the same indices.
std::vector<ValueId> grad_max_pool_backward(Graph& g, NodeId id, const std::vector<ValueId>& gg) {
  const ValueId indices = g.node(id).inputs[2];
  return {g.add1(OpId::take_at_indices, {gg[0], indices}), -1, -1};
}

// take_at_indices(src (N, C, *in), indices (N, C, *out)) -> (N, C, *out) holding
// src[n, c, indices[n, c, j]] (flat in each plane). It runs max_unpool2d's gather on
// (N, C, 1, plane) views, with a window chosen so that the unpooled plane is src's.
std::vector<ValueType> infer_take(const std::vector<ValueType>& in, const Attrs&) {
  const char* op = "take_at_indices";
  const Shape &src = in[0].shape, &idx = in[1].shape;
  check_float(op, "src", meta(in[0]));
  if (in[1].dtype != DType::i64)
    throw TypeError(cat(op, ": indices must be int64, got ", dtype_name(in[1].dtype)));
  if (src.size() < 3 || idx.size() < 3 || src[0] != idx[0] || src[1] != idx[1])
    throw ValueError(cat(op, ": src ", shape_str(src), " and indices ", shape_str(idx),
                         " must both be (N, C, ...) with the same N and C"));
  return {{idx, in[0].dtype}};
}

std::vector<Tensor> run_take(const std::vector<Tensor>& in, const Attrs&) {
  const Tensor &src = in[0], &idx = in[1];
  const int64_t N = src.dim(0), C = src.dim(1);
  const int64_t plane = src.numel() / (N * C), L = idx.numel() / (N * C);
  // Along the plane the default unpooled size (L - 1) - 2p + k must equal `plane`.
  int64_t k = plane - L + 1, p = 0;
  if (k < 1) {
    const int64_t d = L - plane - 1;
    k = d % 2 ? 1 : 2;
    p = (k + d) / 2;
  }
  const Tensor dy = Tensor::borrow(src.raw(), {N, C, 1, plane}, src.dtype());
  const Tensor ix = Tensor::borrow(idx.raw(), {N, C, 1, L}, DType::i64);
  const Tensor like = Tensor::borrow(idx.raw(), {N, C, 1, L}, src.dtype());  // shape only
  const Tensor out = ops::max_unpool2d_backward(dy, like, ix, {1, k}, {1, 1}, {0, p}, {1, plane});
  return {ops::reshape(out, idx.shape())};
}

// ---- avg_pool: attrs kernel_size, stride, padding, ceil_mode, count_include_pad and an
// optional divisor_override ----

template <int ND>
std::vector<ValueType> infer_avg_pool(const std::vector<ValueType>& in, const Attrs& a) {
  const std::string op = name("avg_pool", ND);
  const Shape out = pool_shape(op, ND, in[0], avg_window(a));
  divisor(op, a);
  a.i("count_include_pad");
  return {{out, in[0].dtype}};
}

template <int ND>
std::vector<Tensor> run_avg_pool(const std::vector<Tensor>& in, const Attrs& a) {
  const Window w = avg_window(a);
  return {ops::avg_pool(ND, in[0], w.k, w.s, w.p, w.ceil_mode, a.i("count_include_pad") != 0,
                        divisor("avg_pool", a))};
}

std::vector<ValueId> grad_avg_pool(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Node n = g.node(id);
  return {g.add1(OpId::avg_pool_backward, with_grad(gy[0], n, 1), n.attrs)};
}

std::vector<ValueType> infer_avg_pool_backward(const std::vector<ValueType>& in, const Attrs& a) {
  const int nd = rank_nd(in[1]);
  const std::string op = name("avg_pool", nd, "_backward");
  check_grad(op, in, pool_shape(op, nd, in[1], avg_window(a)));
  divisor(op, a);
  return {in[1]};
}

std::vector<Tensor> run_avg_pool_backward(const std::vector<Tensor>& in, const Attrs& a) {
  const Window w = avg_window(a);
  return {ops::avg_pool_backward(in[1].ndim() - 2, in[0], in[1], w.k, w.s, w.p, w.ceil_mode,
                                 a.i("count_include_pad") != 0, divisor("avg_pool", a))};
}

// The backward is linear in grad_output, and its adjoint is the forward pool again.
std::vector<ValueId> grad_avg_pool_backward(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Node n = g.node(id);
  const OpId fwd = g.shape(n.inputs[1]).size() == 3 ? OpId::avg_pool1d : OpId::avg_pool2d;
  return {g.add1(fwd, {gy[0]}, n.attrs), -1};
}

// ---- adaptive_avg_pool: attr output_size ----

Shape adaptive_shape(const std::string& op, int nd, const ValueType& x, const Attrs& a) {
  check_input(op, x, nd);
  const Ints& out = a.ints("output_size");
  check_attr(op, "output_size", out, nd, true);
  Shape s = {x.shape[0], x.shape[1]};
  s.insert(s.end(), out.begin(), out.end());
  return s;
}

template <int ND>
std::vector<ValueType> infer_adaptive(const std::vector<ValueType>& in, const Attrs& a) {
  return {{adaptive_shape(name("adaptive_avg_pool", ND), ND, in[0], a), in[0].dtype}};
}

template <int ND>
std::vector<Tensor> run_adaptive(const std::vector<Tensor>& in, const Attrs& a) {
  return {ops::adaptive_avg_pool(ND, in[0], a.ints("output_size"))};
}

std::vector<ValueId> grad_adaptive(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Node n = g.node(id);
  return {g.add1(OpId::adaptive_avg_pool_backward, with_grad(gy[0], n, 1), n.attrs)};
}

std::vector<ValueType> infer_adaptive_backward(const std::vector<ValueType>& in, const Attrs& a) {
  const int nd = rank_nd(in[1]);
  const std::string op = name("adaptive_avg_pool", nd, "_backward");
  check_grad(op, in, adaptive_shape(op, nd, in[1], a));
  return {in[1]};
}

std::vector<Tensor> run_adaptive_backward(const std::vector<Tensor>& in, const Attrs& a) {
  return {ops::adaptive_avg_pool_backward(in[1].ndim() - 2, in[0], in[1], a.ints("output_size"))};
}

std::vector<ValueId> grad_adaptive_backward(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Node n = g.node(id);
  const OpId fwd =
      g.shape(n.inputs[1]).size() == 3 ? OpId::adaptive_avg_pool1d : OpId::adaptive_avg_pool2d;
  return {g.add1(fwd, {gy[0]}, n.attrs), -1};
}

// ---- global pools: (N, C, H, W) -> (N, C, 1, 1) ----

template <bool Max>
std::vector<ValueType> infer_global(const std::vector<ValueType>& in, const Attrs&) {
  check_input(Max ? "global_max_pool2d" : "global_avg_pool2d", in[0], 2);
  return {{{in[0].shape[0], in[0].shape[1], 1, 1}, in[0].dtype}};
}

template <bool Max>
std::vector<Tensor> run_global(const std::vector<Tensor>& in, const Attrs&) {
  return {Max ? ops::global_max_pool2d(in[0]) : ops::global_avg_pool2d(in[0])};
}

template <bool Max>
std::vector<ValueId> grad_global(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const ValueId x = g.node(id).inputs[0];
  const OpId op = Max ? OpId::global_max_pool2d_backward : OpId::global_avg_pool2d_backward;
  return {g.add1(op, {gy[0], x})};
}

template <bool Max>
std::vector<ValueType> infer_global_backward(const std::vector<ValueType>& in, const Attrs&) {
  const std::string op = Max ? "global_max_pool2d_backward" : "global_avg_pool2d_backward";
  check_input(op, in[1], 2);
  check_grad(op, in, {in[1].shape[0], in[1].shape[1], 1, 1});
  return {in[1]};
}

template <bool Max>
std::vector<Tensor> run_global_backward(const std::vector<Tensor>& in, const Attrs&) {
  return {Max ? ops::global_max_pool2d_backward(in[0], in[1])
              : ops::global_avg_pool2d_backward(in[0], in[1])};
}

// The adjoint reads the gradient back at each plane's first maximum: a whole-plane max_pool2d
// gives those positions.
std::vector<ValueId> grad_global_max_backward(Graph& g, NodeId id, const std::vector<ValueId>& gg) {
  const ValueId x = g.node(id).inputs[1];
  const Shape s = g.shape(x);
  const Ints plane = {s[2], s[3]};
  const auto pooled = g.add(OpId::max_pool2d, {x},
                            {{"kernel_size", plane},
                             {"stride", plane},
                             {"padding", Ints{0, 0}},
                             {"dilation", Ints{1, 1}},
                             {"ceil_mode", int64_t{0}}});
  return {g.add1(OpId::take_at_indices, {gg[0], pooled[1]}), -1};
}

std::vector<ValueId> grad_global_avg_backward(Graph& g, NodeId, const std::vector<ValueId>& gy) {
  return {g.add1(OpId::global_avg_pool2d, {gy[0]}), -1};
}

// ---- max_unpool2d(x, indices): attrs kernel_size, stride, padding, optional output_size.
// Whether the indices fall inside the output plane is known only when it runs. ----

Shape unpool_shape(const std::string& op, const std::vector<ValueType>& in, size_t first,
                   const Attrs& a) {
  const ValueType& x = in[first];
  check_input(op, x, 2);
  check_indices(op, in[first + 1], x.shape, "input has shape");
  const Ints &k = a.ints("kernel_size"), &s = a.ints("stride"), &p = a.ints("padding");
  check_attr(op, "kernel_size", k, 2, true);
  check_attr(op, "stride", s, 2, true);
  check_attr(op, "padding", p, 2, false);
  const Ints given = a.has("output_size") ? a.ints("output_size") : Ints();
  if (!given.empty() && given.size() != 2)
    throw ValueError(
        cat(op, ": output_size must be (H, W) or (N, C, H, W), got ", shape_str(given)));
  Shape out = {x.shape[0], x.shape[1]};
  for (int i = 0; i < 2; ++i) {
    const int64_t def = (x.shape[2 + i] - 1) * s[i] - 2 * p[i] + k[i];
    const int64_t o = given.empty() ? def : given[i];
    if (!given.empty() && !(def - s[i] < o && o < def + s[i]))
      throw ValueError(cat(op, ": output_size ", shape_str(given),
                           " must lie strictly within one stride of the default size (", def,
                           " +- ", s[i], ") for input ", shape_str(x.shape)));
    if (o < 1)
      throw ValueError(cat(op, ": output size ", o, " is not positive for input ",
                           shape_str(x.shape), ", kernel_size ", shape_str(k), ", stride ",
                           shape_str(s), ", padding ", shape_str(p)));
    out.push_back(o);
  }
  return out;
}

Ints output_size(const Attrs& a) { return a.has("output_size") ? a.ints("output_size") : Ints(); }

std::vector<ValueType> infer_unpool(const std::vector<ValueType>& in, const Attrs& a) {
  return {{unpool_shape("max_unpool2d", in, 0, a), in[0].dtype}};
}

std::vector<Tensor> run_unpool(const std::vector<Tensor>& in, const Attrs& a) {
  return {ops::max_unpool2d(in[0], in[1], a.ints("kernel_size"), a.ints("stride"),
                            a.ints("padding"), output_size(a))};
}

std::vector<ValueId> grad_unpool(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Node n = g.node(id);
  return {g.add1(OpId::max_unpool2d_backward, with_grad(gy[0], n, 2), n.attrs), -1};
}

std::vector<ValueType> infer_unpool_backward(const std::vector<ValueType>& in, const Attrs& a) {
  const std::string op = "max_unpool2d_backward";
  check_grad(op, in, unpool_shape(op, in, 1, a));
  return {in[1]};
}

std::vector<Tensor> run_unpool_backward(const std::vector<Tensor>& in, const Attrs& a) {
  return {ops::max_unpool2d_backward(in[0], in[1], in[2], a.ints("kernel_size"), a.ints("stride"),
                                     a.ints("padding"), output_size(a))};
}

// Linear in grad_output; its adjoint scatters back with the same indices. Exact when the
// indices are distinct (pools whose windows do not overlap, the usual unpooling); with repeats
// max_unpool2d keeps one of the values where the adjoint would sum them.
std::vector<ValueId> grad_unpool_backward(Graph& g, NodeId id, const std::vector<ValueId>& gg) {
  const Node n = g.node(id);
  return {g.add1(OpId::max_unpool2d, {gg[0], n.inputs[2]}, n.attrs), -1, -1};
}

}  // namespace

// clang-format off
//                                               name                           category  inputs  shape rule                    kernel                        gradient                  MACs
extern const OpDef k_max_pool1d                 = {"max_pool1d",                 "pool", 1, 1, infer_max_pool<1>,            run_max_pool<1>,              grad_max_pool,            nullptr, "MaxPool1d", 0};
extern const OpDef k_max_pool2d                 = {"max_pool2d",                 "pool", 1, 1, infer_max_pool<2>,            run_max_pool<2>,              grad_max_pool,            nullptr, "MaxPool2d", 0};
extern const OpDef k_max_pool_backward          = {"max_pool_backward",          "grad", 3, 3, infer_max_pool_backward,      run_max_pool_backward,        grad_max_pool_backward,   nullptr, nullptr, 0};
extern const OpDef k_avg_pool1d                 = {"avg_pool1d",                 "pool", 1, 1, infer_avg_pool<1>,            run_avg_pool<1>,              grad_avg_pool,            nullptr, "AvgPool1d", 0};
extern const OpDef k_avg_pool2d                 = {"avg_pool2d",                 "pool", 1, 1, infer_avg_pool<2>,            run_avg_pool<2>,              grad_avg_pool,            nullptr, "AvgPool2d", 0};
extern const OpDef k_avg_pool_backward          = {"avg_pool_backward",          "grad", 2, 2, infer_avg_pool_backward,      run_avg_pool_backward,        grad_avg_pool_backward,   nullptr, nullptr, 0};
extern const OpDef k_adaptive_avg_pool1d        = {"adaptive_avg_pool1d",        "pool", 1, 1, infer_adaptive<1>,            run_adaptive<1>,              grad_adaptive,            nullptr, "AdaptiveAvgPool1d", 0};
extern const OpDef k_adaptive_avg_pool2d        = {"adaptive_avg_pool2d",        "pool", 1, 1, infer_adaptive<2>,            run_adaptive<2>,              grad_adaptive,            nullptr, "AdaptiveAvgPool2d", 0};
extern const OpDef k_adaptive_avg_pool_backward = {"adaptive_avg_pool_backward", "grad", 2, 2, infer_adaptive_backward,      run_adaptive_backward,        grad_adaptive_backward,   nullptr, nullptr, 0};
extern const OpDef k_global_avg_pool2d          = {"global_avg_pool2d",          "pool", 1, 1, infer_global<false>,          run_global<false>,            grad_global<false>,       nullptr, "GlobalAvgPool2d", 0};
extern const OpDef k_global_max_pool2d          = {"global_max_pool2d",          "pool", 1, 1, infer_global<true>,           run_global<true>,             grad_global<true>,        nullptr, "GlobalMaxPool2d", 0};
extern const OpDef k_global_avg_pool2d_backward = {"global_avg_pool2d_backward", "grad", 2, 2, infer_global_backward<false>, run_global_backward<false>,   grad_global_avg_backward, nullptr, nullptr, 0};
extern const OpDef k_global_max_pool2d_backward = {"global_max_pool2d_backward", "grad", 2, 2, infer_global_backward<true>,  run_global_backward<true>,    grad_global_max_backward, nullptr, nullptr, 0};
extern const OpDef k_max_unpool2d               = {"max_unpool2d",               "pool", 2, 2, infer_unpool,                 run_unpool,                   grad_unpool,              nullptr, "MaxUnpool2d", 0};
extern const OpDef k_max_unpool2d_backward      = {"max_unpool2d_backward",      "grad", 3, 3, infer_unpool_backward,        run_unpool_backward,          grad_unpool_backward,     nullptr, nullptr, 0};
extern const OpDef k_take_at_indices            = {"take_at_indices",            "grad", 2, 2, infer_take,                   run_take,                     nullptr,                  nullptr, nullptr, 0};
// clang-format on

}  // namespace pg::graph
