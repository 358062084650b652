#include "ops/matmul.h"

#include <algorithm>

#include "kernels/gemm/gemm.h"
#include "tensor/check.h"

namespace pg::ops {
namespace {

using kernels::Activation;
using kernels::Epilogue;

int64_t prod(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

// matmul's view of its operands after numpy's rules: 1-D a is (1, K), 1-D b is (K, 1), the
// leading dims broadcast to `batch`. Each operand's batch dims are left-padded with 1s.
struct MatmulPlan {
  int64_t M, K, N;
  Shape batch, a_batch, b_batch, out_shape;
  int64_t nbatch;
  bool a_full, b_full, a_single, b_single;
};

MatmulPlan plan_matmul(const char* op, const Tensor& a, const Tensor& b) {
  if (a.ndim() == 0 || b.ndim() == 0)
    throw ValueError(cat(op, ": ", a.ndim() == 0 ? "a" : "b",
                         " must have at least 1 dimension, got a scalar (a has shape ",
                         shape_str(a.shape()), ", b has shape ", shape_str(b.shape()), ")"));
  check_nonempty(op, "a", a);
  check_nonempty(op, "b", b);
  MatmulPlan p;
  p.M = a.ndim() == 1 ? 1 : a.dim(-2);
  p.K = a.dim(-1);
  const int64_t kb = b.ndim() == 1 ? b.dim(0) : b.dim(-2);
  p.N = b.ndim() == 1 ? 1 : b.dim(-1);
  if (p.K != kb)
    throw ValueError(cat(op, ": a has shape ", shape_str(a.shape()), " and b has shape ",
                         shape_str(b.shape()), ": a's columns (", p.K, ") must equal b's rows (",
                         kb, ")"));
  Shape ab(a.shape().begin(), a.shape().end() - std::min(a.ndim(), 2));
  Shape bb(b.shape().begin(), b.shape().end() - std::min(b.ndim(), 2));
  const size_t nd = std::max(ab.size(), bb.size());
  ab.insert(ab.begin(), nd - ab.size(), 1);
  bb.insert(bb.begin(), nd - bb.size(), 1);
  p.batch.resize(nd);
  for (size_t d = 0; d < nd; ++d) {
    if (ab[d] != bb[d] && ab[d] != 1 && bb[d] != 1)
      throw ValueError(cat(op, ": the batch dimensions of a ", shape_str(a.shape()), " and b ",
                           shape_str(b.shape()), " do not broadcast: ", ab[d], " vs ", bb[d]));
    p.batch[d] = std::max(ab[d], bb[d]);
  }
  p.a_batch = ab, p.b_batch = bb;
  p.nbatch = prod(p.batch);
  p.a_full = ab == p.batch, p.b_full = bb == p.batch;
  p.a_single = prod(ab) == 1, p.b_single = prod(bb) == 1;
  p.out_shape = p.batch;
  if (a.ndim() > 1) p.out_shape.push_back(p.M);
  if (b.ndim() > 1) p.out_shape.push_back(p.N);
  return p;
}

// Element offset of each output batch entry's matrix inside an operand with batch dims `ob`
// (broadcast dims of size 1 repeat the same matrix), matrices of `mat` elements.
std::vector<int64_t> batch_offsets(const Shape& batch, const Shape& ob, int64_t mat) {
  const size_t nd = batch.size();
  std::vector<int64_t> stride(nd);
  int64_t s = mat;
  for (size_t d = nd; d-- > 0;) {
    stride[d] = ob[d] == 1 ? 0 : s;
    s *= ob[d];
  }
  std::vector<int64_t> off(static_cast<size_t>(prod(batch)));
  std::vector<int64_t> idx(nd, 0);
  for (size_t e = 0; e < off.size(); ++e) {
    int64_t o = 0;
    for (size_t d = 0; d < nd; ++d) o += idx[d] * stride[d];
    off[e] = o;
    for (size_t d = nd; d-- > 0;) {
      if (++idx[d] < batch[d]) break;
      idx[d] = 0;
    }
  }
  return off;
}

template <class T>
Tensor matmul_typed(const Tensor& a, const Tensor& b, const MatmulPlan& p) {
  const int64_t M = p.M, N = p.N, K = p.K;
  Tensor c = Tensor::empty(p.out_shape, dtype_of<T>(), "matmul");
  const T* A = a.data<T>();
  const T* B = b.data<T>();
  T* C = c.data<T>();
  if (p.b_single) {  // one b for every batch entry: fold the batch into the rows of a
    kernels::gemm<T>(false, false, p.nbatch * M, N, K, T(1), A, K, B, N, T(0), C, N);
  } else if ((p.a_full || p.a_single) && p.b_full) {
    kernels::gemm_batched<T>(p.nbatch, false, false, M, N, K, T(1), A, p.a_single ? 0 : M * K, K, B,
                             K * N, N, T(0), C, M * N, N);
  } else {  // partial broadcasting: one GEMM per batch entry
    const auto ao = batch_offsets(p.batch, p.a_batch, M * K);
    const auto bo = batch_offsets(p.batch, p.b_batch, K * N);
    for (int64_t e = 0; e < p.nbatch; ++e)
      kernels::gemm<T>(false, false, M, N, K, T(1), A + ao[e], K, B + bo[e], N, T(0), C + e * M * N,
                       N);
  }
  return c;
}

template <class T>
std::vector<Tensor> matmul_backward_typed(const Tensor& g, const Tensor& a, const Tensor& b,
                                          const MatmulPlan& p) {
  const int64_t M = p.M, N = p.N, K = p.K;
  Tensor ga = Tensor::empty(a.shape(), dtype_of<T>(), "matmul_backward");
  Tensor gb = Tensor::empty(b.shape(), dtype_of<T>(), "matmul_backward");
  const T* G = g.data<T>();
  const T* A = a.data<T>();
  const T* B = b.data<T>();
  T* GA = ga.data<T>();
  T* GB = gb.data<T>();
  // grad_a = grad_output @ b^T, grad_b = a^T @ grad_output, per batch entry.
  if (p.b_single) {  // folded: the sum over the batch is the GEMM's own K loop
    kernels::gemm<T>(false, true, p.nbatch * M, K, N, T(1), G, N, B, N, T(0), GA, K);
    kernels::gemm<T>(true, false, K, N, p.nbatch * M, T(1), A, K, G, N, T(0), GB, N);
  } else if (p.a_full && p.b_full) {
    kernels::gemm_batched<T>(p.nbatch, false, true, M, K, N, T(1), G, M * N, N, B, K * N, N, T(0),
                             GA, M * K, K);
    kernels::gemm_batched<T>(p.nbatch, true, false, K, N, M, T(1), A, M * K, K, G, M * N, N, T(0),
                             GB, K * N, N);
  } else {  // broadcast operands: accumulate (beta = 1) into the slot each entry maps to
    const auto ao = batch_offsets(p.batch, p.a_batch, M * K);
    const auto bo = batch_offsets(p.batch, p.b_batch, K * N);
    std::vector<char> a_seen(static_cast<size_t>(prod(p.a_batch)), 0);
    std::vector<char> b_seen(static_cast<size_t>(prod(p.b_batch)), 0);
    for (int64_t e = 0; e < p.nbatch; ++e) {
      char& sa = a_seen[static_cast<size_t>(ao[e] / (M * K))];
      char& sb = b_seen[static_cast<size_t>(bo[e] / (K * N))];
      kernels::gemm<T>(false, true, M, K, N, T(1), G + e * M * N, N, B + bo[e], N, sa ? T(1) : T(0),
                       GA + ao[e], K);
      kernels::gemm<T>(true, false, K, N, M, T(1), A + ao[e], K, G + e * M * N, N, sb ? T(1) : T(0),
                       GB + bo[e], N);
      sa = sb = 1;
    }
  }
  return {ga, gb};
}

Activation parse_activation(const std::string& name) {
  if (name == "none") return Activation::none;
  if (name == "relu") return Activation::relu;
  if (name == "leaky_relu") return Activation::leaky_relu;
  throw ValueError(cat("gemm: activation must be None, 'relu' or 'leaky_relu', got '", name, "'"));
}

template <class T>
Tensor gemm_typed(const Tensor& a, const Tensor& b, const Tensor& c, double alpha, double beta,
                  bool ta, bool tb, const Tensor& bias, int bias_axis, Activation act,
                  double slope) {
  const int64_t M = ta ? a.dim(1) : a.dim(0), K = ta ? a.dim(0) : a.dim(1);
  const int64_t N = tb ? b.dim(0) : b.dim(1);
  Tensor out = Tensor::empty({M, N}, dtype_of<T>(), "gemm");
  if (c.defined()) {
    std::copy(c.data<T>(), c.data<T>() + M * N, out.data<T>());
  } else {
    beta = 0;  // no c: nothing to add
  }
  Epilogue<T> ep;
  ep.bias = bias.defined() ? bias.data<T>() : nullptr;
  ep.bias_per_row = bias_axis == 0;
  ep.act = act;
  ep.slope = T(slope);
  kernels::gemm<T>(ta, tb, M, N, K, T(alpha), a.data<T>(), a.dim(1), b.data<T>(), b.dim(1), T(beta),
                   out.data<T>(), N, ep);
  return out;
}

// input (..., in) and weight (out, in) agree; bias, if any, is (out,).
void check_linear(const char* op, const Tensor& input, const Tensor& weight, const Tensor& bias) {
  if (input.ndim() == 0)
    throw ValueError(cat(op,
                         ": input must have at least 1 dimension (..., in_features), got a "
                         "scalar"));
  check_ndim(op, "weight", weight, 2, "(out_features, in_features)");
  check_nonempty(op, "input", input);
  check_nonempty(op, "weight", weight);
  if (input.dim(-1) != weight.dim(1))
    throw ValueError(cat(op, ": input has ", input.dim(-1), " features (last dim) but weight ",
                         shape_str(weight.shape()), " expects ", weight.dim(1), " (input ",
                         shape_str(input.shape()), ", weight ", shape_str(weight.shape()), ")"));
  if (bias.defined() && bias.shape() != Shape{weight.dim(0)})
    throw ValueError(cat(op, ": bias must have shape (", weight.dim(0), ",) to match weight ",
                         shape_str(weight.shape()), ", got ", shape_str(bias.shape())));
}

template <class T>
Tensor linear_typed(const Tensor& x, const Tensor& w, const Tensor& bias) {
  const int64_t in = w.dim(1), out = w.dim(0), rows = x.numel() / in;
  Shape shape = x.shape();
  shape.back() = out;
  Tensor y = Tensor::empty(shape, dtype_of<T>(), "linear");
  Epilogue<T> ep;
  ep.bias = bias.defined() ? bias.data<T>() : nullptr;
  kernels::gemm<T>(false, true, rows, out, in, T(1), x.data<T>(), in, w.data<T>(), in, T(0),
                   y.data<T>(), out, ep);
  return y;
}

template <class T>
std::vector<Tensor> linear_backward_typed(const Tensor& g, const Tensor& x, const Tensor& w,
                                          const Tensor& bias) {
  const int64_t in = w.dim(1), out = w.dim(0), rows = x.numel() / in;
  Tensor gx = Tensor::empty(x.shape(), dtype_of<T>(), "linear_backward");
  Tensor gw = Tensor::empty(w.shape(), dtype_of<T>(), "linear_backward");
  const T* G = g.data<T>();
  // grad_input = g (rows, out) @ W (out, in); grad_weight = g^T (out, rows) @ x (rows, in)
  kernels::gemm<T>(false, false, rows, in, out, T(1), G, out, w.data<T>(), in, T(0), gx.data<T>(),
                   in);
  kernels::gemm<T>(true, false, out, in, rows, T(1), G, out, x.data<T>(), in, T(0), gw.data<T>(),
                   in);
  Tensor gbias;
  if (bias.defined()) {  // column sums of g, accumulated in double
    gbias = Tensor::empty({out}, dtype_of<T>(), "linear_backward");
    std::vector<double> acc(static_cast<size_t>(out), 0.0);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t o = 0; o < out; ++o) acc[o] += G[r * out + o];
    for (int64_t o = 0; o < out; ++o) gbias.data<T>()[o] = T(acc[o]);
  }
  return {gx, gw, gbias};
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_same_dtype("matmul", {{"a", &a}, {"b", &b}});
  const MatmulPlan p = plan_matmul("matmul", a, b);
  return a.dtype() == DType::f32 ? matmul_typed<float>(a, b, p) : matmul_typed<double>(a, b, p);
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  check_same_dtype("bmm", {{"a", &a}, {"b", &b}});
  check_ndim("bmm", "a", a, 3, "(B, M, K)");
  check_ndim("bmm", "b", b, 3, "(B, K, N)");
  if (a.dim(0) != b.dim(0))
    throw ValueError(cat("bmm: a has batch ", a.dim(0), " but b has batch ", b.dim(0), " (a ",
                         shape_str(a.shape()), ", b ", shape_str(b.shape()), ")"));
  const MatmulPlan p = plan_matmul("bmm", a, b);
  return a.dtype() == DType::f32 ? matmul_typed<float>(a, b, p) : matmul_typed<double>(a, b, p);
}

std::vector<Tensor> matmul_backward(const Tensor& grad_output, const Tensor& a, const Tensor& b) {
  check_same_dtype("matmul_backward", {{"grad_output", &grad_output}, {"a", &a}, {"b", &b}});
  const MatmulPlan p = plan_matmul("matmul_backward", a, b);
  check_same_shape("matmul_backward", "grad_output", grad_output, p.out_shape,
                   "grad_output must have the shape of matmul(a, b)");
  return a.dtype() == DType::f32 ? matmul_backward_typed<float>(grad_output, a, b, p)
                                 : matmul_backward_typed<double>(grad_output, a, b, p);
}

Tensor gemm(const Tensor& a, const Tensor& b, const Tensor& c, double alpha, double beta,
            bool trans_a, bool trans_b, const Tensor& bias, int bias_axis,
            const std::string& activation, double negative_slope) {
  const Activation act = parse_activation(activation);
  check_same_dtype("gemm", {{"a", &a}, {"b", &b}});
  if (c.defined()) check_same_dtype("gemm", {{"a", &a}, {"c", &c}});
  if (bias.defined()) check_same_dtype("gemm", {{"a", &a}, {"bias", &bias}});
  check_ndim("gemm", "a", a, 2, trans_a ? "(K, M)" : "(M, K)");
  check_ndim("gemm", "b", b, 2, trans_b ? "(N, K)" : "(K, N)");
  check_nonempty("gemm", "a", a);
  check_nonempty("gemm", "b", b);
  const int64_t M = trans_a ? a.dim(1) : a.dim(0), K = trans_a ? a.dim(0) : a.dim(1);
  const int64_t Kb = trans_b ? b.dim(1) : b.dim(0), N = trans_b ? b.dim(0) : b.dim(1);
  const auto flags = [&] {
    return cat("(a ", shape_str(a.shape()), ", b ", shape_str(b.shape()),
               ", trans_a=", trans_a ? "True" : "False", ", trans_b=", trans_b ? "True" : "False",
               ")");
  };
  if (K != Kb)
    throw ValueError(cat("gemm: op(a) has ", K, " columns but op(b) has ", Kb, " rows ", flags()));
  if (c.defined() && c.shape() != Shape{M, N})
    throw ValueError(cat("gemm: c must have shape (M, N) = ", shape_str({M, N}), ", got ",
                         shape_str(c.shape()), " ", flags()));
  if (bias_axis != 0 && bias_axis != 1)
    throw ValueError(
        cat("gemm: bias_axis must be 0 (one bias per row) or 1 (per column), got ", bias_axis));
  if (bias.defined()) {
    const int64_t len = bias_axis == 0 ? M : N;
    if (bias.shape() != Shape{len})
      throw ValueError(cat("gemm: bias must have shape (", len, ",) for bias_axis=", bias_axis,
                           " (output ", shape_str({M, N}), "), got ", shape_str(bias.shape())));
  }
  return a.dtype() == DType::f32 ? gemm_typed<float>(a, b, c, alpha, beta, trans_a, trans_b, bias,
                                                     bias_axis, act, negative_slope)
                                 : gemm_typed<double>(a, b, c, alpha, beta, trans_a, trans_b, bias,
                                                      bias_axis, act, negative_slope);
}

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  check_same_dtype("linear", {{"input", &input}, {"weight", &weight}});
  if (bias.defined()) check_same_dtype("linear", {{"input", &input}, {"bias", &bias}});
  check_linear("linear", input, weight, bias);
  return input.dtype() == DType::f32 ? linear_typed<float>(input, weight, bias)
                                     : linear_typed<double>(input, weight, bias);
}

std::vector<Tensor> linear_backward(const Tensor& grad_output, const Tensor& input,
                                    const Tensor& weight, const Tensor& bias) {
  check_same_dtype("linear_backward",
                   {{"grad_output", &grad_output}, {"input", &input}, {"weight", &weight}});
  if (bias.defined()) check_same_dtype("linear_backward", {{"input", &input}, {"bias", &bias}});
  check_linear("linear_backward", input, weight, bias);
  Shape out_shape = input.shape();
  out_shape.back() = weight.dim(0);
  check_same_shape("linear_backward", "grad_output", grad_output, out_shape,
                   "grad_output must have the shape of linear(input, weight)");
  return input.dtype() == DType::f32
             ? linear_backward_typed<float>(grad_output, input, weight, bias)
             : linear_backward_typed<double>(grad_output, input, weight, bias);
}

}  // namespace pg::ops
