"""The tracing half of pg.summary: one call of a model on a fresh graph, recording module calls.

pygraph.nn.module calls the installed tracer around each Module call on Tensors; graph node ids
are sequential, so the nodes a call created are the id range [start, end) it saw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _core
from . import graph as _graph
from .graph import Tensor
from .nn import module as _module


@dataclass
class Call:
    module: Any
    path: str
    depth: int
    start: int  # node ids [start, end) were created during the call
    inputs: list[tuple] = field(default_factory=list)
    end: int = -1
    outputs: list[int] = field(default_factory=list)
    children: list[Call] = field(default_factory=list)
    first: bool = True  # the module's first call: its parameters are counted here


class Tracer:
    """Records each Module call on the traced graph (installed in pygraph.nn.module._tracer)."""

    def __init__(self, graph: _core.Graph, model: Any) -> None:
        self.graph = graph
        self.paths = {id(m): p for p, m in reversed(list(model.named_modules()))}
        self.stack: list[Call] = []
        self.seen: set[int] = set()
        self.root: Call | None = None

    def enter(self, module: Any, inputs: tuple) -> Call:
        parent = self.stack[-1] if self.stack else None
        path = self.paths.get(id(module))
        if path is None:  # a module made on the fly inside a forward
            path = f"{parent.path}.{type(module).__name__.lower()}" if parent else ""
        shapes = [t.shape for t in inputs if isinstance(t, Tensor)]
        call = Call(module, path, len(self.stack), self.graph.num_nodes, shapes)
        call.first = id(module) not in self.seen
        self.seen.add(id(module))
        if parent is not None:
            parent.children.append(call)
        else:
            self.root = call
        self.stack.append(call)
        return call

    def exit(self, call: Call, out: Any) -> None:
        call.end = self.graph.num_nodes
        call.outputs = [t.id for t in _tensors(out)]
        self.stack.pop()


def _tensors(out: Any) -> list[Tensor]:
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, dict):
        out = list(out.values())
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _tensors(o)]
    return []


def _is_shape(s: Any) -> bool:
    ints = (int, np.integer)
    return isinstance(s, Sequence) and len(s) > 0 and all(isinstance(d, ints) for d in s)


def input_shapes(input_shape: Any) -> list[tuple[int, ...]]:
    """One shape or a list of shapes (several inputs), each a sequence of positive ints."""
    shapes = [input_shape] if _is_shape(input_shape) else input_shape
    ok = isinstance(shapes, Sequence) and len(shapes) > 0
    if not ok or not all(_is_shape(s) and min(s) > 0 for s in shapes):
        raise ValueError(
            f"summary: input_shape must be a shape of positive ints like (1, 3, 224, 224) or a "
            f"list of such shapes, got {input_shape!r}"
        )
    return [tuple(int(d) for d in s) for s in shapes]


def trace(model: Any, shapes: list[tuple], dtype: str) -> tuple[_core.Graph, Tracer]:
    """Call the model once in eval mode on inputs of a fresh graph, recording module calls."""
    graph, modes = _core.Graph(), [(m, m.training) for m in model.modules()]
    tracer, saved = Tracer(graph, model), _graph._state["graph"]
    _graph._state["graph"] = graph  # constants made by the layers go to the traced graph too
    _module._tracer[0] = tracer
    try:
        model.eval()
        inputs = [Tensor(graph, graph.input(f"x{k}", list(s), dtype)) for k, s in enumerate(shapes)]
        model(*inputs)
    except (ValueError, TypeError, IndexError, RuntimeError) as exc:
        raise layer_error(tracer, model, exc) from exc
    finally:
        _module._tracer[0] = None
        _graph._state["graph"] = saved
        for m, mode in modes:
            object.__setattr__(m, "training", mode)
    return graph, tracer


def layer_error(tracer: Tracer, model: Any, exc: Exception) -> Exception:
    """The error again, naming the innermost layer whose call failed and its input shapes."""
    if not tracer.stack:
        return type(exc)(f"summary of {type(model).__name__}: {exc}")
    call = tracer.stack[-1]
    shapes = ", ".join(str(s) for s in call.inputs)
    where = f"layer '{call.path or '(model)'}' ({type(call.module).__name__})"
    kind = TypeError if isinstance(exc, TypeError) else ValueError
    return kind(f"summary of {type(model).__name__}: {where} failed on input shape {shapes}: {exc}")
