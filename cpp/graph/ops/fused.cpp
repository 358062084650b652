// Fused ops: only the fuse pass emits them (category "fused", no gradient: fuse runs after
// autodiff). gemm is a 2-D matmul with transposed operands, bias and activation folded in;
// fused_elementwise runs a small program of elementwise instructions in one pass over memory.
#include "graph/ir.h"
#include "graph/ops/checks.h"
#include "kernels/eltwise/eltwise_program.h"
#include "ops/matmul.h"

namespace pg::graph {
namespace {

// ---- gemm(a, b[, bias]) attrs trans_a, trans_b, activation, negative_slope:
// act(op(a) @ op(b) + bias), op(a) (M, K), op(b) (K, N), bias (N) ----

std::vector<ValueType> infer_gemm(const std::vector<ValueType>& in, const Attrs& at) {
  const Shape &a = in[0].shape, &b = in[1].shape;
  const bool ta = at.i("trans_a") != 0, tb = at.i("trans_b") != 0;
  if (a.size() != 2 || b.size() != 2 || a[ta ? 0 : 1] != b[tb ? 1 : 0])
    throw ValueError(cat("gemm: a ", shape_str(a), " and b ", shape_str(b), " (trans_a=", ta,
                         ", trans_b=", tb, ") are not 2-D matrices with matching K"));
  const int64_t M = a[ta ? 1 : 0], N = b[tb ? 0 : 1];
  if (in.size() > 2 && in[2].shape != Shape{N})
    throw ValueError(cat("gemm: bias has shape ", shape_str(in[2].shape), ", expected (", N, ",)"));
  for (const auto& t : in) check_dtype("gemm", "every operand", t, in[0]);
  return {{{M, N}, in[0].dtype}};
}

std::vector<Tensor> run_gemm(const std::vector<Tensor>& in, const Attrs& at) {
  return {ops::gemm(in[0], in[1], Tensor(), 1.0, 0.0, at.i("trans_a") != 0, at.i("trans_b") != 0,
                    opt(in, 2), 1, at.s("activation"), at.f("negative_slope"))};
}

int64_t macs_gemm(const std::vector<ValueType>& in, const Attrs& at) {
  const Shape out = infer_gemm(in, at)[0].shape;
  return out[0] * out[1] * in[0].shape[at.i("trans_a") != 0 ? 0 : 1];
}

// ---- fused_elementwise(inputs...) attrs code (4 ints per instruction: kind, op, a, b; see
// kernels::EwInstr) and expr (the program as text, $k for input k, for the IR) ----

std::vector<kernels::EwInstr> decode(const Attrs& at, size_t num_inputs) {
  const std::vector<int64_t>& c = at.ints("code");
  std::vector<kernels::EwInstr> code;
  for (size_t k = 0; k + 3 < c.size(); k += 4) {
    const int regs = static_cast<int>(num_inputs + code.size());
    if (c[k] < 0 || c[k] > 2 || c[k + 2] < 0 || c[k + 2] >= regs || c[k + 3] < 0 ||
        c[k + 3] >= regs)
      throw ValueError(cat("fused_elementwise: bad instruction ", k / 4, " in ", at.str()));
    code.push_back({static_cast<kernels::EwKind>(c[k]), static_cast<int>(c[k + 1]),
                    static_cast<int>(c[k + 2]), static_cast<int>(c[k + 3])});
  }
  if (code.empty() || c.size() % 4) throw ValueError("fused_elementwise: empty or ragged code");
  return code;
}

// Every input has the output's shape or is one value (of no higher rank).
std::vector<ValueType> infer_fused(const std::vector<ValueType>& in, const Attrs& at) {
  decode(at, in.size());
  ValueType out = in[0];
  for (const auto& t : in)
    if (numel(t.shape) > numel(out.shape)) out = t;
  for (const auto& t : in) {
    check_dtype("fused_elementwise", "every input", t, out);
    if (t.shape != out.shape && (numel(t.shape) != 1 || t.shape.size() > out.shape.size()))
      throw ValueError(cat("fused_elementwise: input ", shape_str(t.shape),
                           " is neither the output's shape ", shape_str(out.shape), " nor scalar"));
  }
  return {out};
}

template <class T>
Tensor run_program(const std::vector<kernels::EwInstr>& code, const std::vector<Tensor>& in,
                   const Shape& shape) {
  std::vector<const T*> ptrs;
  std::vector<char> scalar;
  for (const Tensor& t : in) {
    ptrs.push_back(t.data<T>());
    scalar.push_back(t.shape() != shape);
  }
  Tensor out = Tensor::empty(shape, in[0].dtype(), "fused_elementwise");
  kernels::eltwise_program<T>(code, ptrs, scalar, out.numel(), out.data<T>());
  return out;
}

std::vector<Tensor> run_fused(const std::vector<Tensor>& in, const Attrs& at) {
  std::vector<ValueType> types;
  for (const Tensor& t : in) types.push_back({t.shape(), t.dtype()});
  const ValueType out = infer_fused(types, at)[0];
  const auto code = decode(at, in.size());
  if (out.dtype == DType::f32) return {run_program<float>(code, in, out.shape)};
  if (out.dtype == DType::f64) return {run_program<double>(code, in, out.shape)};
  throw TypeError("fused_elementwise: inputs must be float32 or float64");
}

}  // namespace

// clang-format off
extern const OpDef k_gemm              = {"gemm",              "fused", 2, 3,   infer_gemm,  run_gemm,  nullptr, macs_gemm, "GEMM", 0};
extern const OpDef k_fused_elementwise = {"fused_elementwise", "fused", 1, 256, infer_fused, run_fused, nullptr, nullptr, "fused", 0};
// clang-format on

}  // namespace pg::graph
