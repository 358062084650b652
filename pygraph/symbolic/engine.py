"""Where a derivation meets the engine: finding y and wrt in the graph, and the engine's own
gradient in float64 (the graph copied with every float tensor in double precision), which
Derivation.verify compares against."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _core
from ..graph import Tensor


def resolve(y: Any, wrt: Any) -> tuple[Any, int]:
    """(graph, the value id of wrt) after checking that y is a scalar Tensor."""
    if not isinstance(y, Tensor):
        raise TypeError(f"derive: y must be a pygraph Tensor, got {type(y).__name__}")
    if tuple(y.shape) != ():
        raise ValueError(f"derive: y must be a scalar (shape ()), got shape {tuple(y.shape)}")
    graph = y.graph
    if hasattr(wrt, "in_graph"):  # an nn.Parameter
        wrt = wrt.in_graph(graph)
    if isinstance(wrt, str):
        names = {graph.value(v)["name"]: v for v in [*graph.params(), *graph.inputs()]}
        if wrt not in names:
            raise ValueError(
                f"derive: no parameter or input named {wrt!r}; the graph has {sorted(names)}"
            )
        return graph, names[wrt]
    if not isinstance(wrt, Tensor) or wrt.graph is not graph:
        raise ValueError(
            f"derive: wrt must be a Tensor of y's graph, a Parameter or a name, got {wrt!r}"
        )
    if graph.value(wrt.id)["producer"] >= 0:
        raise ValueError(
            f"derive: wrt must be a parameter or an input, not an op's output: {wrt!r}"
        )
    return graph, wrt.id


def _float64(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    return a.astype(np.float64) if a.dtype.kind == "f" else a


def engine_gradient(built: Any, graph: Any, feeds: dict) -> np.ndarray:
    """The engine's d(y)/d(wrt), with the ancestors of y rebuilt in float64."""
    from ..compile import compile as pg_compile

    g = _core.Graph()
    ids: dict[int, int] = {}

    def leaf(v: int) -> int:
        info = graph.value(v)
        if info["kind"] == "input":
            dtype = "float64" if info["dtype"].startswith("float") else info["dtype"]
            return g.input(info["name"], list(info["shape"]), dtype)
        if info["kind"] == "param":
            return g.param(info["name"], _float64(graph.data(v)))
        return g.constant(_float64(graph.data(v)))

    for k in sorted(graph.needed([built.y.id])):
        node = graph.node(k)
        for v in node["inputs"]:
            if v not in ids:
                ids[v] = leaf(v)
        outs = g.add(node["op"], [ids[v] for v in node["inputs"]], dict(node["attrs"]), "")
        ids.update(zip(node["outputs"], outs))
    if built.wrt not in ids:
        ids[built.wrt] = leaf(built.wrt)
    (gid,), _ = g.grad(ids[built.y.id], [ids[built.wrt]], -1)
    step = pg_compile([Tensor(g, gid)], optimize=False)
    return np.asarray(step(**{k: _float64(v) for k, v in feeds.items()}))
