// max_unpool2d and its gradient: the inverse scatter of max pooling's indices.
#include "kernels/pool/pool.h"

#include <array>

#include "ops/pool.h"
#include "tensor/check.h"

namespace pg::ops {
namespace {

// Checks every argument and returns the output plane (Ho, Wo).
std::array<int64_t, 2> unpool_dims(const char* op, const Tensor& x, const Tensor& idx,
                                   const Ints& k, const Ints& s, const Ints& p,
                                   const Ints& output_size) {
  check_float(op, "input", x);
  check_ndim(op, "input", x, 4, "(N, C, H, W)");
  check_nonempty(op, "input", x);
  if (idx.dtype() != DType::i64)
    throw TypeError(cat(op, ": indices must be int64, got ", dtype_name(idx.dtype()),
                        " with shape ", shape_str(idx.shape())));
  check_same_shape(op, "indices", idx, x.shape(), "input has shape");
  const char* names[] = {"kernel_size", "stride", "padding"};
  const Ints* vals[] = {&k, &s, &p};
  for (int a = 0; a < 3; ++a) {
    if (vals[a]->size() != 2)
      throw ValueError(cat(op, ": ", names[a], " must have 2 entries, got ", vals[a]->size()));
    for (int64_t e : *vals[a])
      if ((a < 2 ? e <= 0 : e < 0) || e > (int64_t(1) << 31))
        throw ValueError(cat(op, ": ", names[a], " must be ", a < 2 ? "positive" : ">= 0",
                             " and below 2^31, got ", shape_str(*vals[a])));
  }
  std::array<int64_t, 2> out;
  for (int i = 0; i < 2; ++i) {
    const int64_t def = (x.dim(2 + i) - 1) * s[i] - 2 * p[i] + k[i];
    if (output_size.empty()) {
      out[i] = def;
    } else {
      if (output_size.size() != 2)
        throw ValueError(
            cat(op, ": output_size must be (H, W) or (N, C, H, W), got ", shape_str(output_size)));
      out[i] = output_size[i];
      if (!(def - s[i] < out[i] && out[i] < def + s[i]))
        throw ValueError(cat(op, ": output_size ", shape_str(output_size),
                             " must lie strictly within one stride of the default size (", def,
                             " +- ", s[i], ") for input ", shape_str(x.shape())));
    }
    if (out[i] < 1)
      throw ValueError(cat(op, ": output size ", out[i], " is not positive for input ",
                           shape_str(x.shape()), ", kernel_size ", shape_str(k), ", stride ",
                           shape_str(s), ", padding ", shape_str(p)));
  }
  const int64_t L = out[0] * out[1], n = idx.numel();
  const int64_t* id = idx.data<int64_t>();
  for (int64_t i = 0; i < n; ++i)
    if (id[i] < 0 || id[i] >= L)
      throw ValueError(cat(op, ": indices hold ", id[i], " at flat position ", i,
                           ", outside the output plane of ", out[0], "x", out[1], " = ", L,
                           " elements (input ", shape_str(x.shape()), ")"));
  return out;
}

}  // namespace

Tensor max_unpool2d(const Tensor& x, const Tensor& indices, const Ints& kernel, const Ints& stride,
                    const Ints& padding, const Ints& output_size) {
  const char* op = "max_unpool2d";
  const auto [Ho, Wo] = unpool_dims(op, x, indices, kernel, stride, padding, output_size);
  Tensor y = Tensor::empty({x.dim(0), x.dim(1), Ho, Wo}, x.dtype(), op);
  const int64_t n = x.dim(0) * x.dim(1), Lin = x.dim(2) * x.dim(3), Lout = Ho * Wo;
  if (x.dtype() == DType::f32)
    kernels::max_unpool_ref<float>(x.data<float>(), indices.data<int64_t>(), y.data<float>(), n,
                                   Lin, Lout);
  else
    kernels::max_unpool_ref<double>(x.data<double>(), indices.data<int64_t>(), y.data<double>(), n,
                                    Lin, Lout);
  return y;
}

Tensor max_unpool2d_backward(const Tensor& dy, const Tensor& x, const Tensor& indices,
                             const Ints& kernel, const Ints& stride, const Ints& padding,
                             const Ints& output_size) {
  const char* op = "max_unpool2d_backward";
  const auto [Ho, Wo] = unpool_dims(op, x, indices, kernel, stride, padding, output_size);
  check_same_dtype(op, {{"input", &x}, {"grad_output", &dy}});
  check_same_shape(op, "grad_output", dy, {x.dim(0), x.dim(1), Ho, Wo},
                   "the forward output has shape");
  Tensor dx = Tensor::empty(x.shape(), x.dtype(), op);
  const int64_t n = x.dim(0) * x.dim(1), Lin = x.dim(2) * x.dim(3), Lout = Ho * Wo;
  if (x.dtype() == DType::f32)
    kernels::max_unpool_backward_ref<float>(dy.data<float>(), indices.data<int64_t>(),
                                            dx.data<float>(), n, Lin, Lout);
  else
    kernels::max_unpool_backward_ref<double>(dy.data<double>(), indices.data<int64_t>(),
                                             dx.data<double>(), n, Lin, Lout);
  return dx;
}

}  // namespace pg::ops
