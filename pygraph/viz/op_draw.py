"""The op view drawn: the computation graph the engine runs — ops as boxes, values as edges
labelled with their shapes; inputs, params and constants as value boxes. With a backward part,
the picture is a U: forward ops run down, gradient ops run back up beside them, each forward
op's gradient ops in one red cluster on its level ("∂ conv2d"), linked to it by a dashed edge;
dotted edges are the forward values backprop reads. On a compiled program: fused kernels as
clusters, and edges coloured by the arena buffer they share (plan_memory). The model of the
view (OpView) is in op_view.py."""

from __future__ import annotations

from typing import Any, Callable

from .. import _core
from . import styles
from .dot import Diagram, Dot, html
from .layer_draw import fmt_shape
from .op_view import OpView, op_view

BUFFER_COLORS = ("#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
# attribute values not worth a line: the defaults of convolution and pooling
DEFAULTS = {
    "stride": "1",
    "padding": "0",
    "dilation": "1",
    "groups": "1",
    "output_padding": "0",
    "ceil_mode": "0",
    "count_include_pad": "1",
    "indices": "1",
    "input_grad": "1",
}


def _categories() -> dict[str, str]:
    return {d["name"]: d["category"] for d in _core.op_table()}


def _short(v: Any) -> str:
    if isinstance(v, tuple) and v and all(x == v[0] for x in v):
        return str(v[0])  # (1, 1) -> 1
    return "×".join(str(x) for x in v) if isinstance(v, tuple) else str(v)


def _attr_text(attrs: dict) -> str:
    """The attributes worth a line in the box (short ones; the fused expression)."""
    if "expr" in attrs:
        return str(attrs["expr"])
    first = sorted(attrs, key=lambda k: k != "activation")  # a fused epilogue shows first
    parts = [f"{k}={_short(attrs[k])}" for k in first if k not in ("code", "dtype", "shape")
             and DEFAULTS.get(k) != _short(attrs[k])]  # fmt: skip
    text = ", ".join(p for p in parts if not p.endswith(("=0", "=none", "=0.0")))
    return text if len(text) <= 36 else text[:34] + "…"


def _value_node(
    dot: Dot, view: OpView, v: int, drawn: set[str], p: str, again: bool = False, reader: int = -1
) -> str:
    """A box for an input, param or constant (once), returning its DOT id. again: its second
    box, beside the backward ops that read it (dashed), so no edge crosses the picture."""
    vid = f"{p}{'w' if again else 'v'}{v}"
    if again and not view.graph.value(v)["shape"]:  # a scalar (a learning rate): one per reader
        vid += f"_{reader}"
    if vid not in drawn:
        drawn.add(vid)
        info = view.graph.value(v)
        name = info["name"] or ("const" if info["kind"] == "const" else f"%{v}")
        label = f"<<B>{html(name)}</B><BR/>{html(fmt_shape(tuple(info['shape'])))}>"
        style = styles.VALUE_STYLE[info["kind"]]
        dot.node(
            vid, label=label, **(style | {"style": "rounded,filled,dashed"} if again else style)
        )
    return vid


def _op_node(dot: Dot, view: OpView, n: int, cats: dict[str, str], p: str) -> None:
    node = view.graph.node(n)
    cat = cats.get(node["op"], "")
    attrs = _attr_text(node["attrs"])
    rows = [f"<B>{html(node['op'])}</B>"] + ([html(attrs)] if attrs else [])
    if n in view.notes:
        rows.append(f'<FONT POINT-SIZE="8">{html(view.notes[n])}</FONT>')
    fused = cat == "fused" or node["attrs"].get("activation") not in (None, "none")
    if fused:
        dot.open_cluster(label="fused kernel", style="rounded,filled", fillcolor="#fdf2e4",
                         color="#e69138", fontsize="8", fontcolor="#b45f06")  # fmt: skip
    fill = styles.op_fill("fused" if fused else cat, view.is_grad(n))
    mark = styles.MARK_STYLE.get(view.marks.get(n, ""), {})
    label = "<" + "<BR/>".join(rows) + ">"
    dot.node(f"{p}n{n}", label=label, fillcolor=fill, tooltip=node["origin"] or None, **mark)
    if fused:
        dot.close_cluster()


def _emit_order(view: OpView, groups: dict[int, int]) -> list[int]:
    """The nodes in order, side by side (forward, backward, update), except that each rule's
    nodes follow its first one: a compiled program can interleave two rules' nodes (a fused
    conv + relu differentiates both)."""
    by_of: dict[int, list[int]] = {}
    for n in view.nodes:
        if n in groups:
            by_of.setdefault(groups[n], []).append(n)
    order: list[int] = []
    for n in view.nodes:
        if n not in groups:
            order.append(n)
        elif by_of[groups[n]][0] == n:
            order += by_of[groups[n]]
    return sorted(order, key=view.side)  # stable: the order within a side stays


def _emit_nodes(dot: Dot, view: OpView, p: str) -> dict[int, list[int]]:
    """The op boxes; with gradient provenance, the forward and the backward ops as two
    borderless clusters side by side (forward left) and each rule's ops in a "∂ op" cluster.
    Returns forward node -> the backward nodes its rule emitted."""
    cats, groups = _categories(), view.grad_groups()
    members: dict[int, list[int]] = {}
    sides = bool(groups) and view.sides
    side = None
    order = _emit_order(view, groups)
    for i, n in enumerate(order):
        if sides and view.side(n) != side:
            if side is not None:
                dot.close_cluster()
            side = view.side(n)
            dot.open_cluster(label="optimizer update" if side == 2 else "", peripheries="0",
                             fontsize="9", fontcolor=styles.GRAD_EDGE)  # fmt: skip
        of = groups.get(n)
        if of is not None and of not in members:  # the rule's nodes come one after another
            dot.open_cluster(label=f"∂ {view.graph.node(of)['op']}", style="rounded,dashed",
                             color=styles.GRAD_EDGE, fontsize="8", fontcolor=styles.GRAD_EDGE,
                             labeljust="r", peripheries="1")  # fmt: skip
        if of is not None:
            members.setdefault(of, []).append(n)
        _op_node(dot, view, n, cats, p)
        if of is not None and (i + 1 == len(order) or groups.get(order[i + 1]) != of):
            dot.close_cluster()
    if side is not None:
        dot.close_cluster()
    return members


def emit_ops(dot: Dot, view: OpView, compact: bool, p: str = "") -> None:
    """The view's boxes and edges into dot, DOT ids prefixed with p (several views in one)."""
    g = view.graph
    members = _emit_nodes(dot, view, p)
    producer = {v: f"{p}n{n}" for n in view.nodes for v in g.node(n)["outputs"]}
    drawn: set[str] = set()
    for n in view.nodes:
        for v in g.node(n)["inputs"]:
            _in_edge(dot, view, v, n, producer, drawn, compact, p)
    for k, v in enumerate(view.outputs):
        info = g.value(v)
        name = view.names[k] if k < len(view.names) else f"output {k}"
        dot.node(f"{p}out{k}", label=f"<<B>{html(name)}</B><BR/>{html(fmt_shape(info['shape']))}>",
                 **styles.VALUE_STYLE["output"])  # fmt: skip
        src = producer.get(v) or _value_node(dot, view, v, drawn, p)
        made_by = info["producer"]
        if view.is_grad(made_by) and made_by not in view.updates:  # backward runs upward
            dot.edge(f"{p}out{k}", src, dir="back")
        else:
            dot.edge(src, f"{p}out{k}")
    for of, ns in members.items():  # provenance: each forward op beside its gradient ops
        dot.edge(f"{p}n{of}", f"{p}n{ns[-1]}", style="dashed", color=styles.GRAD_EDGE,
                 arrowhead="none", tooltip="its gradient")  # fmt: skip
        dot.same_rank([f"{p}n{of}", f"{p}n{ns[-1]}"])


def _in_edge(dot: Dot, view: OpView, v: int, n: int, producer: dict[str, str], drawn: set[str],
             compact: bool, p: str) -> None:  # fmt: skip
    info = view.graph.value(v)
    # an optimizer update hangs below the gradient it reads: drawn as forward edges
    dst, grad = f"{p}n{n}", view.is_grad(n) and n not in view.updates
    if v in producer:
        src = producer[v]
    elif compact and info["kind"] in ("param", "const"):
        return  # over the node budget: weights and constants are left out
    else:
        again = view.is_grad(n) and view.grad_from is not None
        src = _value_node(dot, view, v, drawn, p, again, n)
    shape = fmt_shape(tuple(info["shape"]))
    a: dict[str, Any] = {"tooltip": shape} if compact else {"label": shape}
    if grad and v not in producer:  # an input, weight or constant backprop reads
        a = {"tooltip": shape, "style": "dotted", "color": styles.GRAD_EDGE}
    elif grad and not view.is_grad(info["producer"]):  # a forward value the backward pass reads
        a = {"tooltip": shape, "style": "dotted", "color": styles.GRAD_EDGE, "constraint": "false"}
    elif grad:  # a gradient flowing up: drawn from its reader so the reader ranks above
        a.update(color=styles.GRAD_EDGE, dir="back")
        src, dst = dst, src
    if v in view.buffers:
        a.update(color=BUFFER_COLORS[view.buffers[v] % len(BUFFER_COLORS)], penwidth="2")
        quiet = compact or a.get("style") == "dotted"  # long edges backprop reads: unlabelled
        a["tooltip" if quiet else "label"] = f"{shape} · buf {view.buffers[v]}"
    dot.edge(src, dst, **a)


def new_dot(title: str, rankdir: str, n_nodes: int) -> Dot:
    return Dot(
        {"rankdir": rankdir, "newrank": "true", "label": title, "labelloc": "t",
         "fontname": styles.FONT, "fontsize": "12", "nodesep": "0.2", "ranksep": "0.3",
         # crossing minimisation dominates dot's time on a few hundred ops (ResNet-18 with its
         # backward: 15 s at the defaults, under 1 s with these limits)
         "mclimit": "0.2" if n_nodes > 60 else None,
         "nslimit": "2" if n_nodes > 60 else None},
        {"shape": "box", "style": "rounded,filled", "fontname": styles.FONT, "fontsize": "9",
         "margin": "0.08,0.03", "fillcolor": "#ffffff"},
        {"color": "#666666", "arrowsize": "0.5", "fontname": styles.FONT, "fontsize": "7"},
    )  # fmt: skip


def op_dot(view: OpView, rankdir: str, compact: bool) -> str:
    dot = new_dot(view.title, rankdir, len(view.nodes))
    emit_ops(dot, view, compact)
    return dot.source()


def without_sides(views: list[OpView], draw: Callable[[], str]) -> Callable[[], str] | None:
    """Diagram.fallback: draw() again with the views' side clusters off, when they have any."""
    if not any(v.grad_groups() for v in views):
        return None

    def again() -> str:
        for v in views:
            v.sides = False
        return draw()

    return again


def render_ops(obj: Any, input_shape: Any, rankdir: str, backward: bool,
               max_nodes: int) -> Diagram:  # fmt: skip
    """The computation graph of obj (see pygraph.viz.render)."""
    view = op_view(obj, input_shape, backward)
    compact = len(view.nodes) > max_nodes
    notes = [f"{len(view.nodes)} ops, over {max_nodes}: params hidden"] if compact else []
    if notes:
        view.title += f"\n({notes[0]}; shapes in tooltips)"
    draw = lambda: op_dot(view, rankdir, compact)  # noqa: E731
    return Diagram(draw(), view.title, notes, without_sides([view], draw))
