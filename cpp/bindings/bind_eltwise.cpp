// Bindings of the eltwise family's eager ops.
#include "bindings/convert.h"

namespace pg {

void bind_eltwise(py::module_& m) { (void)m; }

}  // namespace pg
