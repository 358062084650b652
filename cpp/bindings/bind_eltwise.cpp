// Bindings of the eltwise family's eager ops: numpy in, one call, numpy out.
#include <pybind11/stl.h>

#include "bindings/convert.h"
#include "ops/eltwise.h"

namespace pg {

void bind_eltwise(py::module_& m) {
  using ops::Binary;
  using ops::Unary;
  // Every activation takes the same attribute triple; pygraph.ops.eltwise names them per op.
#define PG_BIND_UNARY(name)                                                                      \
  m.def(                                                                                         \
      #name,                                                                                     \
      [](const py::array& x, double alpha, double beta, double threshold) {                      \
        Tensor tx = from_numpy(x, #name, "input"), y;                                            \
        {                                                                                        \
          py::gil_scoped_release release;                                                        \
          y = ops::unary(Unary::name, tx, {alpha, beta, threshold});                             \
        }                                                                                        \
        return to_numpy(y);                                                                      \
      },                                                                                         \
      py::arg("input"), py::arg("alpha") = 0.0, py::arg("beta") = 1.0,                           \
      py::arg("threshold") = 20.0);                                                              \
  m.def(                                                                                         \
      #name "_backward",                                                                         \
      [](const py::array& gy, const py::array& x, double alpha, double beta, double threshold) { \
        Tensor tg = from_numpy(gy, #name "_backward", "grad_output");                            \
        Tensor tx = from_numpy(x, #name "_backward", "input"), gx;                               \
        {                                                                                        \
          py::gil_scoped_release release;                                                        \
          gx = ops::unary_backward(Unary::name, tg, tx, {alpha, beta, threshold});               \
        }                                                                                        \
        return to_numpy(gx);                                                                     \
      },                                                                                         \
      py::arg("grad_output"), py::arg("input"), py::arg("alpha") = 0.0, py::arg("beta") = 1.0,   \
      py::arg("threshold") = 20.0);
  PG_ELTWISE_UNARY(PG_BIND_UNARY)
#undef PG_BIND_UNARY

#define PG_BIND_BINARY(name)                                                              \
  m.def(                                                                                  \
      #name,                                                                              \
      [](const py::array& a, const py::array& b) {                                        \
        Tensor ta = from_numpy(a, #name, "input"), tb = from_numpy(b, #name, "other"), y; \
        {                                                                                 \
          py::gil_scoped_release release;                                                 \
          y = ops::binary(Binary::name, ta, tb);                                          \
        }                                                                                 \
        return to_numpy(y);                                                               \
      },                                                                                  \
      py::arg("input"), py::arg("other"));                                                \
  m.def(                                                                                  \
      #name "_backward",                                                                  \
      [](const py::array& gy, const py::array& a, const py::array& b) {                   \
        Tensor tg = from_numpy(gy, #name "_backward", "grad_output");                     \
        Tensor ta = from_numpy(a, #name "_backward", "input");                            \
        Tensor tb = from_numpy(b, #name "_backward", "other");                            \
        std::vector<Tensor> g;                                                            \
        {                                                                                 \
          py::gil_scoped_release release;                                                 \
          g = ops::binary_backward(Binary::name, tg, ta, tb);                             \
        }                                                                                 \
        return to_numpy(g);                                                               \
      },                                                                                  \
      py::arg("grad_output"), py::arg("input"), py::arg("other"));
  PG_BIND_BINARY(add)
  PG_BIND_BINARY(sub)
  PG_BIND_BINARY(mul)
  PG_BIND_BINARY(div)
#undef PG_BIND_BINARY

  m.def(
      "prelu",
      [](const py::array& x, const py::array& w) {
        Tensor tx = from_numpy(x, "prelu", "input"), tw = from_numpy(w, "prelu", "weight"), y;
        {
          py::gil_scoped_release release;
          y = ops::prelu(tx, tw);
        }
        return to_numpy(y);
      },
      py::arg("input"), py::arg("weight"));
  m.def(
      "prelu_backward",
      [](const py::array& gy, const py::array& x, const py::array& w) {
        Tensor tg = from_numpy(gy, "prelu_backward", "grad_output");
        Tensor tx = from_numpy(x, "prelu_backward", "input");
        Tensor tw = from_numpy(w, "prelu_backward", "weight");
        std::vector<Tensor> g;
        {
          py::gil_scoped_release release;
          g = ops::prelu_backward(tg, tx, tw);
        }
        return to_numpy(g);
      },
      py::arg("grad_output"), py::arg("input"), py::arg("weight"));
  m.def(
      "maxout",
      [](const py::array& x, int64_t pieces, int64_t axis) {
        Tensor tx = from_numpy(x, "maxout", "input"), y;
        {
          py::gil_scoped_release release;
          y = ops::maxout(tx, pieces, axis);
        }
        return to_numpy(y);
      },
      py::arg("input"), py::arg("pieces"), py::arg("axis") = 1);
  m.def(
      "maxout_backward",
      [](const py::array& gy, const py::array& x, int64_t pieces, int64_t axis) {
        Tensor tg = from_numpy(gy, "maxout_backward", "grad_output");
        Tensor tx = from_numpy(x, "maxout_backward", "input"), gx;
        {
          py::gil_scoped_release release;
          gx = ops::maxout_backward(tg, tx, pieces, axis);
        }
        return to_numpy(gx);
      },
      py::arg("grad_output"), py::arg("input"), py::arg("pieces"), py::arg("axis") = 1);
  m.def("eltwise_variant", &ops::unary_variant, py::arg("op"));
}

}  // namespace pg
