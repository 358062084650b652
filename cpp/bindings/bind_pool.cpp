// Bindings of the pool family's eager ops.
#include "bindings/convert.h"

namespace pg {

void bind_pool(py::module_& m) { (void)m; }

}  // namespace pg
