// Bindings of the graph IR, autodiff and the executor: conversions only.
#include <pybind11/stl.h>

#include "bindings/convert.h"
#include "graph/ir.h"
#include "graph/passes/autodiff.h"
#include "graph/passes/pass.h"
#include "graph/print.h"
#include "runtime/executable.h"

namespace pg {
namespace {

using graph::Attr;
using graph::Attrs;
using graph::Graph;
using graph::ValueId;

DType dtype_from(const std::string& name) {
  if (name == "float32") return DType::f32;
  if (name == "float64") return DType::f64;
  if (name == "int64") return DType::i64;
  throw TypeError("dtype must be 'float32', 'float64' or 'int64', got '" + name + "'");
}

Attr attr_from(const std::string& key, const py::handle& v) {
  if (py::isinstance<py::bool_>(v) || py::isinstance<py::int_>(v)) return v.cast<int64_t>();
  if (py::isinstance<py::float_>(v)) return v.cast<double>();
  if (py::isinstance<py::str>(v)) return v.cast<std::string>();
  if (py::isinstance<py::sequence>(v)) return v.cast<std::vector<int64_t>>();
  throw TypeError("attribute '" + key + "' has an unsupported type");
}

py::object attr_to(const Attr& a) {
  if (auto p = std::get_if<int64_t>(&a)) return py::int_(*p);
  if (auto p = std::get_if<double>(&a)) return py::float_(*p);
  if (auto p = std::get_if<std::vector<int64_t>>(&a)) return py::tuple(py::cast(*p));
  return py::str(std::get<std::string>(a));
}

Attrs attrs_from(const py::dict& d) {
  Attrs attrs;
  for (const auto& kv : d) {
    const auto key = kv.first.cast<std::string>();
    if (!kv.second.is_none()) attrs.set(key, attr_from(key, kv.second));
  }
  return attrs;
}

py::dict attrs_to(const Attrs& attrs) {
  py::dict d;
  for (const auto& [k, v] : attrs.items()) d[py::str(k)] = attr_to(v);
  return d;
}

}  // namespace

void bind_graph(py::module_& m) {
  m.def("op_table", [] {
    py::list out;
    for (const auto& name : graph::op_names()) {
      const auto& def = graph::op_def(graph::op_id(name));
      py::dict d;
      d["name"] = def.name;
      d["category"] = def.category;
      d["min_inputs"] = def.min_inputs;
      d["max_inputs"] = def.max_inputs;
      d["differentiable"] = def.grad != nullptr;
      d["label"] = def.label ? def.label : def.name;
      out.append(d);
    }
    return out;
  });

  py::class_<Graph, std::shared_ptr<Graph>>(m, "Graph", py::dynamic_attr())
      .def(py::init<>())
      .def("input",
           [](Graph& g, const std::string& name, const Shape& shape, const std::string& dtype) {
             return g.input(name, shape, dtype_from(dtype));
           })
      .def("param",
           [](Graph& g, const std::string& name, const py::array& a) {
             return g.param(name, from_numpy(a, "param", "value"));
           })
      .def("constant",
           [](Graph& g, const py::array& a) {
             return g.constant(from_numpy(a, "constant", "value"));
           })
      .def("add",
           [](Graph& g, const std::string& op, const std::vector<ValueId>& inputs,
              const py::dict& attrs, const std::string& origin) {
             return g.add(graph::op_id(op), inputs, attrs_from(attrs), origin);
           })
      .def("value",
           [](const Graph& g, ValueId v) {
             const auto& val = g.value(v);
             py::dict d;
             d["shape"] = py::tuple(py::cast(val.type.shape));
             d["dtype"] = dtype_name(val.type.dtype);
             d["kind"] = graph::kind_name(val.kind);
             d["name"] = val.name;
             d["producer"] = val.producer;
             return d;
           })
      .def("node",
           [](const Graph& g, graph::NodeId n) {
             const auto& node = g.node(n);
             py::dict d;
             const auto& def = graph::op_def(node.op);
             d["op"] = def.name;
             d["label"] = def.label ? def.label : def.name;
             d["params"] = graph::node_params(g, n);
             d["macs"] = graph::node_macs(g, n);
             d["inputs"] = node.inputs;
             d["outputs"] = node.outputs;
             d["attrs"] = attrs_to(node.attrs);
             d["origin"] = node.origin;
             d["grad_of"] = node.grad_of;
             return d;
           })
      .def_property_readonly("num_values", &Graph::num_values)
      .def_property_readonly("num_nodes", &Graph::num_nodes)
      .def("data", [](const Graph& g, ValueId v) { return to_numpy(g.data(v)); })
      .def("set_data", [](Graph& g, ValueId v,
                          const py::array& a) { g.set_data(v, from_numpy(a, "param", "value")); })
      .def("share", &Graph::share, py::arg("src"), py::arg("value"), py::arg("name") = "")
      .def("needed", &Graph::needed)
      .def("find", &Graph::find)
      .def("params", &Graph::params)
      .def("inputs", &Graph::inputs)
      .def("print", &graph::print, py::arg("outputs") = std::vector<ValueId>{})
      .def(
          "grad",
          [](Graph& g, ValueId y, const std::vector<ValueId>& xs, ValueId seed) {
            auto r = graph::autodiff(g, y, xs, seed);
            return py::make_tuple(r.values, r.unreached);
          },
          py::arg("y"), py::arg("xs"), py::arg("seed") = -1);

  m.def(
      "compile_program",
      [](const std::shared_ptr<Graph>& g, const std::vector<ValueId>& outputs,
         const std::vector<std::string>& passes, bool trace) {
        std::vector<graph::PassReport> reports;
        graph::Program p = graph::run_passes(*g, outputs, passes, trace, reports);
        py::list reps;
        for (const auto& r : reports) {
          py::dict d;
          d["pass"] = r.pass;
          d["nodes_before"] = r.nodes_before;
          d["nodes_after"] = r.nodes_after;
          d["log"] = r.log;
          d["ir"] = r.ir;
          if (trace) {
            d["before"] = py::make_tuple(r.before.graph, r.before.outputs);
            d["after"] = py::make_tuple(r.after.graph, r.after.outputs);
            d["value_map"] = r.value_map;
          }
          reps.append(d);
        }
        return py::make_tuple(p.graph, p.outputs, reps, p.plan);
      },
      py::arg("graph"), py::arg("outputs"), py::arg("passes"), py::arg("trace") = false);
  m.def("pass_names", &graph::pass_names);

  py::class_<graph::MemoryPlan, std::shared_ptr<graph::MemoryPlan>>(m, "MemoryPlan")
      .def_readonly("arena_bytes", &graph::MemoryPlan::arena_bytes)
      .def_readonly("naive_bytes", &graph::MemoryPlan::naive_bytes)
      .def_readonly("inplace", &graph::MemoryPlan::inplace)
      .def_readonly("order", &graph::MemoryPlan::order)
      .def_property_readonly("values", [](const graph::MemoryPlan& p) {
        py::list out;
        for (const auto& v : p.values) {
          py::dict d;
          d["value"] = v.value;
          d["offset"] = v.offset;
          d["bytes"] = v.bytes;
          d["first"] = v.first;
          d["last"] = v.last;
          d["inplace_of"] = v.inplace_of >= 0 ? py::object(py::int_(v.inplace_of)) : py::none();
          out.append(d);
        }
        return out;
      });

  py::class_<runtime::Executable>(m, "Executable")
      .def(py::init([](std::shared_ptr<Graph> g, std::vector<ValueId> outputs,
                       std::vector<std::pair<ValueId, ValueId>> updates,
                       std::shared_ptr<const graph::MemoryPlan> plan) {
             return std::make_unique<runtime::Executable>(std::move(g), std::move(outputs),
                                                          std::move(updates), std::move(plan));
           }),
           py::arg("graph"), py::arg("outputs"),
           py::arg("updates") = std::vector<std::pair<ValueId, ValueId>>{},
           py::arg("plan") = nullptr)
      .def_property_readonly("inputs", &runtime::Executable::inputs)
      .def_property_readonly("arena_bytes", &runtime::Executable::arena_bytes)
      .def("reverse_slots_for_testing", &runtime::Executable::reverse_slots_for_testing)
      .def_property_readonly("plan_stats",
                             [](runtime::Executable& e) {
                               const auto s = e.plan_stats();
                               return py::make_tuple(s.landed, s.fallback);
                             })
      .def("run", [](runtime::Executable& e, const py::dict& feeds) {
        std::vector<py::array> keep;  // the numpy arrays the borrowed tensors point into
        std::vector<std::pair<std::string, Tensor>> in;
        for (const auto& kv : feeds) {
          const auto name = kv.first.cast<std::string>();
          keep.push_back(py::reinterpret_borrow<py::array>(kv.second));
          in.emplace_back(name, from_numpy(keep.back(), "compiled graph", name.c_str()));
        }
        std::vector<Tensor> out;
        {
          py::gil_scoped_release release;
          out = e.run(in);
        }
        return to_numpy(out);
      });
}

}  // namespace pg
