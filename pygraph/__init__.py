"""pygraph: a computation-graph engine for learning, teaching and looking inside deep learning.

>>> import numpy as np, pygraph as pg
>>> pg.ops.matmul(np.eye(2, dtype=np.float32), np.ones((2, 3), np.float32)).shape
(2, 3)
"""

from __future__ import annotations

try:
    from . import _core  # noqa: F401  (fail early, with a hint, when unbuilt)
except ImportError as exc:  # pragma: no cover - only without a built extension
    raise ImportError(
        "pygraph's C++ extension (pygraph._core) is not built. Run `make build` in the "
        "repository (or `pip install .`)."
    ) from exc

from . import data, io, models, nn, ops, optim
from ._runtime import (
    active_isa,
    hardware_isa,
    kernel_variants,
    num_threads,
    set_isa,
    set_num_threads,
    trace_kernels,
)
from .compile import PASSES, Compiled, compile
from .functional import *  # noqa: F403
from .functional import __all__ as _functional_all
from .graph import Tensor, constant, grad, input, ir, manual_seed, new_graph, param
from .history import History, plot_history
from .io import load, save
from .summary import Summary, summary
from .symbolic import derive
from .train import Trainer
from .viz import Diagram, render

__version__ = "0.1.0"

__all__ = [
    "data",
    "io",
    "models",
    "nn",
    "ops",
    "optim",
    "load",
    "save",
    "Diagram",
    "render",
    "derive",
    "Summary",
    "summary",
    "History",
    "Trainer",
    "plot_history",
    "Tensor",
    "Compiled",
    "compile",
    "PASSES",
    "constant",
    "grad",
    "input",
    "ir",
    "manual_seed",
    "new_graph",
    "param",
    *_functional_all,
    "active_isa",
    "hardware_isa",
    "kernel_variants",
    "num_threads",
    "set_isa",
    "set_num_threads",
    "trace_kernels",
]
