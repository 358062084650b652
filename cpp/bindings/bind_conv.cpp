// Bindings of the conv family's eager ops: numpy <-> Tensor, the GIL released around compute.
#include <pybind11/stl.h>

#include "bindings/convert.h"
#include "ops/conv.h"

namespace pg {
namespace {

using Ints = std::vector<int64_t>;

void bind_rank(py::module_& m, int nd) {
  const std::string conv = "conv" + std::to_string(nd) + "d";
  const std::string tconv = "conv_transpose" + std::to_string(nd) + "d";
  m.def(
      conv.c_str(),
      [nd, conv](const py::array& x, const py::array& w, const py::object& b, Ints stride,
                 Ints padding, std::string padding_mode, Ints dilation, int64_t groups, bool relu) {
        const char* op = conv.c_str();
        Tensor tx = from_numpy(x, op, "input"), tw = from_numpy(w, op, "weight");
        Tensor tb = from_numpy_opt(b, op, "bias"), y;
        ops::ConvOptions o{stride, padding, dilation, padding_mode, groups};
        {
          py::gil_scoped_release release;
          y = ops::conv(nd, tx, tw, tb, o,
                        relu ? kernels::Activation::relu : kernels::Activation::none);
        }
        return to_numpy(y);
      },
      py::arg("input"), py::arg("weight"), py::arg("bias"), py::arg("stride"), py::arg("padding"),
      py::arg("padding_mode"), py::arg("dilation"), py::arg("groups"), py::arg("relu") = false);
  m.def((conv + "_backward").c_str(),
        [nd, conv](const py::array& dy, const py::array& x, const py::array& w, const py::object& b,
                   Ints stride, Ints padding, std::string padding_mode, Ints dilation,
                   int64_t groups) {
          const std::string op = conv + "_backward";
          Tensor tdy = from_numpy(dy, op.c_str(), "grad_output");
          Tensor tx = from_numpy(x, op.c_str(), "input"), tw = from_numpy(w, op.c_str(), "weight");
          Tensor tb = from_numpy_opt(b, op.c_str(), "bias");
          ops::ConvOptions o{stride, padding, dilation, padding_mode, groups};
          std::vector<Tensor> grads;
          {
            py::gil_scoped_release release;
            grads = ops::conv_backward(nd, tdy, tx, tw, tb, o);
          }
          return to_numpy(grads);
        },
        py::arg("grad_output"), py::arg("input"), py::arg("weight"), py::arg("bias"),
        py::arg("stride"), py::arg("padding"), py::arg("padding_mode"), py::arg("dilation"),
        py::arg("groups"));
  m.def(
      tconv.c_str(),
      [nd, tconv](const py::array& x, const py::array& w, const py::object& b, Ints stride,
                  Ints padding, Ints output_padding, int64_t groups, Ints dilation) {
        const char* op = tconv.c_str();
        Tensor tx = from_numpy(x, op, "input"), tw = from_numpy(w, op, "weight");
        Tensor tb = from_numpy_opt(b, op, "bias"), y;
        ops::ConvTransposeOptions o{stride, padding, output_padding, dilation, groups};
        {
          py::gil_scoped_release release;
          y = ops::conv_transpose(nd, tx, tw, tb, o);
        }
        return to_numpy(y);
      },
      py::arg("input"), py::arg("weight"), py::arg("bias"), py::arg("stride"), py::arg("padding"),
      py::arg("output_padding"), py::arg("groups"), py::arg("dilation"));
  m.def(
      (tconv + "_backward").c_str(),
      [nd, tconv](const py::array& dy, const py::array& x, const py::array& w, const py::object& b,
                  Ints stride, Ints padding, Ints output_padding, int64_t groups, Ints dilation) {
        const std::string op = tconv + "_backward";
        Tensor tdy = from_numpy(dy, op.c_str(), "grad_output");
        Tensor tx = from_numpy(x, op.c_str(), "input"), tw = from_numpy(w, op.c_str(), "weight");
        Tensor tb = from_numpy_opt(b, op.c_str(), "bias");
        ops::ConvTransposeOptions o{stride, padding, output_padding, dilation, groups};
        std::vector<Tensor> grads;
        {
          py::gil_scoped_release release;
          grads = ops::conv_transpose_backward(nd, tdy, tx, tw, tb, o);
        }
        return to_numpy(grads);
      },
      py::arg("grad_output"), py::arg("input"), py::arg("weight"), py::arg("bias"),
      py::arg("stride"), py::arg("padding"), py::arg("output_padding"), py::arg("groups"),
      py::arg("dilation"));
}

// im2col / col2im of any rank (taken from the input): the kernels behind the im2col path.
void bind_im2col(py::module_& m) {
  m.def(
      "im2col",
      [](const py::array& x, const py::array& w, Ints stride, Ints padding, Ints dilation,
         int64_t groups, int64_t r0, int64_t r1) {
        Tensor tx = from_numpy(x, "im2col", "input"), tw = from_numpy(w, "im2col", "weight"), col;
        {
          py::gil_scoped_release release;
          col = ops::im2col(tx.ndim() - 2, tx, tw, {stride, padding, dilation, "", groups}, r0, r1);
        }
        return to_numpy(col);
      },
      py::arg("input"), py::arg("weight"), py::arg("stride"), py::arg("padding"),
      py::arg("dilation"), py::arg("groups"), py::arg("r0") = 0, py::arg("r1") = -1);
  m.def(
      "col2im",
      [](const py::array& col, const py::array& x, const py::array& w, Ints stride, Ints padding,
         Ints dilation, int64_t groups, int64_t r0, int64_t r1) {
        Tensor tc = from_numpy(col, "col2im", "col"), tx = from_numpy(x, "col2im", "input");
        Tensor tw = from_numpy(w, "col2im", "weight"), dx;
        {
          py::gil_scoped_release release;
          dx = ops::col2im(tx.ndim() - 2, tc, tx, tw, {stride, padding, dilation, "", groups}, r0,
                           r1);
        }
        return to_numpy(dx);
      },
      py::arg("col"), py::arg("input"), py::arg("weight"), py::arg("stride"), py::arg("padding"),
      py::arg("dilation"), py::arg("groups"), py::arg("r0") = 0, py::arg("r1") = -1);
}

}  // namespace

void bind_conv(py::module_& m) {
  for (int nd = 1; nd <= 3; ++nd) bind_rank(m, nd);
  bind_im2col(m);
}

}  // namespace pg
