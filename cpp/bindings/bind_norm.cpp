// Bindings of the norm family's eager ops.
#include "bindings/convert.h"

namespace pg {

void bind_norm(py::module_& m) { (void)m; }

}  // namespace pg
