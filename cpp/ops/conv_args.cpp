// Argument checks and geometry for the conv family. Every message names the op, the argument
// and the shapes, e.g. "conv2d: weight has 3 input channels per group but input has 4 channels
// (input (1, 4, 8, 8), weight (2, 3, 3, 3), groups=1)".
#include "ops/conv.h"
#include "tensor/check.h"

namespace pg::ops::detail {
namespace {

using kernels::ConvGeom;

const char* const kInLayout[] = {"", "(N, C, L)", "(N, C, H, W)", "(N, C, D, H, W)"};
const char* const kWLayout[] = {"", "(K, C/groups, kL)", "(K, C/groups, kH, kW)",
                                "(K, C/groups, kD, kH, kW)"};
const char* const kTLayout[] = {"", "(C_in, C_out/groups, kL)", "(C_in, C_out/groups, kH, kW)",
                                "(C_in, C_out/groups, kD, kH, kW)"};

std::string vec_str(const std::vector<int64_t>& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + (v.size() == 1 ? ",)" : ")");
}

std::string context(const Tensor& x, const Tensor& w, int64_t groups) {
  return cat("(input ", shape_str(x.shape()), ", weight ", shape_str(w.shape()),
             ", groups=", groups, ")");
}

void check_attr(const std::string& op, const char* arg, const std::vector<int64_t>& v, int nd,
                bool positive) {
  if (static_cast<int>(v.size()) != nd)
    throw ValueError(cat(op, ": ", arg, " must have ", nd, " values, got ", vec_str(v)));
  for (int64_t e : v)
    if (positive ? e <= 0 : e < 0)
      throw ValueError(
          cat(op, ": ", arg, " must be ", positive ? "positive" : ">= 0", ", got ", vec_str(v)));
}

// Shared by conv and conv_transpose: dtypes, ranks, emptiness, bias shape.
void check_tensors(const std::string& op, int nd, const Tensor& x, const Tensor& w, const Tensor& b,
                   const char* w_layout, int64_t bias_len, int64_t groups) {
  const char* o = op.c_str();
  if (nd < 1 || nd > 3) throw ValueError(cat(op, ": only 1-D, 2-D and 3-D convolutions exist"));
  check_same_dtype(o, {{"input", &x}, {"weight", &w}, {"bias", &b}});
  check_ndim(o, "input", x, nd + 2, kInLayout[nd]);
  check_ndim(o, "weight", w, nd + 2, w_layout);
  check_nonempty(o, "input", x);
  check_nonempty(o, "weight", w);
  if (groups <= 0) throw ValueError(cat(op, ": groups must be positive, got ", groups));
  if (b.defined() && (b.ndim() != 1 || b.dim(0) != bias_len))
    throw ValueError(cat(op, ": bias must have shape (", bias_len, ",), got ", shape_str(b.shape()),
                         " ", context(x, w, groups)));
}

}  // namespace

ConvGeom conv_geom(const std::string& op, int nd, const Tensor& x, const Tensor& w, const Tensor& b,
                   const ConvOptions& o) {
  check_tensors(op, nd, x, w, b, kWLayout[std::min(std::max(nd, 0), 3)],
                w.ndim() > 0 ? w.dim(0) : 0, o.groups);
  check_attr(op, "stride", o.stride, nd, true);
  check_attr(op, "dilation", o.dilation, nd, true);
  check_attr(op, "padding", o.padding, nd, false);
  const std::string ctx = context(x, w, o.groups);
  const int64_t C = x.dim(1), K = w.dim(0), G = o.groups;
  if (C % G)
    throw ValueError(
        cat(op, ": input channels (", C, ") must be divisible by groups (", G, ") ", ctx));
  if (K % G)
    throw ValueError(cat(op, ": weight's output channels (", K, ") must be divisible by groups (",
                         G, ") ", ctx));
  if (w.dim(1) * G != C)
    throw ValueError(cat(op, ": weight has ", w.dim(1), " input channels per group but input has ",
                         C, " channels ", ctx));
  const std::string& mode = o.padding_mode;
  if (!mode.empty() && mode != "same" && mode != "valid")
    throw ValueError(
        cat(op, ": padding must be an int, a tuple of ints, 'same' or 'valid', got '", mode, "'"));
  if (mode == "same")
    for (int64_t s : o.stride)
      if (s != 1)
        throw ValueError(
            cat(op, ": padding='same' needs stride 1, got stride ", vec_str(o.stride)));
  ConvGeom g;
  g.N = x.dim(0);
  g.C = C;
  g.K = K;
  g.G = G;
  for (int i = 0; i < nd; ++i) {
    const int d = 3 - nd + i;
    const int64_t in = x.dim(2 + i), k = w.dim(2 + i), dil = o.dilation[i];
    const int64_t span = dil * (k - 1);  // kernel extent minus one
    int64_t lo = o.padding[i], hi = o.padding[i];
    if (mode == "valid") lo = hi = 0;
    if (mode == "same") lo = span / 2, hi = span - span / 2;  // extra pad at the end, as torch
    const int64_t padded = in + lo + hi;
    if (padded < span + 1)
      throw ValueError(cat(op, ": kernel size ", k, " with dilation ", dil, " spans ", span + 1,
                           " but the padded input has only ", padded, " along spatial dim ", i,
                           " (output size would be < 1) ", ctx));
    g.in[d] = in;
    g.ker[d] = k;
    g.stride[d] = o.stride[i];
    g.dil[d] = dil;
    g.pad[d] = lo;
    g.out[d] = (padded - span - 1) / o.stride[i] + 1;
  }
  return g;
}

ConvGeom conv_transpose_geom(const std::string& op, int nd, const Tensor& x, const Tensor& w,
                             const Tensor& b, const ConvTransposeOptions& o) {
  const int64_t G = o.groups;
  check_tensors(op, nd, x, w, b, kTLayout[std::min(std::max(nd, 0), 3)],
                w.ndim() > 1 ? w.dim(1) * std::max<int64_t>(G, 1) : 0, G);
  check_attr(op, "stride", o.stride, nd, true);
  check_attr(op, "dilation", o.dilation, nd, true);
  check_attr(op, "padding", o.padding, nd, false);
  check_attr(op, "output_padding", o.output_padding, nd, false);
  const std::string ctx = context(x, w, G);
  const int64_t Cin = x.dim(1);
  if (w.dim(0) != Cin)
    throw ValueError(cat(op, ": weight has ", w.dim(0),
                         " input channels (its dim 0) but input has ", Cin, " channels ", ctx));
  if (Cin % G)
    throw ValueError(
        cat(op, ": input channels (", Cin, ") must be divisible by groups (", G, ") ", ctx));
  ConvGeom g;  // the forward conv whose input gradient this op computes
  g.N = x.dim(0);
  g.K = Cin;
  g.C = w.dim(1) * G;
  g.G = G;
  for (int i = 0; i < nd; ++i) {
    const int d = 3 - nd + i;
    const int64_t s = o.stride[i], dil = o.dilation[i], op_ = o.output_padding[i];
    if (op_ >= s && op_ >= dil)
      throw ValueError(cat(op, ": output_padding must be smaller than stride or dilation, got ",
                           "output_padding ", vec_str(o.output_padding), ", stride ",
                           vec_str(o.stride), ", dilation ", vec_str(o.dilation)));
    const int64_t k = w.dim(2 + i), in = x.dim(2 + i);
    const int64_t out = (in - 1) * s - 2 * o.padding[i] + dil * (k - 1) + op_ + 1;
    if (out < 1)
      throw ValueError(cat(op, ": output size along spatial dim ", i, " would be ", out,
                           " (< 1): padding ", vec_str(o.padding), " is too large ", ctx));
    g.in[d] = out;
    g.out[d] = in;
    g.ker[d] = k;
    g.stride[d] = s;
    g.dil[d] = dil;
    g.pad[d] = o.padding[i];
  }
  return g;
}

Shape out_shape(const ConvGeom& g, int nd) {
  Shape s = {g.N, g.K};
  for (int i = 3 - nd; i < 3; ++i) s.push_back(g.out[i]);
  return s;
}

Shape in_shape(const ConvGeom& g, int nd) {
  Shape s = {g.N, g.C};
  for (int i = 3 - nd; i < 3; ++i) s.push_back(g.in[i]);
  return s;
}

}  // namespace pg::ops::detail
