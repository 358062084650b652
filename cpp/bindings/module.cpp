// PYBIND11_MODULE(_core): the runtime controls, the error mapping, and one call per family's
// binding file. Bindings translate (numpy <-> Tensor) and release the GIL; they never decide.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "kernels/cpu.h"
#include "tensor/buffer_cache.h"
#include "tensor/errors.h"

namespace py = pybind11;

namespace pg {
void bind_gemm(py::module_& m);
void bind_conv(py::module_& m);
void bind_pool(py::module_& m);
void bind_eltwise(py::module_& m);
void bind_norm(py::module_& m);
void bind_shape(py::module_& m);
void bind_graph(py::module_& m);
}  // namespace pg

PYBIND11_MODULE(_core, m) {
  m.doc() = "pygraph's C++ core: kernels and their eager ops";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const pg::ValueError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const pg::TypeError& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const pg::MemoryError& e) {
      PyErr_SetString(PyExc_MemoryError, e.what());
    }
  });

  m.def("hardware_isa", [] { return pg::isa_name(pg::hardware_isa()); });
  m.def("active_isa", [] { return pg::isa_name(pg::active_isa()); });
  m.def(
      "set_isa", [](const std::string& name) { pg::set_isa(pg::isa_from_name(name)); },
      py::arg("level"));
  m.def("kernel_families", &pg::variant_families);
  m.def("kernel_variants", &pg::runnable_variants, py::arg("family"));
  m.def("set_kernel_tracing", &pg::set_kernel_tracing, py::arg("on"));
  m.def("take_kernel_trace", &pg::take_kernel_trace);
  m.def("cached_bytes", &pg::cached_bytes);
  m.def("clear_buffer_cache", &pg::clear_buffer_cache);
  m.def("num_threads", &pg::num_threads);
  m.def("set_num_threads", &pg::set_num_threads, py::arg("n"));

  pg::bind_gemm(m);
  pg::bind_conv(m);
  pg::bind_pool(m);
  pg::bind_eltwise(m);
  pg::bind_norm(m);
  pg::bind_shape(m);
  pg::bind_graph(m);
}
