// Eager im2col / col2im: the column matrix the im2col + GEMM convolution multiplies by its weight,
// and its adjoint. They expose the dispatched kernels so that every variant can be checked
// against an oracle; the geometry (and its checks) is the convolution's.
#include "ops/conv.h"
#include "tensor/check.h"

namespace pg::ops {
namespace {

// Checked geometry and output rows [r0, r1) (r1 < 0: all rows of (od, oh)).
kernels::ConvGeom geom(const std::string& op, int nd, const Tensor& input, const Tensor& weight,
                       const ConvOptions& o, int64_t r0, int64_t* r1) {
  const kernels::ConvGeom g = detail::conv_geom(op, nd, input, weight, Tensor(), o);
  if (input.dtype() != DType::f32)
    throw TypeError(cat(op, ": input must be float32, got ", dtype_name(input.dtype())));
  const int64_t rows = g.out[0] * g.out[1];
  if (*r1 < 0) *r1 = rows;
  if (r0 < 0 || r0 > *r1 || *r1 > rows)
    throw ValueError(
        cat(op, ": rows must satisfy 0 <= r0 <= r1 <= ", rows, ", got (", r0, ", ", *r1, ")"));
  return g;
}

}  // namespace

Tensor im2col(int nd, const Tensor& input, const Tensor& weight, const ConvOptions& o, int64_t r0,
              int64_t r1) {
  const std::string op = "im2col";
  const kernels::ConvGeom g = geom(op, nd, input, weight, o, r0, &r1);
  const int64_t rows = g.col_rows(), cols = (r1 - r0) * g.out[2], IS = g.in_size();
  Tensor col = Tensor::empty({g.N, g.G, rows, cols}, DType::f32, op);
  const float* x = input.data<float>();
  float* c = col.data<float>();
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t gi = 0; gi < g.G; ++gi)
      kernels::im2col_rows_f32(g, x + (n * g.C + gi * g.Cg()) * IS,
                               c + (n * g.G + gi) * rows * cols, cols, r0, r1);
  return col;
}

Tensor col2im(int nd, const Tensor& col, const Tensor& input, const Tensor& weight,
              const ConvOptions& o, int64_t r0, int64_t r1) {
  const std::string op = "col2im";
  const kernels::ConvGeom g = geom(op, nd, input, weight, o, r0, &r1);
  const int64_t rows = g.col_rows(), cols = (r1 - r0) * g.out[2], IS = g.in_size();
  check_same_dtype(op.c_str(), {{"input", &input}, {"col", &col}});
  check_same_shape(op.c_str(), "col", col, {g.N, g.G, rows, cols},
                   "col must be (N, groups, C/groups*prod(kernel), rows*W_out)");
  Tensor dx = Tensor::zeros(input.shape(), DType::f32, op);
  const float* c = col.data<float>();
  float* d = dx.data<float>();
  for (int64_t n = 0; n < g.N; ++n)
    for (int64_t gi = 0; gi < g.G; ++gi)
      kernels::col2im_rows_f32(g, c + (n * g.G + gi) * rows * cols, cols,
                               d + (n * g.C + gi * g.Cg()) * IS, r0, r1);
  return dx;
}

}  // namespace pg::ops
