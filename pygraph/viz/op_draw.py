"""The op view: the computation graph the engine runs — ops as boxes, values as edges labelled
with their shapes; inputs, params and constants as value boxes; gradient ops in red, with the
forward values they read (what backprop saves) as dotted edges. On a compiled program: fused
kernels as clusters, and edges coloured by the arena buffer they share (plan_memory)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import _core
from . import styles
from .dot import Diagram, Dot, html
from .layer_draw import fmt_shape

BUFFER_COLORS = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")


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

    def __post_init__(self) -> None:
        self.nodes = list(self.graph.needed(self.outputs))


def _categories() -> dict[str, str]:
    return {d["name"]: d["category"] for d in _core.op_table()}


def _attr_text(attrs: dict) -> str:
    """The attributes worth a line in the box (short ones; the fused expression)."""
    if "expr" in attrs:
        return str(attrs["expr"])
    first = sorted(attrs, key=lambda k: k != "activation")  # a fused epilogue shows first
    parts = [f"{k}={attrs[k]}" for k in first if k not in ("code", "dtype", "shape")]
    text = ", ".join(p for p in parts if not p.endswith(("=0", "=none", "=0.0")))
    return text if len(text) <= 36 else text[:34] + "…"


def _value_node(dot: Dot, g: Any, v: int, drawn: set[int]) -> str:
    """A box for an input, param or constant (once), returning its DOT id."""
    vid = f"v{v}"
    if v not in drawn:
        drawn.add(v)
        info = g.value(v)
        name = info["name"] or ("const" if info["kind"] == "const" else f"%{v}")
        label = f"<<B>{html(name)}</B><BR/>{html(fmt_shape(tuple(info['shape'])))}>"
        dot.node(vid, label=label, **styles.VALUE_STYLE[info["kind"]])
    return vid


def op_dot(view: OpView, rankdir: str, compact: bool) -> str:
    g, cats = view.graph, _categories()
    dot = Dot(
        {"rankdir": rankdir, "label": view.title, "labelloc": "t", "fontname": styles.FONT,
         "fontsize": "12", "nodesep": "0.2", "ranksep": "0.3",
         # crossing minimisation dominates dot's time on a few hundred ops (ResNet-18 with its
         # backward: 15 s at the defaults, under 1 s with these limits)
         "mclimit": "0.2" if len(view.nodes) > 60 else None,
         "nslimit": "2" if len(view.nodes) > 60 else None},
        {"shape": "box", "style": "rounded,filled", "fontname": styles.FONT, "fontsize": "9",
         "margin": "0.08,0.03", "fillcolor": "#ffffff"},
        {"color": "#666666", "arrowsize": "0.5", "fontname": styles.FONT, "fontsize": "7"},
    )  # fmt: skip
    producer: dict[int, str] = {}
    drawn: set[int] = set()
    for n in view.nodes:
        node = g.node(n)
        grad = view.grad_from is not None and n >= view.grad_from
        cat = cats.get(node["op"], "")
        attrs = _attr_text(node["attrs"])
        label = f"<<B>{html(node['op'])}</B>" + (f"<BR/>{html(attrs)}" if attrs else "") + ">"
        fused = cat == "fused" or node["attrs"].get("activation") not in (None, "none")
        if fused:
            dot.open_cluster(label="fused kernel", style="rounded,filled", fillcolor="#fdf2e4",
                             color="#e69138", fontsize="8", fontcolor="#b45f06")  # fmt: skip
        dot.node(f"n{n}", label=label, fillcolor=styles.op_fill("fused" if fused else cat, grad),
                 tooltip=node["origin"] or None)  # fmt: skip
        if fused:
            dot.close_cluster()
        for v in node["outputs"]:
            producer[v] = f"n{n}"
        for v in node["inputs"]:
            _in_edge(dot, view, v, n, grad, producer, drawn, compact)
    for k, v in enumerate(view.outputs):
        info = g.value(v)
        name = view.names[k] if k < len(view.names) else f"output {k}"
        dot.node(f"out{k}", label=f"<<B>{html(name)}</B><BR/>{html(fmt_shape(info['shape']))}>",
                 **styles.VALUE_STYLE["output"])  # fmt: skip
        src = producer.get(v) or _value_node(dot, g, v, drawn)
        dot.edge(src, f"out{k}")
    return dot.source()


def _in_edge(dot: Dot, view: OpView, v: int, n: int, grad: bool, producer: dict[int, str],
             drawn: set[int], compact: bool) -> None:  # fmt: skip
    g = view.graph
    info = g.value(v)
    if v in producer:
        src = producer[v]
    elif compact and info["kind"] in ("param", "const"):
        return  # over the node budget: weights and constants are left out
    else:
        src = _value_node(dot, g, v, drawn)
    shape = fmt_shape(tuple(info["shape"]))
    a: dict[str, Any] = {"tooltip": shape} if compact else {"label": shape}
    made = info["producer"]
    from_forward = made < 0 or view.grad_from is None or made < view.grad_from
    if grad and from_forward:  # a forward value the backward pass reads
        a.update(style="dotted", color=styles.GRAD_EDGE)
    elif grad:
        a.update(color=styles.GRAD_EDGE)
    if v in view.buffers:
        a.update(color=BUFFER_COLORS[view.buffers[v] % len(BUFFER_COLORS)], penwidth="2")
        a["label" if not compact else "tooltip"] = f"{shape} · buf {view.buffers[v]}"
    dot.edge(src, f"n{n}", **a)


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
        return OpView(obj.program, kept, "compiled program", None, _shared_buffers(obj))
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
    return OpView(g, outs, "computation graph", _seed_node(g, outs))


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
    y = Tensor(g, outs[0])
    start = g.num_nodes
    loss = y.mean()
    params = [p.in_graph(g) for p in model.parameters()]  # trainable: not BN's statistics
    grads = grad(loss, params)
    view = OpView(g, [loss.id] + [t.id for t in grads], title + ", backward of L = mean(output)",
                  start)  # fmt: skip
    view.names = ["L"] + [f"∂L/∂{p.name}" for p in params]
    return view


def render_ops(obj: Any, input_shape: Any, rankdir: str, backward: bool,
               max_nodes: int) -> Diagram:  # fmt: skip
    """The computation graph of obj (see pygraph.viz.render)."""
    view = op_view(obj, input_shape, backward)
    compact = len(view.nodes) > max_nodes
    notes = [f"{len(view.nodes)} ops, over {max_nodes}: params hidden"] if compact else []
    if notes:
        view.title += f"\n({notes[0]}; shapes in tooltips)"
    return Diagram(op_dot(view, rankdir, compact), view.title, notes)
