// Eager convolution family (1-D/2-D/3-D and transposed): validate arguments, build the kernel
// geometry, allocate outputs and scratch, call the kernels in cpp/kernels/conv.
#pragma once
#include <string>
#include <vector>

#include "kernels/conv/conv.h"
#include "tensor/tensor.h"

namespace pg::ops {

// Attributes of a convolution with nd spatial dims; every vector holds nd values.
struct ConvOptions {
  std::vector<int64_t> stride, padding, dilation;
  std::string padding_mode;  // "" = explicit `padding`; "same" or "valid" as in torch
  int64_t groups = 1;
};

// Attributes of a transposed convolution (torch's conv_transpose*d); vectors hold nd values.
struct ConvTransposeOptions {
  std::vector<int64_t> stride, padding, output_padding, dilation;
  int64_t groups = 1;
};

// input (N,C,*spatial), weight (K,C/groups,*kernel), bias (K) or undefined -> (N,K,*out).
// `act` fuses an activation after the bias (the graph compiler's conv+relu).
Tensor conv(int nd, const Tensor& input, const Tensor& weight, const Tensor& bias,
            const ConvOptions& o, kernels::Activation act = kernels::Activation::none);
// -> {grad_input, grad_weight, grad_bias (undefined when bias is undefined)}
// input_grad=false leaves grad_input undefined (the graph skips it when nothing reads it).
std::vector<Tensor> conv_backward(int nd, const Tensor& grad_output, const Tensor& input,
                                  const Tensor& weight, const Tensor& bias, const ConvOptions& o,
                                  bool input_grad = true);

// input (N,Cin,*spatial), weight (Cin,Cout/groups,*kernel), bias (Cout) -> (N,Cout,*out) with
// out = (in-1)*stride - 2*padding + dilation*(kernel-1) + output_padding + 1.
Tensor conv_transpose(int nd, const Tensor& input, const Tensor& weight, const Tensor& bias,
                      const ConvTransposeOptions& o);
std::vector<Tensor> conv_transpose_backward(int nd, const Tensor& grad_output, const Tensor& input,
                                            const Tensor& weight, const Tensor& bias,
                                            const ConvTransposeOptions& o);

// The column matrix of the im2col path: input (N,C,*in) float32 -> (N, groups, C/groups *
// prod(kernel), (r1-r0)*W_out) for the output rows r = od*H_out + oh in [r0, r1) (r1 < 0: all);
// weight gives the kernel shape. col2im is its adjoint: col -> (N,C,*in), summing overlaps.
Tensor im2col(int nd, const Tensor& input, const Tensor& weight, const ConvOptions& o, int64_t r0,
              int64_t r1);
Tensor col2im(int nd, const Tensor& col, const Tensor& input, const Tensor& weight,
              const ConvOptions& o, int64_t r0, int64_t r1);

namespace detail {
// Checked geometry (conv_args.cpp). `op` names the caller in every message.
kernels::ConvGeom conv_geom(const std::string& op, int nd, const Tensor& input,
                            const Tensor& weight, const Tensor& bias, const ConvOptions& o);
// The geometry of the convolution whose input gradient is this transposed convolution.
kernels::ConvGeom conv_transpose_geom(const std::string& op, int nd, const Tensor& input,
                                      const Tensor& weight, const Tensor& bias,
                                      const ConvTransposeOptions& o);
// Output shape (N,K,*out) of a geometry with nd spatial dims; and its input shape (N,C,*in).
Shape out_shape(const kernels::ConvGeom& g, int nd);
Shape in_shape(const kernels::ConvGeom& g, int nd);
}  // namespace detail

}  // namespace pg::ops
