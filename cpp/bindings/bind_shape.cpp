// Bindings of the shape family's eager ops (reductions and data movement): convert, release
// the GIL, call, convert back.
#include <pybind11/stl.h>

#include "bindings/convert.h"
#include "ops/embedding.h"
#include "ops/reduce.h"
#include "ops/shape.h"

namespace pg {
namespace {

using ops::AxisList;

// One input array, one output array: the shape of most bindings below.
template <class F>
py::array unary(const py::array& a, const char* op, const char* arg, F&& f) {
  Tensor t = from_numpy(a, op, arg), y;
  {
    py::gil_scoped_release release;
    y = f(t);
  }
  return to_numpy(y);
}

using ReduceFn = Tensor (*)(const Tensor&, const AxisList&, bool);
void def_reduce(py::module_& m, const char* name, ReduceFn fn) {
  m.def(
      name,
      [name, fn](const py::array& x, const AxisList& axis, bool keepdims) {
        return unary(x, name, "input", [&](const Tensor& t) { return fn(t, axis, keepdims); });
      },
      py::arg("input"), py::arg("axis") = py::none(), py::arg("keepdims") = false);
}

using ExpandFn = Tensor (*)(const Tensor&, const Shape&, const AxisList&, bool);
void def_expand(py::module_& m, const char* name, ExpandFn fn) {
  m.def(
      name,
      [name, fn](const py::array& gy, const Shape& shape, const AxisList& axis, bool keepdims) {
        return unary(gy, name, "grad_output",
                     [&](const Tensor& t) { return fn(t, shape, axis, keepdims); });
      },
      py::arg("grad_output"), py::arg("input_shape"), py::arg("axis"), py::arg("keepdims"));
}

using RouteFn = Tensor (*)(const Tensor&, const Tensor&, const AxisList&, bool);
void def_route(py::module_& m, const char* name, RouteFn fn) {
  m.def(
      name,
      [name, fn](const py::array& gy, const py::array& x, const AxisList& axis, bool keepdims) {
        Tensor tg = from_numpy(gy, name, "grad_output"), tx = from_numpy(x, name, "input"), gx;
        {
          py::gil_scoped_release release;
          gx = fn(tg, tx, axis, keepdims);
        }
        return to_numpy(gx);
      },
      py::arg("grad_output"), py::arg("input"), py::arg("axis"), py::arg("keepdims"));
}

using ArgFn = Tensor (*)(const Tensor&, std::optional<int64_t>, bool);
void def_arg(py::module_& m, const char* name, ArgFn fn) {
  m.def(
      name,
      [name, fn](const py::array& x, std::optional<int64_t> axis, bool keepdims) {
        return unary(x, name, "input", [&](const Tensor& t) { return fn(t, axis, keepdims); });
      },
      py::arg("input"), py::arg("axis") = py::none(), py::arg("keepdims") = false);
}

std::vector<Tensor> from_list(const std::vector<py::array>& arrays, const char* op) {
  std::vector<Tensor> ts;
  for (size_t i = 0; i < arrays.size(); ++i) {
    const std::string arg = "tensors[" + std::to_string(i) + "]";
    ts.push_back(from_numpy(arrays[i], op, arg.c_str()));
  }
  return ts;
}

}  // namespace

void bind_shape(py::module_& m) {
  def_reduce(m, "sum", ops::sum);
  def_reduce(m, "mean", ops::mean);
  def_reduce(m, "amax", ops::amax);
  def_reduce(m, "amin", ops::amin);
  m.def(
      "embedding",
      [](const py::array& input, const py::array& weight) {
        Tensor ti = from_numpy(input, "embedding", "input");
        Tensor tw = from_numpy(weight, "embedding", "weight");
        return unary(weight, "embedding", "weight",
                     [&](const Tensor&) { return ops::embedding(ti, tw); });
      },
      py::arg("input"), py::arg("weight"));
  m.def(
      "embedding_backward",
      [](const py::array& gy, const py::array& input, int64_t num_embeddings) {
        Tensor tg = from_numpy(gy, "embedding_backward", "grad_output");
        Tensor ti = from_numpy(input, "embedding_backward", "input");
        return unary(gy, "embedding_backward", "grad_output", [&](const Tensor&) {
          return ops::embedding_backward(tg, ti, num_embeddings);
        });
      },
      py::arg("grad_output"), py::arg("input"), py::arg("num_embeddings"));
  def_arg(m, "argmax", ops::argmax);
  def_arg(m, "argmin", ops::argmin);
  def_expand(m, "sum_backward", ops::sum_backward);
  def_expand(m, "mean_backward", ops::mean_backward);
  def_route(m, "amax_backward", ops::amax_backward);
  def_route(m, "amin_backward", ops::amin_backward);

  m.def(
      "transpose",
      [](const py::array& x, int64_t a0, int64_t a1) {
        return unary(x, "transpose", "input",
                     [&](const Tensor& t) { return ops::transpose(t, a0, a1); });
      },
      py::arg("input"), py::arg("axis0"), py::arg("axis1"));
  m.def(
      "transpose_backward",
      [](const py::array& gy, int64_t a0, int64_t a1) {
        return unary(gy, "transpose_backward", "grad_output",
                     [&](const Tensor& t) { return ops::transpose_backward(t, a0, a1); });
      },
      py::arg("grad_output"), py::arg("axis0"), py::arg("axis1"));
  m.def(
      "permute",
      [](const py::array& x, const std::vector<int64_t>& axes) {
        return unary(x, "permute", "input", [&](const Tensor& t) { return ops::permute(t, axes); });
      },
      py::arg("input"), py::arg("axes"));
  m.def(
      "permute_backward",
      [](const py::array& gy, const std::vector<int64_t>& axes) {
        return unary(gy, "permute_backward", "grad_output",
                     [&](const Tensor& t) { return ops::permute_backward(t, axes); });
      },
      py::arg("grad_output"), py::arg("axes"));
  m.def(
      "reshape",
      [](const py::array& x, const std::vector<int64_t>& shape) {
        return unary(x, "reshape", "input",
                     [&](const Tensor& t) { return ops::reshape(t, shape); });
      },
      py::arg("input"), py::arg("shape"));
  m.def(
      "reshape_backward",
      [](const py::array& gy, const Shape& shape) {
        return unary(gy, "reshape_backward", "grad_output",
                     [&](const Tensor& t) { return ops::reshape_backward(t, shape); });
      },
      py::arg("grad_output"), py::arg("input_shape"));
  m.def(
      "flatten",
      [](const py::array& x, int64_t start, int64_t end) {
        return unary(x, "flatten", "input",
                     [&](const Tensor& t) { return ops::flatten(t, start, end); });
      },
      py::arg("input"), py::arg("start_axis") = 1, py::arg("end_axis") = -1);
  m.def(
      "concat",
      [](const std::vector<py::array>& xs, int64_t axis) {
        std::vector<Tensor> ts = from_list(xs, "concat");
        Tensor y;
        {
          py::gil_scoped_release release;
          y = ops::concat(ts, axis);
        }
        return to_numpy(y);
      },
      py::arg("tensors"), py::arg("axis") = 0);
  m.def(
      "concat_backward",
      [](const py::array& gy, const std::vector<Shape>& shapes, int64_t axis) {
        Tensor t = from_numpy(gy, "concat_backward", "grad_output");
        std::vector<Tensor> gs;
        {
          py::gil_scoped_release release;
          gs = ops::concat_backward(t, shapes, axis);
        }
        return to_numpy(gs);
      },
      py::arg("grad_output"), py::arg("shapes"), py::arg("axis"));
  m.def(
      "pad",
      [](const py::array& x, const std::vector<int64_t>& pad, const std::string& mode,
         double value) {
        return unary(x, "pad", "input",
                     [&](const Tensor& t) { return ops::pad(t, pad, mode, value); });
      },
      py::arg("input"), py::arg("pad"), py::arg("mode") = "constant", py::arg("value") = 0.0);
  m.def(
      "pad_backward",
      [](const py::array& gy, const Shape& shape, const std::vector<int64_t>& pad,
         const std::string& mode) {
        return unary(gy, "pad_backward", "grad_output",
                     [&](const Tensor& t) { return ops::pad_backward(t, shape, pad, mode); });
      },
      py::arg("grad_output"), py::arg("input_shape"), py::arg("pad"), py::arg("mode"));
}

}  // namespace pg
