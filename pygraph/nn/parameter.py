"""Parameter: a module's weight, which outlives every graph it is used in.

A Parameter owns one storage cell (a param of a private one-value graph). When a module runs on
a Tensor of graph G, the parameter appears in G as a param that shares that cell (memoized per
graph, named by its module path, e.g. "features.0.weight"), so every program compiled from any
graph reads and assigns the same numbers: `p.value` is always the current value.

State updates: a module that changes a buffer while it runs (BatchNorm's running statistics in
training mode) records (buffer in G, new value) on G with `record_update`; pg.compile adds the
recorded pairs whose owner output the compiled outputs need, so a compiled training step (or a
numpy call of the module in train mode) updates the buffer once per call.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from .. import _core
from ..graph import Tensor, free_name

_uids = itertools.count()


class Parameter:
    """A trainable array (or, with requires_grad=False, a buffer) usable in any graph.

    >>> import numpy as np, pygraph as pg
    >>> p = pg.nn.Parameter(np.ones((2, 3), np.float32))
    >>> p.shape, p.dtype
    ((2, 3), 'float32')
    >>> p.value = p.value * 2
    >>> float(p.value.sum())
    12.0
    """

    def __init__(self, data: Any, requires_grad: bool = True, name: str = "") -> None:
        arr = np.asarray(data, order="C")  # the cell copies it: no copy needed here
        if arr.dtype.kind == "f" and arr.dtype != np.float64:
            arr = arr.astype(np.float32, copy=False)
        elif arr.dtype.kind in "iub":
            arr = arr.astype(np.int64)
        self._cell = _core.Graph()
        self._id = self._cell.param("p", arr)
        self._uid = next(_uids)
        self.requires_grad = bool(requires_grad)
        self.name = name  # the module path once a module owns it ("fc.weight")

    @property
    def value(self) -> np.ndarray:
        """The current value (a copy); assign an array of the same shape to change it."""
        return np.array(self._cell.data(self._id))

    @value.setter
    def value(self, v: Any) -> None:
        arr = np.asarray(v)
        if arr.shape != self.shape:
            raise ValueError(
                f"Parameter '{self.name}': the new value has shape {arr.shape} but "
                f"the parameter has shape {self.shape}"
            )
        if arr.dtype.kind not in "fiub":
            raise TypeError(f"Parameter '{self.name}': the new value has dtype {arr.dtype}")
        self._cell.set_data(self._id, np.asarray(arr, dtype=self.dtype, order="C"))

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._cell.value(self._id)["shape"])

    @property
    def dtype(self) -> str:
        return self._cell.value(self._id)["dtype"]

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def numel(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def in_graph(self, graph: _core.Graph) -> Tensor:
        """This parameter as a param of `graph`, sharing its storage (made on first use)."""
        memo = _memo(graph)
        if self._uid not in memo:
            memo[self._uid] = graph.share(self._cell, self._id, free_name(graph, self.name))
        return Tensor(graph, memo[self._uid])

    def __repr__(self) -> str:
        kind = "Parameter" if self.requires_grad else "Buffer"
        return f"{kind}('{self.name}', shape={self.shape}, dtype={self.dtype})"


def _memo(graph: _core.Graph) -> dict[int, int]:
    if not hasattr(graph, "_nn_params"):
        graph._nn_params = {}
    return graph._nn_params


def resolve(x: Any, graph: _core.Graph) -> Any:
    """A Parameter as a Tensor of graph; anything else unchanged."""
    return x.in_graph(graph) if isinstance(x, Parameter) else x


def record_update(buffer: Tensor, new_value: Tensor, owner: Tensor) -> None:
    """Assign new_value to buffer after each compiled call whose outputs need `owner`."""
    graph = buffer.graph
    if not hasattr(graph, "_nn_updates"):
        graph._nn_updates = []
    graph._nn_updates.append((buffer.id, new_value.id, owner.id))


def recorded_updates(graph: _core.Graph, needed_ids: list[int]) -> list[tuple[Tensor, Tensor]]:
    """The recorded (buffer, new value) pairs whose owner the given outputs need."""
    updates = getattr(graph, "_nn_updates", [])
    if not updates:
        return []
    nodes = set(graph.needed(list(needed_ids)))
    pairs = []
    for buf, new, owner in updates:
        producer = graph.value(owner)["producer"]
        if producer in nodes or owner in needed_ids:
            pairs.append((Tensor(graph, buf), Tensor(graph, new)))
    return pairs
