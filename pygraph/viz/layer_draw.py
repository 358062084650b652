"""The architecture view drawn: LayerGraph (layers.py) to DOT, and pg.render's layer level.

Boxes: type (bold) and hyper-parameters, module path, output shape, parameters; clusters for
the module hierarchy; skip connections in red. A model whose concatenations are nested skips
(U-Net) is drawn as a U: its expanding path runs upward, level beside level.
"""

from __future__ import annotations

from typing import Any

from .._summary_trace import input_shapes, trace
from . import styles
from .dot import Diagram, Dot, html
from .layers import Edge, Group, LayerGraph, Unit


def fmt_shape(shape: Any) -> str:
    if shape and isinstance(shape[0], tuple):
        return ", ".join(fmt_shape(s) for s in shape)
    return "×".join(str(d) for d in shape) if shape else "scalar"


def _label(u: Unit) -> str:
    rows = [f"<B>{html(u.title)}</B>" + (f" {html(u.detail)}" if u.detail else "")]
    sub = [u.path] if u.path and u.kind in ("layer", "block", "repeat") else []
    if u.params:
        sub.append(f"{u.params:,} params")
    if sub:
        rows.append(f'<FONT POINT-SIZE="8" COLOR="#555555">{html(" · ".join(sub))}</FONT>')
    rows.append(html(fmt_shape(u.shape)))
    return "<" + "<BR/>".join(rows) + ">"


def _node(dot: Dot, u: Unit) -> None:
    if u.kind == "merge":
        sign = "+" if u.op == "add" else "concat"
        label = f"<<B>{html(sign)}</B><BR/>{html(fmt_shape(u.shape))}>"
        dot.node(u.uid, label=label, shape="ellipse", fillcolor="#ffffff", color=styles.SKIP_COLOR)
    elif u.kind in ("input", "output"):
        dot.node(u.uid, label=_label(u), **{**styles.VALUE_STYLE[u.kind], "shape": "box"})
    elif u.kind == "op":
        fill = "#ffffff" if u.op not in styles.CATEGORY_FILL else styles.CATEGORY_FILL[u.op]
        dot.node(u.uid, label=_label(u), fillcolor=fill, style="rounded,filled,dashed")
    else:
        fill = styles.BLOCK_FILL if u.kind != "layer" else styles.layer_fill(u.title)
        pen = "2" if u.kind != "layer" else None
        dot.node(u.uid, label=_label(u), fillcolor=fill, penwidth=pen)


def _emit(dot: Dot, group: Group, top: bool) -> None:
    if not top:
        call = group.call
        name = f"{call.path}: {type(call.module).__name__}"
        dot.open_cluster(label=name, style="rounded,dashed", color=styles.CLUSTER_COLOR,
                         fontsize="9", fontcolor="#555555", labeljust="l")  # fmt: skip
    for item in group.items:
        if isinstance(item, Group):
            _emit(dot, item, False)
        else:
            _node(dot, item)
    if not top:
        dot.close_cluster()


def _u_shape(lg: LayerGraph) -> tuple[int, list[list[Unit]]] | None:
    """(turn, chains) when the concat skips nest like U-Net's (the last encoder level joins the
    first decoder level): the turn is the deepest, smallest-resolution unit after the last skip
    source; edges leaving it or later units are drawn upward."""
    chains = [c for c in lg.skip_chains() if c[-1].op == "concat"]
    starts = [c[0].start for c in chains]
    if len(chains) < 2 or starts != sorted(starts, reverse=True):
        return None
    after = [u for u in lg.units if u.start > starts[0] and u.kind not in ("input", "output")]
    spatial = [u for u in after if isinstance(u.shape, tuple) and len(u.shape) == 4]
    if not spatial:
        return None
    side = min(u.shape[2] * u.shape[3] for u in spatial)
    turn = max((u for u in spatial if u.shape[2] * u.shape[3] == side), key=lambda u: u.start)
    return turn.start, chains


def _edge(dot: Dot, e: Edge, lg: LayerGraph, turn: int | None) -> None:
    shape = fmt_shape(tuple(lg.graph.value(e.value)["shape"]))
    if e.skip:
        # In the U the skip is a flat edge inside one rank: kept as a constraint, it orders the
        # rank left to right (encoder, crop, concat), so it never crosses the concat; a label
        # (not an xlabel) gets room of its own instead of landing on the encoder's boxes.
        label = "copy and crop" if e.dst.kind == "op" else None
        dot.edge(e.src.uid, e.dst.uid, color=styles.SKIP_COLOR, penwidth="1.5", style="dashed",
                 tooltip=shape, label=label, fontcolor=styles.SKIP_COLOR)  # fmt: skip
    elif turn is not None and e.src.start >= turn:
        dot.edge(e.dst.uid, e.src.uid, dir="back", tooltip=shape)  # upward: the U's right arm
    else:
        dot.edge(e.src.uid, e.dst.uid, tooltip=shape)


def layer_dot(lg: LayerGraph, title: str, rankdir: str) -> str:
    dot = Dot(
        {"rankdir": rankdir, "newrank": "true", "label": title, "labelloc": "t",
         "fontname": styles.FONT, "fontsize": "12", "nodesep": "0.25", "ranksep": "0.3"},
        {"shape": "box", "style": "rounded,filled", "fontname": styles.FONT, "fontsize": "10",
         "margin": "0.12,0.04", "fillcolor": "#ffffff"},
        {"color": "#555555", "arrowsize": "0.6", "fontname": styles.FONT, "fontsize": "8"},
    )  # fmt: skip
    for u in lg.inputs:
        _node(dot, u)
    _emit(dot, lg.tree, True)
    _node(dot, lg.output)
    u = _u_shape(lg)
    turn = u[0] if u else None
    for e in lg.edges:
        _edge(dot, e, lg, turn)
    for chain in u[1] if u else []:
        dot.same_rank([x.uid for x in chain])
    return dot.source()


def render_layers(model: Any, input_shape: Any, depth: int | None, rankdir: str,
                  collapse_repeats: bool, max_nodes: int) -> Diagram:  # fmt: skip
    """The architecture diagram of a pg.nn.Module (see pygraph.viz.render)."""
    if input_shape is None:
        input_shape = getattr(model, "example_input_shape", None)
        if input_shape is None:
            raise ValueError(f"render: {type(model).__name__} has no example_input_shape; "
                             f"pass input_shape=(1, ...)")  # fmt: skip
    shapes = input_shapes(input_shape)
    dtype = getattr(model, "example_input_dtype", "float32")
    graph, tracer = trace(model, shapes, dtype)
    notes: list[str] = []
    lg = LayerGraph(graph, tracer.root, depth, collapse_repeats)
    if depth is None:  # the node budget: roll repeats up (a run of identical blocks as one
        # box, "Block ×12"), then deeper levels, until the picture fits
        d = full = _max_depth(tracer.root)
        if len(lg.units) > max_nodes and not collapse_repeats:
            rolled = LayerGraph(graph, tracer.root, d, True)
            lg = rolled if len(rolled.units) < len(lg.units) else lg
        while len(lg.units) > max_nodes and d > 1:
            d -= 1
            lg = LayerGraph(graph, tracer.root, d, lg.repeats)
        what = [f"drawn to depth {d}"] if d < full else []
        what += ["repeats rolled up"] if lg.repeats != collapse_repeats else []
        if what:
            notes.append(f"over {max_nodes} boxes: {', '.join(what)}")
    params = sum(p.numel() for p in model.parameters())
    ins = ", ".join(fmt_shape(s) for s in shapes)
    title = f"{type(model).__name__} · input {ins} · {params:,} params"
    if notes:
        title += f"\n({notes[0]})"
    return Diagram(layer_dot(lg, title, rankdir), type(model).__name__, notes)


def _max_depth(call: Any) -> int:
    return max([call.depth] + [_max_depth(k) for k in call.children])
