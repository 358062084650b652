// Eager conv ops: geometry from conv_args.cpp, then float32 -> dispatched fast kernels,
// float64 -> reference kernels in double. Transposed convolution is the input gradient of the
// convolution with the roles of input and output swapped, so it reuses the same kernels.
#include "ops/conv.h"

#include <cstring>

#include "kernels/cpu.h"
#include "tensor/check.h"

namespace pg::ops {
namespace {

using kernels::ConvGeom;
using kernels::ConvPass;

const char* const kNames[] = {"", "1d", "2d", "3d"};
std::string name(const char* base, int nd, const char* suffix = "") {
  return cat(base, nd >= 1 && nd <= 3 ? kNames[nd] : "", suffix);
}

// Scratch for a float32 pass (an empty tensor when none is needed).
Tensor workspace(const ConvGeom& g, ConvPass pass, const std::string& op) {
  const size_t n = kernels::conv_workspace_floats(g, pass, num_threads());
  return n ? Tensor::empty({static_cast<int64_t>(n)}, DType::f32, op) : Tensor();
}

template <class T>
T* ptr(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

// The three passes on one geometry, float -> fast kernels, double -> reference.
template <class T>
void forward(const ConvGeom& g, const T* x, const T* w, const T* b, T* y, kernels::Activation act,
             const std::string& op) {
  if constexpr (std::is_same_v<T, float>) {
    Tensor ws = workspace(g, ConvPass::forward, op);
    kernels::conv_fwd_f32(g, x, w, b, y, act, ptr<float>(ws), num_threads());
  } else {
    kernels::conv_fwd_ref<T>(g, x, w, b, y, act);
  }
}

template <class T>
void backward_data(const ConvGeom& g, const T* dy, const T* w, T* dx, const std::string& op) {
  if constexpr (std::is_same_v<T, float>) {
    Tensor ws = workspace(g, ConvPass::backward_data, op);
    kernels::conv_bwd_data_f32(g, dy, w, dx, ptr<float>(ws), num_threads());
  } else {
    kernels::conv_bwd_data_ref<T>(g, dy, w, dx);
  }
}

template <class T>
void backward_weight(const ConvGeom& g, const T* x, const T* dy, T* dw, T* db,
                     const std::string& op) {
  if constexpr (std::is_same_v<T, float>) {
    Tensor ws = workspace(g, ConvPass::backward_weight, op);
    kernels::conv_bwd_weight_f32(g, x, dy, dw, db, ptr<float>(ws), num_threads());
  } else {
    kernels::conv_bwd_weight_ref<T>(g, x, dy, dw, db);
  }
}

// y (N,C,*) += bias[c]: the bias of a transposed convolution.
template <class T>
void add_channel_bias(T* y, const T* bias, int64_t N, int64_t C, int64_t size) {
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c) {
      T* p = y + (n * C + c) * size;
      for (int64_t i = 0; i < size; ++i) p[i] += bias[c];
    }
}

// The bias gradient of a transposed conv: dy is the conv geometry's input side (N,C,*in).
template <class T>
void transpose_bias_grad(const ConvGeom& g, const T* dy, T* db) {
  ConvGeom t = g;
  t.K = g.C;
  for (int d = 0; d < 3; ++d) t.out[d] = g.in[d];
  kernels::conv_bias_grad<T>(t, dy, db);
}

template <class T>
Tensor conv_typed(int nd, const ConvGeom& g, const Tensor& x, const Tensor& w, const Tensor& b,
                  kernels::Activation act, const std::string& op) {
  Tensor y = Tensor::empty(detail::out_shape(g, nd), dtype_of<T>(), op);
  forward<T>(g, x.data<T>(), w.data<T>(), ptr<T>(b), y.data<T>(), act, op);
  return y;
}

template <class T>
std::vector<Tensor> conv_backward_typed(const ConvGeom& g, const Tensor& dy, const Tensor& x,
                                        const Tensor& w, const Tensor& b, const std::string& op,
                                        bool input_grad) {
  Tensor dx = input_grad ? Tensor::empty(x.shape(), dtype_of<T>(), op) : Tensor();
  Tensor dw = Tensor::empty(w.shape(), dtype_of<T>(), op);
  Tensor db = b.defined() ? Tensor::empty(b.shape(), dtype_of<T>(), op) : Tensor();
  if (input_grad) backward_data<T>(g, dy.data<T>(), w.data<T>(), dx.data<T>(), op);
  backward_weight<T>(g, x.data<T>(), dy.data<T>(), dw.data<T>(), ptr<T>(db), op);
  return {dx, dw, db};
}

template <class T>
Tensor conv_transpose_typed(int nd, const ConvGeom& g, const Tensor& x, const Tensor& w,
                            const Tensor& b, const std::string& op) {
  Tensor y = Tensor::empty(detail::in_shape(g, nd), dtype_of<T>(), op);
  backward_data<T>(g, x.data<T>(), w.data<T>(), y.data<T>(), op);
  if (b.defined()) add_channel_bias(y.data<T>(), b.data<T>(), g.N, g.C, g.in_size());
  return y;
}

// grad_input = conv(dy, w); grad_weight = the conv's weight gradient with the roles swapped.
template <class T>
std::vector<Tensor> conv_transpose_backward_typed(const ConvGeom& g, const Tensor& dy,
                                                  const Tensor& x, const Tensor& w, const Tensor& b,
                                                  const std::string& op) {
  Tensor dx = Tensor::empty(x.shape(), dtype_of<T>(), op);
  Tensor dw = Tensor::empty(w.shape(), dtype_of<T>(), op);
  Tensor db = b.defined() ? Tensor::empty(b.shape(), dtype_of<T>(), op) : Tensor();
  forward<T>(g, dy.data<T>(), w.data<T>(), nullptr, dx.data<T>(), kernels::Activation::none, op);
  backward_weight<T>(g, dy.data<T>(), x.data<T>(), dw.data<T>(), nullptr, op);
  if (b.defined()) transpose_bias_grad<T>(g, dy.data<T>(), db.data<T>());
  return {dx, dw, db};
}

void check_grad_output(const std::string& op, const Tensor& dy, const Tensor& x,
                       const Shape& expected) {
  check_same_dtype(op.c_str(), {{"input", &x}, {"grad_output", &dy}});
  check_same_shape(op.c_str(), "grad_output", dy, expected, "the forward output has shape");
}

}  // namespace

Tensor conv(int nd, const Tensor& x, const Tensor& w, const Tensor& b, const ConvOptions& o,
            kernels::Activation act) {
  const std::string op = name("conv", nd);
  const ConvGeom g = detail::conv_geom(op, nd, x, w, b, o);
  return x.dtype() == DType::f32 ? conv_typed<float>(nd, g, x, w, b, act, op)
                                 : conv_typed<double>(nd, g, x, w, b, act, op);
}

std::vector<Tensor> conv_backward(int nd, const Tensor& dy, const Tensor& x, const Tensor& w,
                                  const Tensor& b, const ConvOptions& o, bool input_grad) {
  const std::string op = name("conv", nd, "_backward");
  const ConvGeom g = detail::conv_geom(op, nd, x, w, b, o);
  check_grad_output(op, dy, x, detail::out_shape(g, nd));
  return x.dtype() == DType::f32 ? conv_backward_typed<float>(g, dy, x, w, b, op, input_grad)
                                 : conv_backward_typed<double>(g, dy, x, w, b, op, input_grad);
}

Tensor conv_transpose(int nd, const Tensor& x, const Tensor& w, const Tensor& b,
                      const ConvTransposeOptions& o) {
  const std::string op = name("conv_transpose", nd);
  const ConvGeom g = detail::conv_transpose_geom(op, nd, x, w, b, o);
  return x.dtype() == DType::f32 ? conv_transpose_typed<float>(nd, g, x, w, b, op)
                                 : conv_transpose_typed<double>(nd, g, x, w, b, op);
}

std::vector<Tensor> conv_transpose_backward(int nd, const Tensor& dy, const Tensor& x,
                                            const Tensor& w, const Tensor& b,
                                            const ConvTransposeOptions& o) {
  const std::string op = name("conv_transpose", nd, "_backward");
  const ConvGeom g = detail::conv_transpose_geom(op, nd, x, w, b, o);
  check_grad_output(op, dy, x, detail::in_shape(g, nd));
  return x.dtype() == DType::f32 ? conv_transpose_backward_typed<float>(g, dy, x, w, b, op)
                                 : conv_transpose_backward_typed<double>(g, dy, x, w, b, op);
}

}  // namespace pg::ops
