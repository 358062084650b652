// numpy <-> Tensor, for the binding files only. Inputs arrive C-contiguous with a supported
// dtype (pygraph.ops converts them first); anything else is a TypeError naming op and argument.
// Outputs leave without a copy: the numpy array keeps the tensor's buffer alive.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "tensor/tensor.h"

namespace pg {
namespace py = pybind11;

Tensor from_numpy(const py::array& a, const char* op, const char* arg);
// None -> an undefined Tensor (optional bias, weight, ...).
Tensor from_numpy_opt(const py::object& o, const char* op, const char* arg);
py::array to_numpy(const Tensor& t);
py::tuple to_numpy(const std::vector<Tensor>& ts);

}  // namespace pg
