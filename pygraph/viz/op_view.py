"""The op view's model: which graph, which values, which nodes, and how to mark them (backward
part, gradient provenance, shared arena buffers). Drawing is in op_draw.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class OpView:
    """What to draw: a graph, the values asked for, the nodes they need, and how to mark them."""

    graph: Any
    outputs: list[int]
    title: str
    grad_from: int | None = None  # node ids from here on are the backward pass
    buffers: dict[int, int] = field(default_factory=dict)  # value -> shared arena buffer
    names: list[str] = field(default_factory=list)  # of the outputs ("∂L/∂w"), else "output k"
    nodes: list[int] = field(default_factory=list)
    marks: dict[int, str] = field(default_factory=dict)  # node -> "removed", "added", "changed"
    notes: dict[int, str] = field(default_factory=dict)  # node -> an extra label line
    updates: set[int] = field(default_factory=set)  # optimizer nodes: drawn as a third column
    sides: bool = True  # forward and backward as two clusters (off: dot's router failed)

    def __post_init__(self) -> None:
        self.nodes = list(self.graph.needed(self.outputs))

    def is_grad(self, n: int) -> bool:
        return self.grad_from is not None and n >= self.grad_from

    def side(self, n: int) -> int:
        """0 forward, 1 backward, 2 optimizer update."""
        return 2 if n in self.updates else int(self.is_grad(n))

    def grad_groups(self) -> dict[int, int]:
        """Backward node -> the forward node (drawn here) whose gradient rule emitted it."""
        drawn = set(self.nodes)
        out = {}
        for n in self.nodes:
            of = self.graph.node(n)["grad_of"] if self.is_grad(n) else -1
            if of in drawn and not self.is_grad(of):
                out[n] = of
        return out


def grad_start(graph: Any, outputs: list[int]) -> int | None:
    """Where the backward part of a program starts: its seed, or else (a compiled program,
    whose seed simplify folded) its first gradient node, which the passes keep marked."""
    seed = _seed_node(graph, outputs)
    if seed is not None:
        return seed
    return next((n for n in graph.needed(outputs) if graph.node(n)["grad_of"] >= 0), None)


def mark_updates(view: OpView, params: list[int]) -> None:
    """A training step's view: its outputs end with the new values of these params (in order);
    name them ("new w") and find the optimizer's nodes."""
    first = len(view.outputs) - len(params)
    view.names = [f"output {k}" for k in range(first)]
    view.names += [f"new {view.graph.value(p)['name']}" for p in params]
    view.updates = _update_nodes(view, set(view.outputs[first:]))


def _update_nodes(view: OpView, values: set[int]) -> set[int]:
    """The optimizer's nodes: after the gradient's start, no gradient rule's, and read only by
    optimizer nodes or computing the new values of params (update values)."""
    g, out, kept = view.graph, set(), set(view.outputs)
    readers: dict[int, set[int]] = {}
    for r in view.nodes:
        for v in g.node(r)["inputs"]:
            readers.setdefault(v, set()).add(r)
    for n in reversed(view.nodes):
        if not view.is_grad(n) or g.node(n)["grad_of"] >= 0:
            continue
        outs = g.node(n)["outputs"]
        rs = set().union(*(readers.get(v, set()) for v in outs))
        ends = any(v in values for v in outs) or (rs and rs <= out)
        if ends and not any(v in kept and v not in values for v in outs):
            out.add(n)
    return out


def _seed_node(graph: Any, outputs: list[int]) -> int | None:
    """The backward pass of pg.grad starts at its seed: a fill of 1 made outside user code."""
    for n in graph.needed(outputs):
        node = graph.node(n)
        if node["op"] == "fill" and not node["inputs"] and not node["origin"]:
            return n
    return None


def _shared_buffers(compiled: Any) -> dict[int, int]:
    """Values that reuse an arena range another value had: value -> buffer number."""
    by_offset: dict[int, list[int]] = {}
    for row in compiled.memory_plan:
        by_offset.setdefault(row["offset"], []).append(row["value"])
    shared = [vs for _, vs in sorted(by_offset.items()) if len(vs) > 1]
    return {v: k for k, vs in enumerate(shared) for v in vs}


def op_view(obj: Any, input_shape: Any, backward: bool) -> OpView:
    from ..compile import Compiled
    from ..graph import Tensor

    if isinstance(obj, Compiled):
        kept = obj._out_ids + [v for _, v in obj._pairs]
        start = grad_start(obj.program, kept)
        view = OpView(obj.program, kept, "compiled program", start, _shared_buffers(obj))
        mark_updates(view, [p for p, _ in obj._pairs])
        return view
    if hasattr(obj, "named_modules"):
        return _module_view(obj, input_shape, backward)
    ts = [obj] if isinstance(obj, Tensor) else list(obj) if isinstance(obj, (list, tuple)) else []
    if not ts or not all(isinstance(t, Tensor) and t.graph is ts[0].graph for t in ts):
        raise TypeError(f"render: level='op' draws a Module, a Tensor, a list of Tensors of one "
                        f"graph or a pg.compile result, got {type(obj).__name__}")  # fmt: skip
    g, outs = ts[0].graph, [t.id for t in ts]
    if backward and len(ts) == 1 and ts[0].shape == ():
        from ..graph import grad

        params = [Tensor(g, p) for p in g.params() if p in _reads(g, outs)]
        start = g.num_nodes
        outs += [t.id for t in grad(ts[0], params)]
        view = OpView(g, outs, "forward and backward", start)
        view.names = ["L"] + [f"∂L/∂{p.name}" for p in params]
        return view
    return OpView(g, outs, "computation graph", grad_start(g, outs))


def _reads(g: Any, outs: list[int]) -> set[int]:
    return {v for n in g.needed(outs) for v in g.node(n)["inputs"]}


def _module_view(model: Any, input_shape: Any, backward: bool) -> OpView:
    from .._summary_trace import input_shapes, trace
    from ..graph import Tensor, grad

    shape = input_shape or getattr(model, "example_input_shape", None)
    if shape is None:
        raise ValueError(f"render: {type(model).__name__} has no example_input_shape; "
                         f"pass input_shape=(1, ...)")  # fmt: skip
    dtype = getattr(model, "example_input_dtype", "float32")
    g, tracer = trace(model, input_shapes(shape), dtype)
    outs = list(tracer.root.outputs)
    title = f"{type(model).__name__}: ops"
    if not backward:
        return OpView(g, outs, title)
    loss = Tensor(g, outs[0]).mean()
    start = g.num_nodes
    params = [p.in_graph(g) for p in model.parameters()]  # trainable: not BN's statistics
    grads = grad(loss, params)
    view = OpView(g, [loss.id] + [t.id for t in grads], title + ", backward of L = mean(output)",
                  start)  # fmt: skip
    view.names = ["L"] + [f"∂L/∂{p.name}" for p in params]
    return view
