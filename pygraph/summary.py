"""pg.summary: a model's table of layers — shapes, parameters, MACs, receptive fields, memory.

It traces one call of the model on a fresh graph (eval mode, nothing runs): pygraph.nn's Module
calls report to a tracer which nodes each call creates, so every graph node belongs to the
deepest module call that made it. Formatting lives in pygraph._summary_format.

>>> import pygraph as pg
>>> net = pg.nn.Sequential(pg.nn.Conv2d(1, 4, 3), pg.nn.ReLU(), pg.nn.Flatten(),
...                        pg.nn.Linear(4 * 6 * 6, 10))
>>> s = pg.summary(net, (1, 1, 8, 8))
>>> s.total_params, s.total_macs
(1490, 2736)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _core
from ._receptive import is_spatial, receptive_fields
from ._summary_trace import Call, input_shapes, trace

MERGE_OPS = ("add", "concat")  # of two activations: residual joins and concatenations


@dataclass
class Row:
    """One line of the table. Numbers are the row's own, or its subtree's at the depth limit."""

    name: str
    type: str
    depth: int
    output_shape: Any  # a shape tuple, or a list of them for several outputs
    params: int = 0  # trainable
    non_trainable: int = 0  # buffers (BatchNorm running statistics)
    macs: int = 0
    activation_bytes: int = 0
    receptive_field: tuple | None = None  # per spatial axis, input pixels
    jump: tuple | None = None  # per spatial axis, product of strides
    connected_to: list[str] = field(default_factory=list)


@dataclass
class _Item:
    """A row with the totals of its subtree, and its child rows in creation order."""

    row: Row
    spatial: bool  # the subtree holds a conv or pool: its output's receptive field is shown
    kids: list[_Item] = field(default_factory=list)


class _Builder:
    """Turns the traced calls into rows: nodes to their deepest call, merges to their own rows."""

    def __init__(self, graph: _core.Graph, root: Call) -> None:
        self.graph, self.root = graph, root
        nodes = range(root.start, root.end)
        self.fields = receptive_fields(graph, nodes)
        self.active = set(graph.inputs())  # values computed from the model's inputs
        for n in nodes:
            node = graph.node(n)
            if any(v in self.active for v in node["inputs"]):
                self.active.update(node["outputs"])
        self.names: dict[int, str] = {v: "input" for v in graph.inputs()}
        self._name_outputs(root)

    def _name_outputs(self, call: Call) -> None:
        # pre-order: a value several calls return is named by the outermost of them
        for v in call.outputs:
            self.names.setdefault(v, call.path or type(call.module).__name__)
        for kid in call.children:
            self._name_outputs(kid)

    def _bytes(self, vids: list[int]) -> int:
        total = 0
        for v in vids:
            info = self.graph.value(v)
            total += int(np.prod(info["shape"], dtype=np.int64)) * np.dtype(info["dtype"]).itemsize
        return total

    def _shape(self, vids: list[int]) -> Any:
        shapes = [tuple(self.graph.value(v)["shape"]) for v in vids]
        return shapes[0] if len(shapes) == 1 else shapes

    def _rf(self, vids: list[int], shown: bool) -> tuple[tuple | None, tuple | None]:
        if not shown or not vids or vids[0] not in self.fields:
            return None, None
        rf, jump = self.fields[vids[0]]
        return _plain(rf), _plain(jump)

    def item(self, call: Call) -> _Item:
        """The call's row (own numbers) with its child calls and merge rows as kids."""
        kids, own = [], {"macs": 0, "spatial": False}
        used: dict[str, int] = {}
        n = call.start
        for kid in call.children:  # children run one after another: their ranges are in order
            for m in range(n, kid.start):
                self._direct(call, m, kids, own, used)
            kids.append(self.item(kid))
            n = max(kid.start, kid.end)
        for m in range(n, call.end):
            self._direct(call, m, kids, own, used)
        mod = call.module
        params = _numel(mod._parameters) if call.first else 0
        buffers = _numel(mod._buffers) if call.first else 0
        made = [v for v in call.outputs if call.start <= self._producer(v) < call.end]
        act = 0 if call.children else self._bytes(made)  # not a layer returning its input
        spatial_tree = own["spatial"] or any(k.spatial for k in kids)
        rf, jump = self._rf(call.outputs, spatial_tree)
        name = call.path or type(mod).__name__
        row = Row(name, type(mod).__name__, call.depth, self._shape(call.outputs), params,
                  buffers, own["macs"], act, rf, jump)  # fmt: skip
        return _Item(row, spatial_tree, kids)

    def _direct(self, call: Call, n: int, kids: list, own: dict, used: dict) -> None:
        """A node the call made itself: a merge row of its own, else the call's numbers."""
        node = self.graph.node(n)
        if node["op"] in MERGE_OPS and call.children and self._is_merge(node):
            kids.append(self._merge(call, node, used))
        else:
            own["macs"] += node["macs"]
            own["spatial"] = own["spatial"] or is_spatial(node["op"])

    def _producer(self, v: int) -> int:
        return self.graph.value(v)["producer"]

    def _is_merge(self, node: dict) -> bool:
        return sum(v in self.active for v in node["inputs"]) >= 2

    def _merge(self, call: Call, node: dict, used: dict[str, int]) -> _Item:
        op = node["op"]
        k = used[op] = used.get(op, -1) + 1
        base = f"{call.path}.{op}" if call.path else op
        name = base if k == 0 else f"{base}_{k}"
        outs = node["outputs"]
        for v in outs:
            self.names.setdefault(v, name)
        sources = [self._source(v) for v in node["inputs"] if v in self.active]
        rf, jump = self._rf(outs, True)
        row = Row(name, op, call.depth + 1, self._shape(outs), 0, 0, node["macs"],
                  self._bytes(outs), rf, jump, sources)  # fmt: skip
        return _Item(row, True)

    def _source(self, v: int) -> str:
        if v in self.names:
            return self.names[v]
        producer = self.graph.value(v)["producer"]
        return f"%{v} ({self.graph.node(producer)['op']})"


def _numel(table: dict) -> int:
    return sum(p.numel() for p in table.values() if p is not None)


def _plain(values: tuple) -> tuple:
    """Whole numbers as ints; a transposed conv's jump may stay a Fraction (1/2)."""
    return tuple(int(v) if v == int(v) else v for v in values)


def _flatten(item: _Item, depth: int, out: list[Row]) -> Row:
    """Append the rows down to `depth`; return the item's subtree totals (as a Row)."""
    total = Row(**{**item.row.__dict__, "connected_to": list(item.row.connected_to)})
    at = len(out)
    out.append(item.row)
    hidden: list[Row] = []
    for kid in item.kids:
        sub = _flatten(kid, depth, out if item.row.depth < depth else hidden)
        total.params += sub.params
        total.non_trainable += sub.non_trainable
        total.macs += sub.macs
        total.activation_bytes += sub.activation_bytes
    if item.row.depth >= depth and item.kids:
        out[at] = total  # the deeper rows roll up into this one
    return total


class Summary:
    """The table of pg.summary: print it, show it in Jupyter, or read `.rows` and the totals.

    total_params counts model.parameters() (as torch does); buffers such as BatchNorm's running
    statistics are `non_trainable_params`, outside the total. total_macs: multiply-accumulates
    of conv, linear and matmul, bias excluded (torchvision's convention). activation_bytes: the
    outputs of the innermost layers and merges, in bytes.
    """

    def __init__(self, model: Any, input_shape: list[tuple], dtype: str, depth: int,
                 rows: list[Row], totals: Row) -> None:  # fmt: skip
        self.model_name, self.input_shape, self.dtype, self.depth = (
            type(model).__name__, input_shape, dtype, depth)  # fmt: skip
        self.rows = rows
        self.trainable_params = sum(p.numel() for p in model.parameters())
        self.total_params = self.trainable_params
        self.non_trainable_params = sum(b.numel() for b in model.buffers())
        self.total_macs = totals.macs
        self.activation_bytes = totals.activation_bytes

    def __str__(self) -> str:
        from ._summary_format import text

        return text(self)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        from ._summary_format import html

        return html(self)


def summary(model: Any, input_shape: Any, depth: int = 3, dtype: str = "float32") -> Summary:
    """A table of the model's layers for inputs of input_shape (batch included).

    Rows: module paths indented by depth (deeper modules roll up into their row at `depth`),
    type, output shape, parameters (trainable / buffers), MACs, receptive field and jump of
    conv/pool outputs, output bytes, and for residual adds and concats the rows they join.

    >>> import pygraph as pg
    >>> s = pg.summary(pg.nn.Sequential(pg.nn.Linear(3, 4), pg.nn.ReLU()), (2, 3))
    >>> [r.name for r in s.rows], s.total_macs
    (['Sequential', '0', '1'], 24)
    """
    if not hasattr(model, "named_modules"):
        raise TypeError(f"summary: model must be a pg.nn.Module, got {type(model).__name__}")
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 0:
        raise ValueError(f"summary: depth must be an int >= 0, got {depth!r}")
    shapes = input_shapes(input_shape)
    graph, tracer = trace(model, shapes, dtype)
    builder = _Builder(graph, tracer.root)
    rows: list[Row] = []
    totals = _flatten(builder.item(tracer.root), int(depth), rows)
    return Summary(model, shapes, dtype, int(depth), rows, totals)
