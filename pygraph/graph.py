"""Tensor handles over the C++ graph IR: pg.input, pg.param, pg.constant, pg.grad, pg.ir.

A Tensor is a value of a graph: building expressions adds nodes; nothing is computed until the
graph is compiled (pg.compile). All tensors live in one default graph unless `new_graph()` is
called, which starts a fresh one (tensors of different graphs cannot be mixed).

>>> import numpy as np, pygraph as pg
>>> pg.new_graph()
>>> x = pg.input((2, 3), name="x")
>>> y = (x * 2.0).sum()
>>> float(pg.compile(y)(x=np.ones((2, 3), np.float32)))
12.0
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _core

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_state: dict[str, Any] = {"graph": _core.Graph(), "rng": np.random.default_rng(0), "count": 0}


def new_graph() -> None:
    """Start a fresh default graph (existing tensors keep theirs)."""
    _state["graph"] = _core.Graph()


def manual_seed(seed: int) -> None:
    """Seed the generator that parameter initializers draw from."""
    _state["rng"] = np.random.default_rng(seed)


def _origin() -> str:
    """file:line of the user code that is building the node (the first frame outside pygraph)."""
    frame = sys._getframe(1)
    while frame and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
        frame = frame.f_back
    return f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}" if frame else ""


def _auto_name(prefix: str) -> str:
    _state["count"] += 1
    return f"{prefix}{_state['count']}"


def free_name(graph: _core.Graph, name: str) -> str:
    """name, or name_1, name_2, ... when the graph already has an input or param called name."""
    name = name or "param"
    if graph.find(name) < 0:
        return name
    k = 1
    while graph.find(f"{name}_{k}") >= 0:
        k += 1
    return f"{name}_{k}"


class Tensor:
    """A value in a graph: its shape and dtype are known, its numbers only when compiled."""

    __array_priority__ = 1000  # numpy defers to our operators: ndarray * Tensor -> Tensor

    def __init__(self, graph: _core.Graph, vid: int) -> None:
        self.graph, self.id = graph, vid

    @property
    def _info(self) -> dict:
        return self.graph.value(self.id)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._info["shape"])

    @property
    def dtype(self) -> str:
        return self._info["dtype"]

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def kind(self) -> str:
        """'input', 'param', 'const' or 'value' (computed by a node)."""
        return self._info["kind"]

    @property
    def name(self) -> str:
        return self._info["name"]

    @property
    def op(self) -> str | None:
        """The op that computes this value (None for inputs, params, constants)."""
        producer = self._info["producer"]
        return None if producer < 0 else self.graph.node(producer)["op"]

    @property
    def value(self) -> np.ndarray:
        """A parameter's current value (a copy); assign a numpy array to change it."""
        if self.kind not in ("param", "const"):
            raise ValueError(f"{self!r} has no value until the graph runs; use pg.compile")
        return np.array(self.graph.data(self.id))

    @value.setter
    def value(self, v: Any) -> None:
        arr = np.asarray(v, dtype=self.dtype, order="C")
        self.graph.set_data(self.id, arr)

    def __repr__(self) -> str:
        what = self.name or self.op or self.kind
        return f"Tensor(%{self.id} {what}, shape={self.shape}, dtype={self.dtype})"

    # operators build nodes through pygraph.functional
    def __add__(self, o: Any) -> Tensor:
        return _emit("add", self, o)

    def __radd__(self, o: Any) -> Tensor:
        return _emit("add", o, self)

    def __sub__(self, o: Any) -> Tensor:
        return _emit("sub", self, o)

    def __rsub__(self, o: Any) -> Tensor:
        return _emit("sub", o, self)

    def __mul__(self, o: Any) -> Tensor:
        return _emit("mul", self, o)

    def __rmul__(self, o: Any) -> Tensor:
        return _emit("mul", o, self)

    def __truediv__(self, o: Any) -> Tensor:
        return _emit("div", self, o)

    def __rtruediv__(self, o: Any) -> Tensor:
        return _emit("div", o, self)

    def __matmul__(self, o: Any) -> Tensor:
        return _emit("matmul", self, o)

    def __rmatmul__(self, o: Any) -> Tensor:
        return _emit("matmul", o, self)

    def __neg__(self) -> Tensor:
        return _emit("neg", self)

    def sum(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return _emit("sum", self, axis=_axes(axis), keepdims=keepdims)

    def mean(self, axis: int | Sequence[int] | None = None, keepdims: bool = False) -> Tensor:
        return _emit("mean", self, axis=_axes(axis), keepdims=keepdims)

    def reshape(self, *shape: int | Sequence[int]) -> Tensor:
        dims = shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape
        return _emit("reshape", self, shape=[int(d) for d in dims])

    def transpose(self, axis0: int = -2, axis1: int = -1) -> Tensor:
        return _emit("transpose", self, axis0=axis0, axis1=axis1)

    def __getitem__(self, key: Any) -> Tensor:
        """x[1], x[:, 2:5], x[..., -1], x[None]: see pygraph.functional.index."""
        from .functional.movement import index

        return index(self, key)

    @property
    def T(self) -> Tensor:  # noqa: N802 (numpy's name)
        return self.transpose(-2, -1)


def _axes(axis: int | Sequence[int] | None) -> list[int] | None:
    if axis is None:
        return None
    return [int(axis)] if isinstance(axis, (int, np.integer)) else [int(a) for a in axis]


def _as_tensor(x: Any, graph: _core.Graph, dtype: str) -> Tensor:
    if hasattr(x, "in_graph"):  # a pg.nn.Parameter: its shared param in this graph
        return x.in_graph(graph)
    if isinstance(x, Tensor):
        if x.graph is not graph:
            raise ValueError(f"{x!r} belongs to another graph (see pg.new_graph)")
        return x
    return Tensor(graph, graph.constant(np.asarray(x, dtype=dtype)))


def _emit(op: str, *inputs: Any, **attrs: Any) -> Tensor:
    """Add one node: op(inputs) with attributes; Python numbers become constants."""
    first = next((t for t in inputs if isinstance(t, Tensor)), None)
    graph = first.graph if first is not None else _state["graph"]
    dtype = first.dtype if first is not None else "float32"
    ids = [_as_tensor(t, graph, dtype).id for t in inputs]
    (out,) = graph.add(op, ids, attrs, _origin())
    return Tensor(graph, out)


def input(shape: Sequence[int], dtype: str = "float32", name: str | None = None) -> Tensor:  # noqa: A001
    """A graph input of fixed shape, fed by name when the compiled graph runs.

    >>> x = input((64, 1, 28, 28), name="x_doc_input")
    >>> x.shape
    (64, 1, 28, 28)
    """
    g = _state["graph"]
    return Tensor(g, g.input(name or _auto_name("input"), [int(d) for d in shape], dtype))


def _init(shape: tuple[int, ...], init: Any, dtype: str) -> np.ndarray:
    if not isinstance(init, str):
        arr = np.asarray(init, dtype=dtype)
        if arr.shape != shape:
            raise ValueError(f"param: init has shape {arr.shape} but the shape is {shape}")
        return arr
    rng = _state["rng"]
    simple = {"zeros": np.zeros, "ones": np.ones}
    if init in simple:
        return simple[init](shape, dtype=dtype)
    if init == "normal":
        return rng.normal(0.0, 1.0, shape).astype(dtype)
    if not shape:
        raise ValueError(f"param: init {init!r} needs a shape with fan-in; use zeros, ones, "
                         "normal or an array for a scalar")  # fmt: skip
    # fans as torch computes them: weight (out, in, *kernel)
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    fan_in = (shape[1] if len(shape) > 1 else shape[0]) * receptive
    fan_out = shape[0] * receptive
    if init in ("he", "kaiming", "he_normal", "kaiming_normal"):
        arr = rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)
    elif init in ("he_uniform", "kaiming_uniform"):
        bound = np.sqrt(6.0 / fan_in)
        arr = rng.uniform(-bound, bound, shape)
    elif init in ("xavier", "glorot", "xavier_uniform", "glorot_uniform"):
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        arr = rng.uniform(-bound, bound, shape)
    elif init in ("xavier_normal", "glorot_normal"):
        arr = rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), shape)
    else:
        raise ValueError(f"param: unknown init {init!r}; use he, he_uniform, xavier, "
                         "xavier_normal, zeros, ones, normal or an array")  # fmt: skip
    return arr.astype(dtype)


def param(
    shape: Sequence[int], init: Any = "he", name: str | None = None, dtype: str = "float32"
) -> Tensor:
    """A trainable parameter holding a value (`.value`, assignable).

    init: "he" (Kaiming normal), "he_uniform", "xavier" (Glorot uniform), "xavier_normal",
    "zeros", "ones", "normal", or an array. Fans follow torch's layout (out, in, *kernel).

    >>> w = param((6, 1, 5, 5), init="he", name="w_doc")
    >>> w.value.shape
    (6, 1, 5, 5)
    """
    shape = tuple(int(d) for d in shape)
    g = _state["graph"]
    return Tensor(g, g.param(name or _auto_name("param"), _init(shape, init, dtype)))


def constant(value: Any, dtype: str = "float32") -> Tensor:
    """A constant in the graph (folded into the compiled program)."""
    g = _state["graph"]
    return Tensor(g, g.constant(np.asarray(value, dtype=dtype, order="C")))


def grad(y: Tensor, xs: Sequence[Tensor] | Tensor, grad_outputs: Any = None) -> list[Tensor]:
    """Gradients of y with respect to each x, as new Tensors of the graph (draw them, derive
    them, compile them). xs may be pg.nn.Parameters (model.parameters()): each is taken as its
    param in y's graph. y must be a scalar unless grad_outputs (y's shape) is given. An x that
    y does not depend on gets zeros, with a warning.

    >>> import pygraph as pg
    >>> x = pg.input((3,), name="x_doc_grad")
    >>> (gx,) = pg.grad((x * x).sum(), [x])
    >>> pg.compile(gx)(x_doc_grad=np.array([1, 2, 3], np.float32)).tolist()
    [2.0, 4.0, 6.0]
    """
    single = isinstance(xs, Tensor) or hasattr(xs, "in_graph")
    xs = [xs] if single else list(xs)
    xs = [x.in_graph(y.graph) if hasattr(x, "in_graph") else x for x in xs]  # nn.Parameters
    for x in xs:
        if x.graph is not y.graph:
            raise ValueError(f"grad: {x!r} belongs to another graph than y")
    seed = -1 if grad_outputs is None else _as_tensor(grad_outputs, y.graph, y.dtype).id
    ids, unreached = y.graph.grad(y.id, [x.id for x in xs], seed)
    for k in unreached:
        warnings.warn(f"grad: y does not depend on {xs[k]!r}; its gradient is zeros", stacklevel=2)
    return [Tensor(y.graph, i) for i in ids]


def ir(*outputs: Tensor) -> str:
    """The IR text of the nodes the outputs need (every node of the default graph if none)."""
    graph = outputs[0].graph if outputs else _state["graph"]
    return graph.print([t.id for t in outputs])
