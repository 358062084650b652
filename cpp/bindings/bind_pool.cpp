// Bindings of the pool family's eager ops: numpy <-> Tensor, GIL released around the op.
// `nd` (1 or 2) picks NCW or NCHW; pygraph/ops/pool.py passes it with the torch-named wrappers.
#include <pybind11/stl.h>

#include "bindings/convert.h"
#include "ops/pool.h"

namespace pg {

namespace {
using ops::Ints;
using OptInt = std::optional<int64_t>;

// Runs f with the GIL released and returns its tensor(s) as numpy.
template <class F>
py::object released(F&& f) {
  decltype(f()) out;
  {
    py::gil_scoped_release release;
    out = f();
  }
  return to_numpy(out);
}
}  // namespace

void bind_pool(py::module_& m) {
  m.def("pool_output_size", &ops::pool_output_size, py::arg("input_size"), py::arg("kernel_size"),
        py::arg("stride"), py::arg("padding"), py::arg("dilation"), py::arg("ceil_mode"));
  m.def("max_pool",
        [](int nd, const py::array& x, Ints k, Ints s, Ints p, Ints d, bool ceil, bool ret) {
          Tensor tx = from_numpy(x, "max_pool", "input");
          return released([&] { return ops::max_pool(nd, tx, k, s, p, d, ceil, ret); });
        });
  m.def("max_pool_backward", [](int nd, const py::array& dy, const py::array& x, Ints k, Ints s,
                                Ints p, Ints d, bool ceil, const py::object& idx) {
    Tensor tdy = from_numpy(dy, "max_pool_backward", "grad_output");
    Tensor tx = from_numpy(x, "max_pool_backward", "input");
    Tensor ti = from_numpy_opt(idx, "max_pool_backward", "indices");
    return released([&] { return ops::max_pool_backward(nd, tdy, tx, k, s, p, d, ceil, ti); });
  });
  m.def("avg_pool",
        [](int nd, const py::array& x, Ints k, Ints s, Ints p, bool ceil, bool cip, OptInt div) {
          Tensor tx = from_numpy(x, "avg_pool", "input");
          return released([&] { return ops::avg_pool(nd, tx, k, s, p, ceil, cip, div); });
        });
  m.def("avg_pool_backward", [](int nd, const py::array& dy, const py::array& x, Ints k, Ints s,
                                Ints p, bool ceil, bool cip, OptInt div) {
    Tensor tdy = from_numpy(dy, "avg_pool_backward", "grad_output");
    Tensor tx = from_numpy(x, "avg_pool_backward", "input");
    return released([&] { return ops::avg_pool_backward(nd, tdy, tx, k, s, p, ceil, cip, div); });
  });
  m.def("adaptive_avg_pool", [](int nd, const py::array& x, Ints out) {
    Tensor tx = from_numpy(x, "adaptive_avg_pool", "input");
    return released([&] { return ops::adaptive_avg_pool(nd, tx, out); });
  });
  m.def("adaptive_avg_pool_backward",
        [](int nd, const py::array& dy, const py::array& x, Ints out) {
          Tensor tdy = from_numpy(dy, "adaptive_avg_pool_backward", "grad_output");
          Tensor tx = from_numpy(x, "adaptive_avg_pool_backward", "input");
          return released([&] { return ops::adaptive_avg_pool_backward(nd, tdy, tx, out); });
        });
  m.def("global_avg_pool2d", [](const py::array& x) {
    Tensor tx = from_numpy(x, "global_avg_pool2d", "input");
    return released([&] { return ops::global_avg_pool2d(tx); });
  });
  m.def("global_max_pool2d", [](const py::array& x) {
    Tensor tx = from_numpy(x, "global_max_pool2d", "input");
    return released([&] { return ops::global_max_pool2d(tx); });
  });
  m.def("global_avg_pool2d_backward", [](const py::array& dy, const py::array& x) {
    Tensor tdy = from_numpy(dy, "global_avg_pool2d_backward", "grad_output");
    Tensor tx = from_numpy(x, "global_avg_pool2d_backward", "input");
    return released([&] { return ops::global_avg_pool2d_backward(tdy, tx); });
  });
  m.def("global_max_pool2d_backward", [](const py::array& dy, const py::array& x) {
    Tensor tdy = from_numpy(dy, "global_max_pool2d_backward", "grad_output");
    Tensor tx = from_numpy(x, "global_max_pool2d_backward", "input");
    return released([&] { return ops::global_max_pool2d_backward(tdy, tx); });
  });
  m.def("max_unpool2d",
        [](const py::array& x, const py::array& idx, Ints k, Ints s, Ints p, Ints out) {
          Tensor tx = from_numpy(x, "max_unpool2d", "input");
          Tensor ti = from_numpy(idx, "max_unpool2d", "indices");
          return released([&] { return ops::max_unpool2d(tx, ti, k, s, p, out); });
        });
  m.def("max_unpool2d_backward", [](const py::array& dy, const py::array& x, const py::array& idx,
                                    Ints k, Ints s, Ints p, Ints out) {
    Tensor tdy = from_numpy(dy, "max_unpool2d_backward", "grad_output");
    Tensor tx = from_numpy(x, "max_unpool2d_backward", "input");
    Tensor ti = from_numpy(idx, "max_unpool2d_backward", "indices");
    return released([&] { return ops::max_unpool2d_backward(tdy, tx, ti, k, s, p, out); });
  });
}

}  // namespace pg
