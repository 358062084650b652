#include "ops/norm.h"

#include <cmath>

#include "kernels/norm/norm.h"
#include "kernels/softmax/softmax.h"
#include "tensor/check.h"

namespace pg::ops {
namespace {

// (outer, n, inner) around `axis`, after checking it names a dim of x.
struct Around {
  int64_t outer = 1, n = 1, inner = 1;
};
Around split_axis(const char* op, const Tensor& x, int64_t axis) {
  const int nd = x.ndim();
  if (nd == 0) throw ValueError(cat(op, ": input must have at least 1 dim, got a 0-d array"));
  if (axis < -nd || axis >= nd)
    throw ValueError(cat(op, ": axis ", axis, " is out of range for input of shape ",
                         shape_str(x.shape()), " (", nd, " dims)"));
  if (axis < 0) axis += nd;
  Around a;
  for (int i = 0; i < nd; ++i) (i < axis ? a.outer : i == axis ? a.n : a.inner) *= x.dim(i);
  return a;
}

template <class T>
Tensor softmax_typed(const char* op, const Tensor& x, int64_t axis, bool log) {
  const Around a = split_axis(op, x, axis);
  Tensor y = Tensor::empty(x.shape(), dtype_of<T>(), op);
  kernels::softmax<T>(x.data<T>(), y.data<T>(), a.outer, a.n, a.inner, log);
  return y;
}

Tensor softmax_any(const char* op, const Tensor& x, int64_t axis, bool log) {
  check_float(op, "input", x);
  check_nonempty(op, "input", x);
  return x.dtype() == DType::f32 ? softmax_typed<float>(op, x, axis, log)
                                 : softmax_typed<double>(op, x, axis, log);
}

template <class T>
Tensor softmax_backward_typed(const char* op, const Tensor& dy, const Tensor& x, int64_t axis,
                              bool log) {
  const Around a = split_axis(op, x, axis);
  // Both formulas use p = softmax(x); it is computed into dx, which the backward overwrites.
  Tensor dx = softmax_typed<T>(op, x, axis, false);
  kernels::softmax_backward_ref<T>(dy.data<T>(), dx.data<T>(), dx.data<T>(), a.outer, a.n, a.inner,
                                   log);
  return dx;
}

Tensor softmax_backward_any(const char* op, const Tensor& dy, const Tensor& x, int64_t axis,
                            bool log) {
  check_same_dtype(op, {{"input", &x}, {"grad_output", &dy}});
  check_nonempty(op, "input", x);
  check_same_shape(op, "grad_output", dy, x.shape(), "must match input");
  return x.dtype() == DType::f32 ? softmax_backward_typed<float>(op, dy, x, axis, log)
                                 : softmax_backward_typed<double>(op, dy, x, axis, log);
}

// A per-channel (or per-feature) parameter: undefined, or exactly `shape`.
void check_param(const char* op, const char* arg, const Tensor& t, const Shape& shape,
                 const Tensor& x, const char* what) {
  if (t.defined() && t.shape() != shape)
    throw ValueError(cat(op, ": ", arg, " has shape ", shape_str(t.shape()), " but must be ",
                         shape_str(shape), " (", what, ") for input ", shape_str(x.shape())));
}

struct BnDims {
  int64_t N, C, S;
};
BnDims batch_norm_dims(const char* op, const Tensor& x) {
  check_nonempty(op, "input", x);
  if (x.ndim() < 2)
    throw ValueError(cat(op, ": input must be (N, C), (N, C, L) or (N, C, H, W), got shape ",
                         shape_str(x.shape())));
  return {x.dim(0), x.dim(1), x.numel() / (x.dim(0) * x.dim(1))};
}

template <class T>
std::vector<Tensor> batch_norm_typed(const Tensor& x, const Tensor& rm, const Tensor& rv,
                                     const Tensor& w, const Tensor& b, bool training,
                                     double momentum, double eps) {
  const auto [N, C, S] = batch_norm_dims("batch_norm", x);
  Tensor mean = Tensor::empty({C}, dtype_of<T>(), "batch_norm");
  Tensor invstd = Tensor::empty({C}, dtype_of<T>(), "batch_norm");
  T *m = mean.data<T>(), *is = invstd.data<T>();
  if (training) {
    kernels::batch_norm_stats<T>(x.data<T>(), N, C, S, m, is);  // is holds var for now
    const double M = static_cast<double>(N * S);
    for (int64_t c = 0; c < C; ++c) {
      if (rm.defined()) rm.data<T>()[c] = T((1 - momentum) * rm.data<T>()[c] + momentum * m[c]);
      if (rv.defined())
        rv.data<T>()[c] = T((1 - momentum) * rv.data<T>()[c] + momentum * is[c] * M / (M - 1));
      is[c] = T(1 / std::sqrt(static_cast<double>(is[c]) + eps));
    }
  } else {
    for (int64_t c = 0; c < C; ++c) {
      m[c] = rm.data<T>()[c];
      is[c] = T(1 / std::sqrt(static_cast<double>(rv.data<T>()[c]) + eps));
    }
  }
  // y = x * scale + shift with scale = w * invstd, shift = b - mean * scale
  std::vector<T> scale(C), shift(C);
  for (int64_t c = 0; c < C; ++c) {
    scale[c] = (w.defined() ? w.data<T>()[c] : T(1)) * is[c];
    shift[c] = (b.defined() ? b.data<T>()[c] : T(0)) - m[c] * scale[c];
  }
  Tensor y = Tensor::empty(x.shape(), dtype_of<T>(), "batch_norm");
  kernels::batch_norm_apply<T>(x.data<T>(), y.data<T>(), N, C, S, scale.data(), shift.data());
  return {y, mean, invstd};
}

void check_batch_norm_args(const char* op, const Tensor& x, const Tensor& rm, const Tensor& rv,
                           const Tensor& w, const Tensor& b, bool training, double eps) {
  check_same_dtype(
      op,
      {{"input", &x}, {"running_mean", &rm}, {"running_var", &rv}, {"weight", &w}, {"bias", &b}});
  const auto [N, C, S] = batch_norm_dims(op, x);
  const Shape cs{C};
  check_param(op, "running_mean", rm, cs, x, "one value per channel");
  check_param(op, "running_var", rv, cs, x, "one value per channel");
  check_param(op, "weight", w, cs, x, "one value per channel");
  check_param(op, "bias", b, cs, x, "one value per channel");
  if (!training && (!rm.defined() || !rv.defined()))
    throw ValueError(cat(op, ": running_mean and running_var are required when training=False"));
  if (training && N * S < 2)
    throw ValueError(cat(op, ": training needs more than 1 value per channel, got input ",
                         shape_str(x.shape())));
  if (!(eps >= 0)) throw ValueError(cat(op, ": eps must be >= 0, got ", eps));
}

struct LnDims {
  int64_t M, D;
};
LnDims layer_norm_dims(const char* op, const Tensor& x, const Shape& ns, const Tensor& w,
                       const Tensor& b, double eps) {
  check_same_dtype(op, {{"input", &x}, {"weight", &w}, {"bias", &b}});
  check_nonempty(op, "input", x);
  const int k = static_cast<int>(ns.size());
  bool ok = k >= 1 && k <= x.ndim();
  for (int i = 0; ok && i < k; ++i) ok = ns[i] == x.dim(x.ndim() - k + i);
  if (!ok)
    throw ValueError(cat(op, ": normalized_shape ", shape_str(ns),
                         " must be 1 or more trailing dims of input ", shape_str(x.shape())));
  check_param(op, "weight", w, ns, x, "normalized_shape");
  check_param(op, "bias", b, ns, x, "normalized_shape");
  if (!(eps >= 0)) throw ValueError(cat(op, ": eps must be >= 0, got ", eps));
  int64_t D = 1;
  for (int64_t d : ns) D *= d;
  return {x.numel() / D, D};
}

Shape stats_shape(const Tensor& x, const Shape& ns) {
  return Shape(x.shape().begin(), x.shape().end() - static_cast<int64_t>(ns.size()));
}

template <class T>
const T* ptr(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

template <class T>
std::vector<Tensor> layer_norm_typed(const Tensor& x, const Shape& ns, const Tensor& w,
                                     const Tensor& b, double eps) {
  const auto [M, D] = layer_norm_dims("layer_norm", x, ns, w, b, eps);
  Tensor y = Tensor::empty(x.shape(), dtype_of<T>(), "layer_norm");
  Tensor mean = Tensor::empty(stats_shape(x, ns), dtype_of<T>(), "layer_norm");
  Tensor invstd = Tensor::empty(stats_shape(x, ns), dtype_of<T>(), "layer_norm");
  kernels::layer_norm<T>(x.data<T>(), y.data<T>(), M, D, ptr<T>(w), ptr<T>(b), T(eps),
                         mean.data<T>(), invstd.data<T>());
  return {y, mean, invstd};
}

template <class T>
std::vector<Tensor> layer_norm_backward_typed(const Tensor& dy, const Tensor& x, const Shape& ns,
                                              const Tensor& w, const Tensor& b, double eps) {
  const auto [M, D] = layer_norm_dims("layer_norm_backward", x, ns, w, b, eps);
  std::vector<T> mean(M), invstd(M);  // the kernel recomputes them row by row
  Tensor dx = Tensor::empty(x.shape(), dtype_of<T>(), "layer_norm_backward"), dw, db;
  if (w.defined()) dw = Tensor::empty(ns, dtype_of<T>(), "layer_norm_backward");
  if (b.defined()) db = Tensor::empty(ns, dtype_of<T>(), "layer_norm_backward");
  const int64_t chunks = (M + kernels::kLayerNormRows - 1) / kernels::kLayerNormRows;
  std::vector<T> work(w.defined() || b.defined() ? chunks * 2 * D : 0);
  kernels::layer_norm_backward_ref<T>(dy.data<T>(), x.data<T>(), M, D, mean.data(), invstd.data(),
                                      true, T(eps), ptr<T>(w), dx.data<T>(),
                                      dw.defined() ? dw.data<T>() : nullptr,
                                      db.defined() ? db.data<T>() : nullptr, work.data());
  return {dx, dw, db};
}

template <class T>
std::vector<Tensor> batch_norm_backward_typed(const Tensor& dy, const Tensor& x, const Tensor& rm,
                                              const Tensor& rv, const Tensor& w, const Tensor& b,
                                              bool training, double eps, const Tensor& save_mean,
                                              const Tensor& save_invstd) {
  const char* op = "batch_norm_backward";
  const auto [N, C, S] = batch_norm_dims(op, x);
  std::vector<T> mean(C), invstd(C);
  if (save_mean.defined()) {
    for (int64_t c = 0; c < C; ++c) mean[c] = save_mean.data<T>()[c];
    for (int64_t c = 0; c < C; ++c) invstd[c] = save_invstd.data<T>()[c];
  } else if (training) {
    kernels::batch_norm_stats<T>(x.data<T>(), N, C, S, mean.data(), invstd.data());
    for (auto& v : invstd) v = T(1 / std::sqrt(static_cast<double>(v) + eps));
  } else {
    for (int64_t c = 0; c < C; ++c) mean[c] = rm.data<T>()[c];
    for (int64_t c = 0; c < C; ++c)
      invstd[c] = T(1 / std::sqrt(static_cast<double>(rv.data<T>()[c]) + eps));
  }
  Tensor dx = Tensor::empty(x.shape(), dtype_of<T>(), op), dw, db;
  if (w.defined()) dw = Tensor::empty({C}, dtype_of<T>(), op);
  if (b.defined()) db = Tensor::empty({C}, dtype_of<T>(), op);
  kernels::batch_norm_backward_ref<T>(
      dy.data<T>(), x.data<T>(), N, C, S, mean.data(), invstd.data(), ptr<T>(w), training,
      dx.data<T>(), dw.defined() ? dw.data<T>() : nullptr, db.defined() ? db.data<T>() : nullptr);
  return {dx, dw, db};
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t axis) { return softmax_any("softmax", x, axis, false); }
Tensor log_softmax(const Tensor& x, int64_t axis) {
  return softmax_any("log_softmax", x, axis, true);
}
Tensor softmax_backward(const Tensor& dy, const Tensor& x, int64_t axis) {
  return softmax_backward_any("softmax_backward", dy, x, axis, false);
}
Tensor log_softmax_backward(const Tensor& dy, const Tensor& x, int64_t axis) {
  return softmax_backward_any("log_softmax_backward", dy, x, axis, true);
}

std::vector<Tensor> batch_norm(const Tensor& x, const Tensor& rm, const Tensor& rv, const Tensor& w,
                               const Tensor& b, bool training, double momentum, double eps) {
  check_batch_norm_args("batch_norm", x, rm, rv, w, b, training, eps);
  if (!(momentum >= 0 && momentum <= 1))
    throw ValueError(cat("batch_norm: momentum must be in [0, 1], got ", momentum));
  return x.dtype() == DType::f32
             ? batch_norm_typed<float>(x, rm, rv, w, b, training, momentum, eps)
             : batch_norm_typed<double>(x, rm, rv, w, b, training, momentum, eps);
}

std::vector<Tensor> batch_norm_backward(const Tensor& dy, const Tensor& x, const Tensor& rm,
                                        const Tensor& rv, const Tensor& w, const Tensor& b,
                                        bool training, double eps, const Tensor& save_mean,
                                        const Tensor& save_invstd) {
  const char* op = "batch_norm_backward";
  const bool saved = save_mean.defined() && save_invstd.defined();
  if (save_mean.defined() != save_invstd.defined())
    throw ValueError(cat(op, ": pass both save_mean and save_invstd, or neither"));
  check_batch_norm_args(op, x, rm, rv, w, b, training || saved, eps);
  check_same_dtype(op, {{"input", &x},
                        {"grad_output", &dy},
                        {"save_mean", &save_mean},
                        {"save_invstd", &save_invstd}});
  check_same_shape(op, "grad_output", dy, x.shape(), "must match input");
  check_param(op, "save_mean", save_mean, {x.dim(1)}, x, "one value per channel");
  check_param(op, "save_invstd", save_invstd, {x.dim(1)}, x, "one value per channel");
  return x.dtype() == DType::f32 ? batch_norm_backward_typed<float>(dy, x, rm, rv, w, b, training,
                                                                    eps, save_mean, save_invstd)
                                 : batch_norm_backward_typed<double>(dy, x, rm, rv, w, b, training,
                                                                     eps, save_mean, save_invstd);
}

std::vector<Tensor> layer_norm(const Tensor& x, const Shape& ns, const Tensor& w, const Tensor& b,
                               double eps) {
  check_float("layer_norm", "input", x);
  return x.dtype() == DType::f32 ? layer_norm_typed<float>(x, ns, w, b, eps)
                                 : layer_norm_typed<double>(x, ns, w, b, eps);
}

std::vector<Tensor> layer_norm_backward(const Tensor& dy, const Tensor& x, const Shape& ns,
                                        const Tensor& w, const Tensor& b, double eps) {
  const char* op = "layer_norm_backward";
  check_same_dtype(op, {{"input", &x}, {"grad_output", &dy}});
  check_same_shape(op, "grad_output", dy, x.shape(), "must match input");
  return x.dtype() == DType::f32 ? layer_norm_backward_typed<float>(dy, x, ns, w, b, eps)
                                 : layer_norm_backward_typed<double>(dy, x, ns, w, b, eps);
}

}  // namespace pg::ops
