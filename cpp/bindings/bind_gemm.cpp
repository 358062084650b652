// Bindings of the gemm family's eager ops.
#include "bindings/convert.h"
#include "ops/matmul.h"

namespace pg {

void bind_gemm(py::module_& m) {
  m.def(
      "matmul",
      [](const py::array& a, const py::array& b) {
        Tensor ta = from_numpy(a, "matmul", "a"), tb = from_numpy(b, "matmul", "b");
        Tensor c;
        {
          py::gil_scoped_release release;
          c = ops::matmul(ta, tb);
        }
        return to_numpy(c);
      },
      py::arg("a"), py::arg("b"));
  m.def(
      "bmm",
      [](const py::array& a, const py::array& b) {
        Tensor ta = from_numpy(a, "bmm", "a"), tb = from_numpy(b, "bmm", "b");
        Tensor c;
        {
          py::gil_scoped_release release;
          c = ops::bmm(ta, tb);
        }
        return to_numpy(c);
      },
      py::arg("a"), py::arg("b"));
  m.def(
      "gemm",
      [](const py::array& a, const py::array& b, const py::object& c, double alpha, double beta,
         bool trans_a, bool trans_b, const py::object& bias, int bias_axis,
         const std::string& activation, double negative_slope) {
        Tensor ta = from_numpy(a, "gemm", "a"), tb = from_numpy(b, "gemm", "b");
        Tensor tc = from_numpy_opt(c, "gemm", "c"), tbias = from_numpy_opt(bias, "gemm", "bias");
        Tensor out;
        {
          py::gil_scoped_release release;
          out = ops::gemm(ta, tb, tc, alpha, beta, trans_a, trans_b, tbias, bias_axis, activation,
                          negative_slope);
        }
        return to_numpy(out);
      },
      py::arg("a"), py::arg("b"), py::arg("c") = py::none(), py::arg("alpha") = 1.0,
      py::arg("beta") = 0.0, py::arg("trans_a") = false, py::arg("trans_b") = false,
      py::arg("bias") = py::none(), py::arg("bias_axis") = 1, py::arg("activation") = "none",
      py::arg("negative_slope") = 0.01);
  m.def(
      "linear",
      [](const py::array& input, const py::array& weight, const py::object& bias) {
        Tensor x = from_numpy(input, "linear", "input"), w = from_numpy(weight, "linear", "weight");
        Tensor b = from_numpy_opt(bias, "linear", "bias");
        Tensor y;
        {
          py::gil_scoped_release release;
          y = ops::linear(x, w, b);
        }
        return to_numpy(y);
      },
      py::arg("input"), py::arg("weight"), py::arg("bias") = py::none());
  m.def(
      "matmul_backward",
      [](const py::array& grad_output, const py::array& a, const py::array& b) {
        Tensor g = from_numpy(grad_output, "matmul_backward", "grad_output");
        Tensor ta = from_numpy(a, "matmul_backward", "a"),
               tb = from_numpy(b, "matmul_backward", "b");
        std::vector<Tensor> grads;
        {
          py::gil_scoped_release release;
          grads = ops::matmul_backward(g, ta, tb);
        }
        return to_numpy(grads);
      },
      py::arg("grad_output"), py::arg("a"), py::arg("b"));
  m.def(
      "linear_backward",
      [](const py::array& grad_output, const py::array& input, const py::array& weight,
         const py::object& bias) {
        Tensor g = from_numpy(grad_output, "linear_backward", "grad_output");
        Tensor x = from_numpy(input, "linear_backward", "input");
        Tensor w = from_numpy(weight, "linear_backward", "weight");
        Tensor b = from_numpy_opt(bias, "linear_backward", "bias");
        std::vector<Tensor> grads;
        {
          py::gil_scoped_release release;
          grads = ops::linear_backward(g, x, w, b);
        }
        return to_numpy(grads);
      },
      py::arg("grad_output"), py::arg("input"), py::arg("weight"), py::arg("bias") = py::none());
}

}  // namespace pg
