"""One compiler pass, before and after: the program the pass read and the one it made, side by
side, with the nodes it removed (red, dashed), added (green) and kept with new attributes
(orange). Needs `pg.compile(..., trace=True)`, which keeps each pass's programs and the map
from every value before to the value holding it after; the diff is read from that map.

>>> import pygraph as pg
>>> x = pg.input((4, 3), name="x_pass")
>>> w = pg.param((3, 2), init="xavier", name="w_pass")
>>> c = pg.compile(pg.relu(x @ w), trace=True)
>>> diff = pass_diff(c, "fuse")
>>> [c.passes[1]["before"][0].node(n)["op"] for n in diff.removed]
['matmul', 'relu']
>>> [c.passes[1]["after"][0].node(n)["op"] for n in diff.added]
['gemm']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import styles
from .dot import Diagram
from .op_draw import emit_ops, new_dot, without_sides
from .op_view import OpView, grad_start, mark_updates


@dataclass
class PassDiff:
    """What a pass changed. Node ids of `before.graph` (removed, changed, into's keys) and of
    `after.graph` (added, into's values)."""

    name: str
    before: OpView
    after: OpView
    removed: list[int] = field(default_factory=list)  # gone: fused, folded, merged, identities
    added: list[int] = field(default_factory=list)  # new: fused kernels, BN-folding arithmetic
    changed: list[int] = field(default_factory=list)  # kept, with other attributes
    into: dict[int, int] = field(default_factory=dict)  # removed -> the added node computing it
    kept: dict[int, int] = field(default_factory=dict)  # before node -> the same node after


def _report(compiled: Any, name: str) -> dict:
    ran = [r["pass"] for r in compiled.passes]
    if name not in ran:
        raise ValueError(f"render: pass {name!r} did not run in this program (ran: "
                         f"{', '.join(ran) or 'none'})")  # fmt: skip
    report = compiled.passes[ran.index(name)]
    if "before" not in report:
        raise ValueError(f"render: drawing pass {name!r} needs the programs each pass made; "
                         f"compile with pg.compile(..., trace=True)")  # fmt: skip
    return report


def pass_diff(compiled: Any, name: str) -> PassDiff:
    """Which nodes pass `name` removed, added and changed in a pg.compile(..., trace=True)
    program. A node is kept when the value map sends its outputs to the outputs of a node of
    the same op (the first such node: a merged twin counts as removed)."""
    r = _report(compiled, name)
    drawn = len(compiled._out_ids) + len(compiled._pairs)  # not the params kept as outputs
    (bg, bouts), (ag, aouts), vmap = r["before"], r["after"], r["value_map"]
    bo, ao = list(bouts[:drawn]), list(aouts[:drawn])
    before = OpView(bg, bo, f"before {name}", grad_start(bg, bo))
    after = OpView(ag, ao, f"after {name}", grad_start(ag, ao))
    mark_updates(before, list(bouts[drawn:]))
    mark_updates(after, list(aouts[drawn:]))
    diff = PassDiff(name, before, after)
    matched: set[int] = set()
    after_nodes = set(after.nodes)
    for b in before.nodes:
        node = bg.node(b)
        mapped = [vmap[v] for v in node["outputs"]]
        t = ag.value(mapped[0])["producer"] if mapped[0] >= 0 else -1
        same = t in after_nodes and t not in matched and ag.node(t)["op"] == node["op"]
        if same and list(ag.node(t)["outputs"]) == mapped:
            matched.add(t)
            diff.kept[b] = t
            if ag.node(t)["attrs"] != node["attrs"]:
                diff.changed.append(b)
        else:
            diff.removed.append(b)
    diff.added = [a for a in after.nodes if a not in matched]
    _absorbed(diff, vmap)
    return diff


def _absorbed(diff: PassDiff, vmap: list[int]) -> None:
    """into: a removed node whose output now comes from an added node went into it; one whose
    output is gone (or left to a node no output needs) went where its first reader went (the
    inner nodes of a fused group; a transposed weight that a gemm now reads untransposed)."""
    bg, ag = diff.before.graph, diff.after.graph
    added, removed, live = set(diff.added), set(diff.removed), set(diff.after.nodes)
    readers: dict[int, list[int]] = {}
    for b in diff.before.nodes:
        for v in bg.node(b)["inputs"]:
            readers.setdefault(v, []).append(b)
    for b in reversed(diff.before.nodes):
        if b not in removed:
            continue
        outs = bg.node(b)["outputs"]
        t = ag.value(vmap[outs[0]])["producer"] if vmap[outs[0]] >= 0 else -1
        if t in added:
            diff.into[b] = t
        elif t < 0 or t not in live:
            went = [diff.into[r] for r in sorted(r for v in outs for r in readers.get(v, []))
                    if r in diff.into]  # fmt: skip
            if went:
                diff.into[b] = went[0]


def _mark(diff: PassDiff) -> None:
    """Styles and notes: where each removed node went, which nodes are new."""
    ag = diff.after.graph
    for b in diff.removed:
        diff.before.marks[b] = "removed"
        t = diff.into.get(b)
        diff.before.notes[b] = f"→ {ag.node(t)['op']} #{t}" if t is not None else "removed"
    for b in diff.changed:
        diff.before.marks[b] = diff.after.marks[diff.kept[b]] = "changed"
    for a in diff.added:
        diff.after.marks[a] = "added"
        diff.after.notes[a] = f"#{a}, new"


def render_pass(compiled: Any, name: str, rankdir: str, max_nodes: int) -> Diagram:
    """Pass `name` of a traced pg.compile result: before and after as two clusters side by side
    (see pygraph.viz.render, pass_name=)."""
    diff = pass_diff(compiled, name)
    _mark(diff)
    r = _report(compiled, name)
    nb, na = len(diff.before.nodes), len(diff.after.nodes)
    compact = max(nb, na) > max_nodes
    title = (f"{name}: {r['nodes_before']} -> {r['nodes_after']} nodes · {len(diff.removed)} "
             f"removed (red), {len(diff.added)} added (green), {len(diff.changed)} with new "
             f"attributes (orange)")  # fmt: skip
    notes = [f"over {max_nodes} ops: params hidden"] if compact else []

    def draw() -> str:
        dot = new_dot(title + (f"\n({notes[0]})" if notes else ""), rankdir, nb + na)
        for view, prefix in ((diff.before, "b"), (diff.after, "a")):
            dot.open_cluster(label=f"{view.title} ({len(view.nodes)} nodes)", style="rounded",
                             color=styles.CLUSTER_COLOR, fontsize="11")  # fmt: skip
            emit_ops(dot, view, compact, prefix)
            dot.close_cluster()
        return dot.source()

    views = [diff.before, diff.after]
    return Diagram(draw(), f"pass {name}", notes, without_sides(views, draw))
