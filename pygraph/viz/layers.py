"""The architecture view's model: layer boxes (units), their clusters and the data-flow edges.

It traces one call of the model (pygraph._summary_trace, as pg.summary does): each module call
made the graph nodes in its id range, so a node belongs to the deepest call drawn. Drawing is
in layer_draw.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._summary_trace import Call
from .detail import detail as _detail

MERGES = ("add", "concat")
CROPS = ("slice", "narrow", "getitem", "index")  # U-Net's crop of the skip features


@dataclass
class Unit:
    """One box: a layer call, a collapsed block, a repeat run, an op of a forward, in or out."""

    uid: str
    kind: str  # "layer", "block", "repeat", "op", "merge", "input", "output"
    title: str  # type name, op name, "input"
    path: str = ""
    detail: str = ""
    shape: Any = None
    params: int = 0
    start: int = 0  # creation order: the first node id of the call (or of the op)
    nodes: range = range(0)
    outputs: list[int] = field(default_factory=list)
    op: str = ""


@dataclass
class Group:
    """A cluster: an expanded module call, with its units and sub-clusters in creation order."""

    call: Call
    items: list = field(default_factory=list)


@dataclass
class Edge:
    src: Unit
    dst: Unit
    value: int
    skip: bool = False


class LayerGraph:
    """Units, clusters and edges of one traced model at a depth (None: every level)."""

    def __init__(self, graph: Any, root: Call, depth: int | None, repeats: bool) -> None:
        self.graph, self.root, self.repeats = graph, root, repeats
        self.depth = 10**9 if depth is None else depth
        self.units: list[Unit] = []
        self.active = set(graph.inputs())  # values computed from the model's inputs
        for n in range(root.start, root.end):
            node = graph.node(n)
            if any(v in self.active for v in node["inputs"]):
                self.active.update(node["outputs"])
        self.inputs = [self._unit("input", "input", shape=self._shape([v]), outputs=[v])
                       for v in graph.inputs()]  # fmt: skip
        self.tree = self._expand(root) if root.children and self.depth > 0 else None
        if self.tree is None:
            self.tree = Group(root, [self._layer(root)])
        self.output = self._unit("output", "output", shape=self._shape(root.outputs),
                                 start=root.end)  # fmt: skip
        self.edges = self._edges()
        self._mark_skips()

    # ---- units ----
    def _unit(self, kind: str, title: str, **kw: Any) -> Unit:
        unit = Unit(f"u{len(self.units)}", kind, title, **kw)
        self.units.append(unit)
        return unit

    def _shape(self, vids: list[int]) -> Any:
        shapes = [tuple(self.graph.value(v)["shape"]) for v in vids]
        return shapes[0] if len(shapes) == 1 else shapes

    def _expand(self, call: Call) -> Group:
        group, n = Group(call), call.start
        for run in self._runs(call.children):
            first, last = run[0], run[-1]
            for m in range(n, first.start):
                self._direct(m, group)
            if len(run) > 1:
                group.items.append(self._repeat(run))
            elif not first.children or first.depth >= self.depth:
                group.items.append(self._layer(first))
            else:
                group.items.append(self._expand(first))
            n = max(n, last.end)
        for m in range(n, call.end):
            self._direct(m, group)
        return group

    def _runs(self, calls: list[Call]) -> list[list[Call]]:
        """Consecutive calls of one type keeping their input shape (repeats): one run each."""
        runs: list[list[Call]] = []
        for c in calls:
            prev = runs[-1][-1] if runs else None
            if self.repeats and prev is not None and _same_block(prev, c, self._shape):
                runs[-1].append(c)
            else:
                runs.append([c])
        return runs

    def _layer(self, call: Call) -> Unit:
        mod = call.module
        kind = "block" if call.children else "layer"
        return self._unit(kind, type(mod).__name__, path=call.path, detail=_detail(mod),
                          shape=self._shape(call.outputs), params=_params(call), start=call.start,
                          nodes=range(call.start, call.end), outputs=call.outputs)  # fmt: skip

    def _repeat(self, run: list[Call]) -> Unit:
        first, last = run[0], run[-1]
        title = f"{type(first.module).__name__} ×{len(run)}"
        path = f"{first.path} … {last.path.rsplit('.', 1)[-1]}"
        return self._unit("repeat", title, path=path, shape=self._shape(last.outputs),
                          params=sum(_params(c) for c in run), start=first.start,
                          nodes=range(first.start, last.end), outputs=last.outputs)  # fmt: skip

    def _direct(self, m: int, group: Group) -> None:
        """A node the call made itself (a residual add, a concat, a crop): a box when active."""
        node = self.graph.node(m)
        if not any(v in self.active for v in node["inputs"]):
            return
        merge = node["op"] in MERGES and sum(v in self.active for v in node["inputs"]) >= 2
        prev = group.items[-1] if group.items else None
        if (
            node["op"] in CROPS
            and isinstance(prev, Unit)
            and prev.op in CROPS
            and prev.nodes.stop == m
            and node["inputs"][0] in prev.outputs
        ):
            prev.nodes, prev.outputs = range(prev.nodes.start, m + 1), node["outputs"]
            prev.shape, prev.title = self._shape(node["outputs"]), "crop"  # slices of one crop
            return
        path = group.call.path
        unit = self._unit("merge" if merge else "op", node["op"], path=path,
                          shape=self._shape(node["outputs"]), start=m, nodes=range(m, m + 1),
                          outputs=node["outputs"], op=node["op"])  # fmt: skip
        # named as inside the cluster the box is drawn in ("in_proj_weight" in layers.0.self_attn)
        reads = [r.removeprefix(f"{path}.") for r in self._params_read(node["inputs"])]
        unit.detail = ", ".join(reads)
        group.items.append(unit)

    def _params_read(self, vids: list[int], depth: int = 4) -> list[str]:
        """The params an op of a forward reads, directly or through ops of params alone (ViT's
        cls_token broadcast to the batch), as "name (shape)": what a bare op box should name."""
        out: list[str] = []
        for v in vids:
            info = self.graph.value(v)
            if v in self.active or depth == 0:
                continue
            if info["kind"] == "param":
                dims = "×".join(str(d) for d in info["shape"])
                out.append(f"{info['name']} ({dims})")
            elif info["producer"] >= 0:
                out += self._params_read(self.graph.node(info["producer"])["inputs"], depth - 1)
        return list(dict.fromkeys(out))

    # ---- edges ----
    def _edges(self) -> list[Edge]:
        """Sweep the nodes in creation order, tracking which unit last produced each value."""
        owner: dict[int, Unit] = {u.outputs[0]: u for u in self.inputs}
        node_unit = {m: u for u in self.units for m in u.nodes}
        nodeless = sorted((u for u in self.units if u.kind in ("layer", "block") and not u.nodes),
                          key=lambda u: u.start)  # fmt: skip
        edges: dict[tuple[str, str], Edge] = {}

        def link(src: Unit | None, dst: Unit, v: int) -> None:
            if src is not None and src is not dst:
                edges.setdefault((src.uid, dst.uid), Edge(src, dst, v))

        def flush(upto: int) -> None:
            while nodeless and nodeless[0].start <= upto:  # a layer returning its input
                u = nodeless.pop(0)
                for v in u.outputs:
                    link(owner.get(v), u, v)
                    owner[v] = u

        for m in range(self.root.start, self.root.end):
            flush(m)
            node, unit = self.graph.node(m), node_unit.get(m)
            if unit is not None:
                for v in node["inputs"]:
                    link(owner.get(v), unit, v)
            for v in node["outputs"]:
                if unit is not None:
                    owner[v] = unit
        flush(10**18)
        for v in self.root.outputs:
            link(owner.get(v), self.output, v)
        return list(edges.values())

    def _mark_skips(self) -> None:
        """A skip connection: an edge from a unit that feeds several, into a merge (ResNet's
        add, DenseNet's concat) or into a crop that only feeds a merge (U-Net's copy-and-crop)."""
        fanout: dict[str, int] = {}
        consumers: dict[str, list[Edge]] = {}
        for e in self.edges:
            fanout[e.src.uid] = fanout.get(e.src.uid, 0) + 1
            consumers.setdefault(e.src.uid, []).append(e)
        for e in self.edges:
            if fanout[e.src.uid] < 2 or e.src.kind == "input" and e.dst.kind != "merge":
                continue
            if e.dst.kind == "merge":
                e.skip = True
            elif e.dst.kind == "op" and e.dst.op in CROPS:
                after = consumers.get(e.dst.uid, [])
                if len(after) == 1 and after[0].dst.kind == "merge":
                    e.skip = after[0].skip = True

    def skip_chains(self) -> list[list[Unit]]:
        """[source, (crop,) merge] of each skip connection, in the merges' creation order."""
        into = {e.dst.uid: e for e in self.edges if e.skip}
        chains = []
        for e in self.edges:
            if e.skip and e.dst.kind == "merge":
                chain = [e.dst, e.src]
                while chain[-1].uid in into and chain[-1].kind != "merge":
                    chain.append(into[chain[-1].uid].src)
                chains.append(chain[::-1])
        return sorted(chains, key=lambda c: c[-1].start)


def _same_block(a: Call, b: Call, shape_of: Any) -> bool:
    """b repeats a: same type and parameter count, and both keep the shape they are given."""
    if type(a.module) is not type(b.module) or not a.children:
        return False
    same_io = [tuple(s) for s in a.inputs] == [shape_of(a.outputs)] == [shape_of(b.outputs)]
    return same_io and _params(a, count_shared=True) == _params(b, count_shared=True)


def _params(call: Call, count_shared: bool = False) -> int:
    """The call's module's parameters (its subtree), counted at the module's first call."""
    if not call.first and not count_shared:
        return 0
    return sum(p.numel() for p in call.module.parameters())
