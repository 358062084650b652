// Eager pooling ops: validate arguments (torch's rules), allocate outputs, call the pool kernels.
// Spatial attributes are vectors of length nd (1 for NCW, 2 for NCHW); op names follow
// torch.nn.functional (max_pool1d / max_pool2d, ...), backward ops return grad_input.
#pragma once
#include <optional>
#include <vector>

#include "tensor/tensor.h"

namespace pg::ops {

using Ints = std::vector<int64_t>;

// Output length of a pooling window sweep (torch's rule): floor or ceil of
// (in + 2*padding - dilation*(kernel-1) - 1) / stride + 1; in ceil mode the last window must
// start inside the input or the left padding. May be < 1 (the caller reports it).
int64_t pool_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding,
                         int64_t dilation, bool ceil_mode);

// x (N,C,[H,]W) -> y (N,C,[P,]Q), and indices (flat into each [H*]W plane) when asked.
std::vector<Tensor> max_pool(int nd, const Tensor& x, const Ints& kernel, const Ints& stride,
                             const Ints& padding, const Ints& dilation, bool ceil_mode,
                             bool return_indices);
// With `indices` (the forward's, optional) the gradient is scattered to them; without, each
// window's argmax is found again in x.
Tensor max_pool_backward(int nd, const Tensor& dy, const Tensor& x, const Ints& kernel,
                         const Ints& stride, const Ints& padding, const Ints& dilation,
                         bool ceil_mode, const Tensor& indices = Tensor());
Tensor avg_pool(int nd, const Tensor& x, const Ints& kernel, const Ints& stride,
                const Ints& padding, bool ceil_mode, bool count_include_pad,
                std::optional<int64_t> divisor_override);
Tensor avg_pool_backward(int nd, const Tensor& dy, const Tensor& x, const Ints& kernel,
                         const Ints& stride, const Ints& padding, bool ceil_mode,
                         bool count_include_pad, std::optional<int64_t> divisor_override);

// x (N,C,[H,]W) -> (N,C,output_size...); window i spans [floor(i*L/n), ceil((i+1)*L/n)).
Tensor adaptive_avg_pool(int nd, const Tensor& x, const Ints& output_size);
Tensor adaptive_avg_pool_backward(int nd, const Tensor& dy, const Tensor& x,
                                  const Ints& output_size);

// x (N,C,H,W) -> (N,C,1,1)
Tensor global_avg_pool2d(const Tensor& x);
Tensor global_max_pool2d(const Tensor& x);
Tensor global_avg_pool2d_backward(const Tensor& dy, const Tensor& x);
Tensor global_max_pool2d_backward(const Tensor& dy, const Tensor& x);

// x, indices (N,C,H,W) -> y (N,C,Ho,Wo) with y[idx] = x, zero elsewhere. Default output size
// (H-1)*stride - 2*padding + kernel; an explicit one (Ho, Wo) must lie within one stride of it.
Tensor max_unpool2d(const Tensor& x, const Tensor& indices, const Ints& kernel, const Ints& stride,
                    const Ints& padding, const Ints& output_size);
Tensor max_unpool2d_backward(const Tensor& dy, const Tensor& x, const Tensor& indices,
                             const Ints& kernel, const Ints& stride, const Ints& padding,
                             const Ints& output_size);

}  // namespace pg::ops
