// Convolutions: conv1d/2d/3d (input, weight[, bias]) and conv_transpose1d/2d/3d, with their
// gradients as the 'grad' ops conv_backward and conv_transpose_backward (2 or 3 outputs:
// grad_input, grad_weight[, grad_bias]). Shape rules call the eager geometry (ops/conv.h), so
// the graph rejects bad shapes with the eager messages.
#include "ops/conv.h"

#include "graph/ir.h"
#include "graph/ops/builders.h"
#include "graph/ops/checks.h"
#include "tensor/check.h"

namespace pg::graph {
namespace {

// A tensor with a shape and a dtype but no numbers, for the eager layer's shape checks.
Tensor meta(const ValueType& t) {
  static char dummy;
  return Tensor::borrow(&dummy, t.shape, t.dtype);
}

Tensor opt_meta(const std::vector<ValueType>& in, size_t k) {
  return in.size() > k ? meta(in[k]) : Tensor();
}

// The spatial rank of a backward op's input x (N, C, *spatial).
int rank_nd(const ValueType& x) { return static_cast<int>(x.shape.size()) - 2; }
std::string op_name(const char* base, int nd, const char* suffix = "") {
  return nd >= 1 && nd <= 3 ? cat(base, nd, "d", suffix) : cat(base, suffix);
}

int64_t prod(const Shape& s, size_t from = 0) {
  int64_t n = 1;
  for (size_t k = from; k < s.size(); ++k) n *= s[k];
  return n;
}

// ---- conv: attrs stride, padding, dilation (nd ints each), groups, padding_mode ("same",
// "valid" or absent for explicit padding) ----

ops::ConvOptions conv_options(const Attrs& a) {
  ops::ConvOptions o{a.ints("stride"), a.ints("padding"), a.ints("dilation"), "", a.i("groups")};
  if (a.has("padding_mode")) o.padding_mode = a.s("padding_mode");
  return o;
}

template <int ND>
std::vector<ValueType> infer_conv(const std::vector<ValueType>& in, const Attrs& a) {
  const auto g = ops::detail::conv_geom(op_name("conv", ND), ND, meta(in[0]), meta(in[1]),
                                        opt_meta(in, 2), conv_options(a));
  return {{ops::detail::out_shape(g, ND), in[0].dtype}};
}

// The activation the fuse pass folds into a conv (attr "activation"; absent: none).
kernels::Activation conv_activation(const Attrs& a) {
  if (!a.has("activation") || a.s("activation") == "none") return kernels::Activation::none;
  if (a.s("activation") == "relu") return kernels::Activation::relu;
  throw ValueError(cat("conv: activation must be 'none' or 'relu', got '", a.s("activation"), "'"));
}

template <int ND>
std::vector<Tensor> run_conv(const std::vector<Tensor>& in, const Attrs& a) {
  return {ops::conv(ND, in[0], in[1], opt(in, 2), conv_options(a), conv_activation(a))};
}

// conv_backward(grad_output, input, weight[, bias]) -> grad_input, grad_weight[, grad_bias]
std::vector<ValueId> grad_conv(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Node n = g.node(id);
  std::vector<ValueId> in = {gy[0]};
  in.insert(in.end(), n.inputs.begin(), n.inputs.end());
  return g.add(OpId::conv_backward, in, n.attrs);
}

std::vector<ValueType> infer_conv_backward(const std::vector<ValueType>& in, const Attrs& a) {
  const int nd = rank_nd(in[1]);
  const std::string op = op_name("conv", nd, "_backward");
  const auto g =
      ops::detail::conv_geom(op, nd, meta(in[1]), meta(in[2]), opt_meta(in, 3), conv_options(a));
  const Tensor dy = meta(in[0]), x = meta(in[1]);
  check_same_dtype(op.c_str(), {{"input", &x}, {"grad_output", &dy}});
  check_same_shape(op.c_str(), "grad_output", dy, ops::detail::out_shape(g, nd),
                   "the forward output has shape");
  return std::vector<ValueType>(in.begin() + 1, in.end());
}

// input_grad=0 (set by simplify when nothing reads grad_input): that output stays undefined.
std::vector<Tensor> run_conv_backward(const std::vector<Tensor>& in, const Attrs& a) {
  const bool input_grad = !a.has("input_grad") || a.i("input_grad") != 0;
  auto out = ops::conv_backward(in[1].ndim() - 2, in[0], in[1], in[2], opt(in, 3), conv_options(a),
                                input_grad);
  out.resize(in.size() - 1);
  return out;
}

// MACs excluding bias, as torchvision counts: N*K*P*Q * (C/groups)*R*S.
int64_t macs_conv(const std::vector<ValueType>& in, const Attrs& a) {
  const int nd = rank_nd(in[0]);
  const auto g = ops::detail::conv_geom(op_name("conv", nd), nd, meta(in[0]), meta(in[1]),
                                        opt_meta(in, 2), conv_options(a));
  return prod(ops::detail::out_shape(g, nd)) * prod(in[1].shape, 1);
}

// ---- conv_transpose: attrs stride, padding, output_padding, dilation, groups ----

ops::ConvTransposeOptions tconv_options(const Attrs& a) {
  return {a.ints("stride"), a.ints("padding"), a.ints("output_padding"), a.ints("dilation"),
          a.i("groups")};
}

kernels::ConvGeom tconv_geom(const std::string& op, int nd, const std::vector<ValueType>& in,
                             size_t first, const Attrs& a) {
  return ops::detail::conv_transpose_geom(op, nd, meta(in[first]), meta(in[first + 1]),
                                          opt_meta(in, first + 2), tconv_options(a));
}

template <int ND>
std::vector<ValueType> infer_conv_transpose(const std::vector<ValueType>& in, const Attrs& a) {
  const auto g = tconv_geom(op_name("conv_transpose", ND), ND, in, 0, a);
  return {{ops::detail::in_shape(g, ND), in[0].dtype}};
}

template <int ND>
std::vector<Tensor> run_conv_transpose(const std::vector<Tensor>& in, const Attrs& a) {
  return {ops::conv_transpose(ND, in[0], in[1], opt(in, 2), tconv_options(a))};
}

std::vector<ValueId> grad_conv_transpose(Graph& g, NodeId id, const std::vector<ValueId>& gy) {
  const Node n = g.node(id);
  std::vector<ValueId> in = {gy[0]};
  in.insert(in.end(), n.inputs.begin(), n.inputs.end());
  return g.add(OpId::conv_transpose_backward, in, n.attrs);
}

std::vector<ValueType> infer_conv_transpose_backward(const std::vector<ValueType>& in,
                                                     const Attrs& a) {
  const int nd = rank_nd(in[1]);
  const std::string op = op_name("conv_transpose", nd, "_backward");
  const auto g = tconv_geom(op, nd, in, 1, a);
  const Tensor dy = meta(in[0]), x = meta(in[1]);
  check_same_dtype(op.c_str(), {{"input", &x}, {"grad_output", &dy}});
  check_same_shape(op.c_str(), "grad_output", dy, ops::detail::in_shape(g, nd),
                   "the forward output has shape");
  return std::vector<ValueType>(in.begin() + 1, in.end());
}

std::vector<Tensor> run_conv_transpose_backward(const std::vector<Tensor>& in, const Attrs& a) {
  auto out = ops::conv_transpose_backward(in[1].ndim() - 2, in[0], in[1], in[2], opt(in, 3),
                                          tconv_options(a));
  out.resize(in.size() - 1);
  return out;
}

// Each input element meets (C_out/groups)*kernel weights: N*C_in*H*W * (C_out/groups)*R*S.
int64_t macs_conv_transpose(const std::vector<ValueType>& in, const Attrs&) {
  return prod(in[0].shape) * prod(in[1].shape, 1);
}

// ---- second order: conv_backward and conv_transpose_backward are bilinear, in (gy, w) for
// grad_input and in (gy, x) for grad_weight. With the gradients ggx, ggw, ggb of its outputs:
//   d/d gy = fwd(ggx, w) + fwd(x, ggw) + ggb spread over (N, *spatial)
//   d/d x  = backward(gy, x, ggw).grad_input     d/d w = backward(gy, ggx, w).grad_weight
// Output gradients that autodiff filled with zeros (outputs nothing used) are skipped. ----

bool is_zero_fill(const Graph& g, ValueId v) {
  const NodeId p = g.value(v).producer;
  return p >= 0 && g.node(p).op == OpId::fill && g.node(p).attrs.f("value") == 0.0;
}

template <bool Transposed>
std::vector<ValueId> grad_backward(Graph& g, NodeId id, const std::vector<ValueId>& gg) {
  const Node n = g.node(id);
  const ValueId gy = n.inputs[0], x = n.inputs[1], w = n.inputs[2];
  const Shape gy_shape = g.shape(gy);
  const size_t nd = gy_shape.size() - 2;
  const OpId conv_ops[] = {OpId::conv1d, OpId::conv2d, OpId::conv3d};
  const OpId tconv_ops[] = {OpId::conv_transpose1d, OpId::conv_transpose2d, OpId::conv_transpose3d};
  const OpId fwd = Transposed ? tconv_ops[nd - 1] : conv_ops[nd - 1];
  const OpId bwd = Transposed ? OpId::conv_transpose_backward : OpId::conv_backward;
  ValueId dgy = -1, dx = -1, dw = -1;
  auto acc = [&](ValueId v) { dgy = dgy < 0 ? v : add(g, dgy, v); };
  if (!is_zero_fill(g, gg[0])) {
    acc(g.add1(fwd, {gg[0], w}, n.attrs));
    dw = g.add(bwd, {gy, gg[0], w}, n.attrs)[1];
  }
  if (!is_zero_fill(g, gg[1])) {
    acc(g.add1(fwd, {x, gg[1]}, n.attrs));
    dx = g.add(bwd, {gy, x, gg[1]}, n.attrs)[0];
  }
  if (gg.size() > 2 && !is_zero_fill(g, gg[2])) {
    Shape per_channel(nd + 2, 1);
    per_channel[1] = gy_shape[1];
    acc(broadcast_to(g, g.add1(OpId::reshape, {gg[2]}, {{"shape", per_channel}}), gy_shape));
  }
  std::vector<ValueId> out = {dgy, dx, dw};
  if (n.inputs.size() > 3) out.push_back(-1);  // the bias only gave its shape
  return out;
}

}  // namespace

// clang-format off
//                                            name                       category  inputs  shape rule                        kernel                       gradient             MACs
extern const OpDef k_conv1d                  = {"conv1d",                  "conv", 2, 3, infer_conv<1>,                   run_conv<1>,                 grad_conv,           macs_conv, "Conv1d", 6};
extern const OpDef k_conv2d                  = {"conv2d",                  "conv", 2, 3, infer_conv<2>,                   run_conv<2>,                 grad_conv,           macs_conv, "Conv2d", 6};
extern const OpDef k_conv3d                  = {"conv3d",                  "conv", 2, 3, infer_conv<3>,                   run_conv<3>,                 grad_conv,           macs_conv, "Conv3d", 6};
extern const OpDef k_conv_backward           = {"conv_backward",           "grad", 3, 4, infer_conv_backward,             run_conv_backward,           grad_backward<false>, nullptr, nullptr, 0};
extern const OpDef k_conv_transpose1d        = {"conv_transpose1d",        "conv", 2, 3, infer_conv_transpose<1>,         run_conv_transpose<1>,       grad_conv_transpose, macs_conv_transpose, "ConvTranspose1d", 6};
extern const OpDef k_conv_transpose2d        = {"conv_transpose2d",        "conv", 2, 3, infer_conv_transpose<2>,         run_conv_transpose<2>,       grad_conv_transpose, macs_conv_transpose, "ConvTranspose2d", 6};
extern const OpDef k_conv_transpose3d        = {"conv_transpose3d",        "conv", 2, 3, infer_conv_transpose<3>,         run_conv_transpose<3>,       grad_conv_transpose, macs_conv_transpose, "ConvTranspose3d", 6};
extern const OpDef k_conv_transpose_backward = {"conv_transpose_backward", "grad", 3, 4, infer_conv_transpose_backward,   run_conv_transpose_backward, grad_backward<true>, nullptr, nullptr, 0};
// clang-format on

}  // namespace pg::graph
