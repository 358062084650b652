"""Receptive field and jump of every spatial value of a graph, for pg.summary.

Per spatial axis of a value (N, C, *spatial): rf = how many input pixels one element sees, jump =
the input-pixel distance between neighbouring elements (the product of strides so far). Not a
pass: it reads node attributes and shapes only, and knows the conv and pool ops by name.
"""

from __future__ import annotations

import math
from fractions import Fraction

from . import _core

Field = tuple[tuple[int, ...], tuple[Fraction, ...]]  # (rf per axis, jump per axis)

SPATIAL_OPS = ("conv", "max_pool", "avg_pool", "adaptive_avg_pool", "global_", "conv_transpose")


def is_spatial(op: str) -> bool:
    """A conv or pool op (its output's receptive field grows); not their backward ops."""
    return op.startswith(SPATIAL_OPS) and not op.endswith("_backward")


def receptive_fields(graph: _core.Graph, nodes: range) -> dict[int, Field]:
    """value id -> (rf, jump) for the inputs of rank >= 3 and every value the nodes derive."""
    fields: dict[int, Field] = {}
    for vid in graph.inputs():
        shape = graph.value(vid)["shape"]
        if len(shape) >= 3:
            fields[vid] = ((1,) * (len(shape) - 2), (Fraction(1),) * (len(shape) - 2))
    for n in nodes:
        node = graph.node(n)
        field = _through(graph, node, fields)
        if field is not None:
            for out in node["outputs"]:
                fields[out] = field
    return fields


def _window(graph: _core.Graph, node: dict) -> tuple[list[int], list[int], list[int]] | None:
    """(kernel extent, stride, dilation) of a conv/pool node per spatial axis."""
    op, attrs = node["op"], node["attrs"]
    in_sp = graph.value(node["inputs"][0])["shape"][2:]
    out_sp = graph.value(node["outputs"][0])["shape"][2:]
    nd = len(in_sp)
    if op.startswith("conv"):
        kernel = list(graph.value(node["inputs"][1])["shape"][2:])
        return kernel, list(attrs["stride"]), list(attrs["dilation"])
    if op.startswith(("max_pool", "avg_pool")):
        dil = attrs.get("dilation", [1] * nd)
        return list(attrs["kernel_size"]), list(attrs["stride"]), list(dil)
    if op.startswith("adaptive"):  # windows of ceil(in/out), starting every floor(in/out)
        kernel = [math.ceil(i / o) for i, o in zip(in_sp, out_sp)]
        return kernel, [max(i // o, 1) for i, o in zip(in_sp, out_sp)], [1] * nd
    if op.startswith("global"):
        return list(in_sp), list(in_sp), [1] * nd
    return None


def _through(graph: _core.Graph, node: dict, fields: dict[int, Field]) -> Field | None:
    op = node["op"]
    first = node["inputs"][0] if node["inputs"] else -1
    if is_spatial(op) and first in fields:
        window = _window(graph, node)
        if window is not None:
            rf, jump = fields[first]
            kernel, stride, dil = window
            extent = [d * (k - 1) + 1 for k, d in zip(kernel, dil)]
            if op.startswith("conv_transpose"):  # an output sees ceil(extent/stride) inputs
                seen = [math.ceil(e / s) for e, s in zip(extent, stride)]
                return (
                    tuple(r + (k - 1) * j for r, k, j in zip(rf, seen, jump)),
                    tuple(j / s for j, s in zip(jump, stride)),
                )
            return (
                tuple(int(r + (e - 1) * j) for r, e, j in zip(rf, extent, jump)),
                tuple(j * s for j, s in zip(jump, stride)),
            )
    # any other op keeps the grid when its output has an input's spatial shape: for a merge of
    # branches (residual add, concat) the field is the max over the paths
    out_sp = _grid(graph, node["outputs"][0]) if node["outputs"] else None
    same = [fields[v] for v in node["inputs"] if v in fields and _grid(graph, v) == out_sp]
    if not same:
        return None
    rf = tuple(max(f[0][a] for f in same) for a in range(len(out_sp)))
    jump = tuple(max(f[1][a] for f in same) for a in range(len(out_sp)))
    return rf, jump


def _grid(graph: _core.Graph, vid: int) -> tuple[int, ...]:
    return tuple(graph.value(vid)["shape"][2:])
