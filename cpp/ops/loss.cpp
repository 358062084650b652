#include "ops/loss.h"

#include <cmath>

#include "kernels/softmax/loss.h"
#include "kernels/softmax/softmax.h"
#include "tensor/check.h"

namespace pg::ops {
namespace {

enum class Reduction { none, mean, sum };

Reduction parse_reduction(const std::string& op, const std::string& r) {
  if (r == "mean") return Reduction::mean;
  if (r == "sum") return Reduction::sum;
  if (r == "none") return Reduction::none;
  throw ValueError(cat(op, ": reduction must be 'mean', 'sum' or 'none', got '", r, "'"));
}

template <class T>
double total(const T* v, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += v[i];
  return s;
}

// grad_output is a scalar for mean/sum (shape () or (1)), else the per-position loss shape.
void check_grad_output(const std::string& op, const Tensor& dy, Reduction r, const Shape& shape) {
  if (r == Reduction::none) {
    if (dy.shape() != shape)
      throw ValueError(cat(op, ": grad_output has shape ", shape_str(dy.shape()),
                           " but reduction='none' needs the loss shape ", shape_str(shape)));
  } else if (dy.numel() != 1) {
    throw ValueError(cat(op, ": grad_output must be a scalar for a reduced loss, got shape ",
                         shape_str(dy.shape())));
  }
}

// ---- class losses: input (N, C, S...) and target (N, S...) ----

struct ClassDims {
  int64_t N, C, S;
  Shape loss_shape;
};

ClassDims class_dims(const std::string& op, const Tensor& x, const Tensor& target,
                     const Tensor& weight, int64_t ignore_index) {
  check_float(op.c_str(), "input", x);
  check_same_dtype(op.c_str(), {{"input", &x}, {"weight", &weight}});
  if (target.dtype() != DType::i64)
    throw TypeError(cat(op, ": target must hold integer class labels (int64), got ",
                        dtype_name(target.dtype()), " with shape ", shape_str(target.shape())));
  check_nonempty(op.c_str(), "input", x);
  if (x.ndim() < 1)
    throw ValueError(cat(op, ": input must be (N, C) or (N, C, d1, ...), got a 0-d array"));
  ClassDims d{1, 0, 1, {}};
  Shape expect;
  if (x.ndim() == 1) {  // unbatched: one label, as a 0-d or a (1) array
    d.C = x.dim(0);
    if (target.ndim() <= 1 && target.numel() == 1) expect = target.shape();
  } else {
    d.N = x.dim(0);
    d.C = x.dim(1);
    expect.push_back(d.N);
    for (int i = 2; i < x.ndim(); ++i) {
      expect.push_back(x.dim(i));
      d.S *= x.dim(i);
    }
  }
  if (target.shape() != expect)
    throw ValueError(cat(op, ": target has shape ", shape_str(target.shape()), " but input ",
                         shape_str(x.shape()), " needs target shape ", shape_str(expect),
                         " (input without its class dim 1)"));
  if (weight.defined() && weight.shape() != Shape{d.C})
    throw ValueError(cat(op, ": weight has shape ", shape_str(weight.shape()), " but must be (",
                         d.C, ") (one value per class) for input ", shape_str(x.shape())));
  const int64_t* t = target.data<int64_t>();
  for (int64_t i = 0; i < target.numel(); ++i)
    if (t[i] != ignore_index && (t[i] < 0 || t[i] >= d.C))
      throw ValueError(cat(op, ": target holds label ", t[i], " at flat index ", i,
                           ", outside [0, C) with C = ", d.C, " classes (input ",
                           shape_str(x.shape()), ")"));
  d.loss_shape = expect;
  return d;
}

template <class T>
Tensor reduce(const std::string& op, const Tensor& loss, const std::vector<T>& wsum, Reduction r) {
  if (r == Reduction::none) return loss;
  Tensor out = Tensor::empty({}, dtype_of<T>(), op);
  double s = total(loss.data<T>(), loss.numel());
  if (r == Reduction::mean) s /= total(wsum.data(), static_cast<int64_t>(wsum.size()));
  out.data<T>()[0] = static_cast<T>(s);
  return out;
}

template <class T>
Tensor class_loss_typed(const std::string& op, const Tensor& x, const Tensor& target,
                        const Tensor& weight, int64_t ignore, Reduction r, double smoothing,
                        bool from_logits) {
  const ClassDims d = class_dims(op, x, target, weight, ignore);
  Tensor logp_holder;
  const T* logp = x.data<T>();
  if (from_logits) {
    logp_holder = Tensor::empty(x.shape(), dtype_of<T>(), op);
    kernels::softmax<T>(x.data<T>(), logp_holder.data<T>(), d.N, d.C, d.S, true);
    logp = logp_holder.data<T>();
  }
  Tensor loss = Tensor::empty(d.loss_shape, dtype_of<T>(), op);
  std::vector<T> wsum(d.N * d.S);
  kernels::nll_forward_ref<T>(logp, target.data<int64_t>(),
                              weight.defined() ? weight.data<T>() : nullptr, d.N, d.C, d.S, ignore,
                              T(smoothing), loss.data<T>(), wsum.data());
  return reduce<T>(op, loss, wsum, r);
}

template <class T>
std::vector<Tensor> class_loss_backward_typed(const std::string& op, const Tensor& dy,
                                              const Tensor& x, const Tensor& target,
                                              const Tensor& weight, int64_t ignore, Reduction r,
                                              double smoothing, bool from_logits) {
  const ClassDims d = class_dims(op, x, target, weight, ignore);
  check_same_dtype(op.c_str(), {{"input", &x}, {"grad_output", &dy}});
  check_grad_output(op, dy, r, d.loss_shape);
  const T* w = weight.defined() ? weight.data<T>() : nullptr;
  T g = r == Reduction::none ? T(0) : dy.data<T>()[0];
  if (r == Reduction::mean) {  // the mean's denominator: sum of weight[target], ignored excluded
    const int64_t* t = target.data<int64_t>();
    double den = 0;
    for (int64_t i = 0; i < target.numel(); ++i)
      if (t[i] != ignore) den += w ? static_cast<double>(w[t[i]]) : 1.0;
    g = static_cast<T>(g / den);
  }
  // From logits, dx starts as softmax(x) and the kernel turns it into the gradient in place.
  Tensor dx = Tensor::empty(x.shape(), dtype_of<T>(), op);
  if (from_logits) kernels::softmax<T>(x.data<T>(), dx.data<T>(), d.N, d.C, d.S, false);
  kernels::nll_backward_ref<T>(from_logits ? dx.data<T>() : nullptr, target.data<int64_t>(), w, d.N,
                               d.C, d.S, ignore, T(smoothing),
                               r == Reduction::none ? dy.data<T>() : &g,
                               r == Reduction::none ? 1 : 0, dx.data<T>());
  return {dx, Tensor()};
}

// ---- pointwise losses ----

using kernels::PointLoss;

// weight and pos_weight arrive broadcast to input's shape (pygraph.ops does that).
void check_point_args(const std::string& op, const Tensor& x, const Tensor& t, const Tensor& w,
                      const Tensor& pw) {
  check_same_dtype(op.c_str(),
                   {{"input", &x}, {"target", &t}, {"weight", &w}, {"pos_weight", &pw}});
  check_nonempty(op.c_str(), "input", x);
  check_same_shape(op.c_str(), "target", t, x.shape(), "must match input");
  if (w.defined()) check_same_shape(op.c_str(), "weight", w, x.shape(), "must match input");
  if (pw.defined()) check_same_shape(op.c_str(), "pos_weight", pw, x.shape(), "must match input");
}

template <class T>
void check_probabilities(const std::string& op, const Tensor& x) {
  const T* p = x.data<T>();
  for (int64_t i = 0; i < x.numel(); ++i)
    if (!(p[i] >= 0 && p[i] <= 1))
      throw ValueError(cat(op, ": input must hold probabilities in [0, 1], found ", p[i],
                           " at flat index ", i, " (input ", shape_str(x.shape()), ")"));
}

template <class T>
const T* opt(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

template <class T>
Tensor point_loss_typed(const std::string& op, PointLoss kind, const Tensor& x, const Tensor& t,
                        const Tensor& w, const Tensor& pw, Reduction r) {
  if (kind == PointLoss::bce) check_probabilities<T>(op, x);
  Tensor loss = Tensor::empty(x.shape(), dtype_of<T>(), op);
  kernels::point_loss_ref<T>(kind, x.data<T>(), t.data<T>(), opt<T>(w), opt<T>(pw), x.numel(),
                             loss.data<T>());
  if (r == Reduction::none) return loss;
  Tensor out = Tensor::empty({}, dtype_of<T>(), op);
  double s = total(loss.data<T>(), loss.numel());
  if (r == Reduction::mean) s /= static_cast<double>(x.numel());
  out.data<T>()[0] = static_cast<T>(s);
  return out;
}

template <class T>
std::vector<Tensor> point_loss_backward_typed(const std::string& op, PointLoss kind,
                                              const Tensor& dy, const Tensor& x, const Tensor& t,
                                              const Tensor& w, const Tensor& pw, Reduction r) {
  check_same_dtype(op.c_str(), {{"input", &x}, {"grad_output", &dy}});
  check_grad_output(op, dy, r, x.shape());
  if (kind == PointLoss::bce) check_probabilities<T>(op, x);
  const T scale = r == Reduction::mean ? T(1.0 / static_cast<double>(x.numel())) : T(1);
  Tensor dx = Tensor::empty(x.shape(), dtype_of<T>(), op);
  Tensor dt = Tensor::empty(x.shape(), dtype_of<T>(), op);
  kernels::point_loss_backward_ref<T>(kind, x.data<T>(), t.data<T>(), opt<T>(w), opt<T>(pw),
                                      x.numel(), dy.data<T>(), r == Reduction::none ? 1 : 0, scale,
                                      dx.data<T>(), dt.data<T>());
  return {dx, dt};
}

Tensor point_loss(const std::string& op, PointLoss kind, const Tensor& x, const Tensor& t,
                  const Tensor& w, const Tensor& pw, const std::string& reduction) {
  const Reduction r = parse_reduction(op, reduction);
  check_point_args(op, x, t, w, pw);
  return x.dtype() == DType::f32 ? point_loss_typed<float>(op, kind, x, t, w, pw, r)
                                 : point_loss_typed<double>(op, kind, x, t, w, pw, r);
}

std::vector<Tensor> point_loss_backward(const std::string& op, PointLoss kind, const Tensor& dy,
                                        const Tensor& x, const Tensor& t, const Tensor& w,
                                        const Tensor& pw, const std::string& reduction) {
  const Reduction r = parse_reduction(op, reduction);
  check_point_args(op, x, t, w, pw);
  return x.dtype() == DType::f32 ? point_loss_backward_typed<float>(op, kind, dy, x, t, w, pw, r)
                                 : point_loss_backward_typed<double>(op, kind, dy, x, t, w, pw, r);
}

Tensor class_loss(const std::string& op, const Tensor& x, const Tensor& target,
                  const Tensor& weight, int64_t ignore, const std::string& reduction,
                  double smoothing, bool from_logits) {
  const Reduction r = parse_reduction(op, reduction);
  if (!(smoothing >= 0 && smoothing <= 1))
    throw ValueError(cat(op, ": label_smoothing must be in [0, 1], got ", smoothing));
  check_float(op.c_str(), "input", x);
  return x.dtype() == DType::f32
             ? class_loss_typed<float>(op, x, target, weight, ignore, r, smoothing, from_logits)
             : class_loss_typed<double>(op, x, target, weight, ignore, r, smoothing, from_logits);
}

std::vector<Tensor> class_loss_backward(const std::string& op, const Tensor& dy, const Tensor& x,
                                        const Tensor& target, const Tensor& weight, int64_t ignore,
                                        const std::string& reduction, double smoothing,
                                        bool from_logits) {
  const Reduction r = parse_reduction(op, reduction);
  if (!(smoothing >= 0 && smoothing <= 1))
    throw ValueError(cat(op, ": label_smoothing must be in [0, 1], got ", smoothing));
  check_float(op.c_str(), "input", x);
  return x.dtype() == DType::f32
             ? class_loss_backward_typed<float>(op, dy, x, target, weight, ignore, r, smoothing,
                                                from_logits)
             : class_loss_backward_typed<double>(op, dy, x, target, weight, ignore, r, smoothing,
                                                 from_logits);
}

}  // namespace

Tensor cross_entropy(const Tensor& x, const Tensor& target, const Tensor& weight,
                     int64_t ignore_index, const std::string& reduction, double label_smoothing) {
  return class_loss("cross_entropy", x, target, weight, ignore_index, reduction, label_smoothing,
                    true);
}
std::vector<Tensor> cross_entropy_backward(const Tensor& dy, const Tensor& x, const Tensor& target,
                                           const Tensor& weight, int64_t ignore_index,
                                           const std::string& reduction, double label_smoothing) {
  return class_loss_backward("cross_entropy_backward", dy, x, target, weight, ignore_index,
                             reduction, label_smoothing, true);
}
Tensor nll_loss(const Tensor& x, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                const std::string& reduction) {
  return class_loss("nll_loss", x, target, weight, ignore_index, reduction, 0.0, false);
}
std::vector<Tensor> nll_loss_backward(const Tensor& dy, const Tensor& x, const Tensor& target,
                                      const Tensor& weight, int64_t ignore_index,
                                      const std::string& reduction) {
  return class_loss_backward("nll_loss_backward", dy, x, target, weight, ignore_index, reduction,
                             0.0, false);
}

Tensor mse_loss(const Tensor& x, const Tensor& t, const std::string& reduction) {
  return point_loss("mse_loss", PointLoss::mse, x, t, Tensor(), Tensor(), reduction);
}
std::vector<Tensor> mse_loss_backward(const Tensor& dy, const Tensor& x, const Tensor& t,
                                      const std::string& reduction) {
  return point_loss_backward("mse_loss_backward", PointLoss::mse, dy, x, t, Tensor(), Tensor(),
                             reduction);
}
Tensor binary_cross_entropy(const Tensor& x, const Tensor& t, const Tensor& w,
                            const std::string& reduction) {
  return point_loss("binary_cross_entropy", PointLoss::bce, x, t, w, Tensor(), reduction);
}
std::vector<Tensor> binary_cross_entropy_backward(const Tensor& dy, const Tensor& x,
                                                  const Tensor& t, const Tensor& w,
                                                  const std::string& reduction) {
  return point_loss_backward("binary_cross_entropy_backward", PointLoss::bce, dy, x, t, w, Tensor(),
                             reduction);
}
Tensor binary_cross_entropy_with_logits(const Tensor& x, const Tensor& t, const Tensor& w,
                                        const std::string& reduction, const Tensor& pos_weight) {
  return point_loss("binary_cross_entropy_with_logits", PointLoss::bce_logits, x, t, w, pos_weight,
                    reduction);
}
std::vector<Tensor> binary_cross_entropy_with_logits_backward(const Tensor& dy, const Tensor& x,
                                                              const Tensor& t, const Tensor& w,
                                                              const std::string& reduction,
                                                              const Tensor& pos_weight) {
  return point_loss_backward("binary_cross_entropy_with_logits_backward", PointLoss::bce_logits, dy,
                             x, t, w, pos_weight, reduction);
}

}  // namespace pg::ops
