"""pg.compile: turn graph outputs into a callable that runs in C++, fed by input name.

>>> import numpy as np, pygraph as pg
>>> a = pg.input((2, 2), name="a_doc")
>>> f = pg.compile(pg.relu(a) * 3.0)
>>> f(a_doc=np.array([[-1, 2], [3, -4]], np.float32)).tolist()
[[0.0, 6.0], [9.0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _core
from .graph import Tensor


class Compiled:
    """A compiled graph: call it with numpy arrays by input name; numpy out."""

    def __init__(self, outputs: Tensor | Sequence[Tensor]) -> None:
        self._single = isinstance(outputs, Tensor)
        self.outputs = [outputs] if self._single else list(outputs)
        if not self.outputs:
            raise ValueError("compile: no outputs given")
        self.graph = self.outputs[0].graph
        for t in self.outputs:
            if not isinstance(t, Tensor) or t.graph is not self.graph:
                raise ValueError(f"compile: every output must be a Tensor of one graph, got {t!r}")
        self._exe = _core.Executable(self.graph, [t.id for t in self.outputs])
        self.input_names = [self.graph.value(v)["name"] for v in self._exe.inputs]

    def __call__(self, **feeds: Any) -> np.ndarray | list[np.ndarray]:
        arrays = {}
        for name, value in feeds.items():
            vid = self.graph.find(name)
            dtype = self.graph.value(vid)["dtype"] if vid >= 0 else "float32"
            arrays[name] = np.asarray(value, dtype=dtype, order="C")  # 0-d stays 0-d
        out = self._exe.run(arrays)
        return out[0] if self._single else list(out)

    @property
    def ir(self) -> str:
        """The IR this object runs."""
        return self.graph.print([t.id for t in self.outputs])

    def __repr__(self) -> str:
        return f"Compiled(inputs={self.input_names}, outputs={len(self.outputs)})"


def compile(outputs: Tensor | Sequence[Tensor]) -> Compiled:  # noqa: A001
    """Compile the nodes these outputs need; the inputs are found in the graph."""
    return Compiled(outputs)
