"""pygraph.viz: pictures of models and graphs with Graphviz — pg.render.

Architecture diagrams of modules (level="layer") and computation graphs of tensors, modules
and compiled programs (level="op"). Every view is DOT text first (deterministic ids); the
`dot` binary makes SVG, PNG or PDF.

>>> import pygraph as pg
>>> d = pg.render(pg.models.lenet5())
>>> "Conv2d" in d.source and d.source.startswith("digraph")
True
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .dot import Diagram
from .pass_draw import pass_diff

__all__ = ["Diagram", "pass_diff", "render"]

LEVELS = ("layer", "op")


def render(
    obj: Any,
    path: str | Path | None = None,
    *,
    level: str | None = None,
    input_shape: Any = None,
    depth: int | None = None,
    rankdir: str = "TB",
    collapse_repeats: bool = False,
    backward: bool = False,
    max_nodes: int = 100,
    pass_name: str | None = None,
) -> Diagram:
    """Draw a model, tensors or a compiled program; write it to path (by suffix) when given.

    obj: a pg.nn.Module (level "layer" by default: its architecture, traced at input_shape or
    its example_input_shape), a Tensor or list of Tensors (level "op"), or a pg.compile result
    (level "op": fused kernels as clusters, arena buffers shared by several values).
    depth: module levels drawn as clusters (deeper ones roll up into one box); None draws every
    level unless the picture would exceed max_nodes boxes. collapse_repeats: a run of identical
    blocks becomes one box ("BasicBlock ×2"). rankdir: "TB" (top to bottom) or "LR".
    backward: at op level, also the gradient ops (of the mean of a module's output), each
    linked to the forward op it differentiates: forward ops run down, the gradient ops of each
    forward op run back up beside it in a "∂ op" cluster joined to it by a dashed edge, and
    dotted edges are the forward values, weights and inputs backprop reads.
    pass_name: on a pg.compile(..., trace=True) result, that compiler pass ("simplify", "fuse",
    "plan_memory") as two clusters side by side, "before fuse" and "after fuse": the nodes it
    removed in red (dashed, noting the node they went into), added in green, and kept with new
    attributes in orange (the counts are pygraph.viz.pass_diff's; Compiled.render_pass too).
    Suffixes: .dot .gv .svg .png .pdf.

    >>> import pygraph as pg
    >>> d = pg.render(pg.models.mlp(), depth=1)
    >>> d.source.count("Linear") >= 2
    True
    """
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"render: rankdir must be 'TB', 'LR', 'BT' or 'RL', got {rankdir!r}")
    if depth is not None and (isinstance(depth, bool) or not isinstance(depth, int) or depth < 0):
        raise ValueError(f"render: depth must be an int >= 0 or None, got {depth!r}")
    if level is not None and level not in LEVELS:
        raise ValueError(f"render: level must be 'layer' or 'op', got {level!r}")
    if pass_name is not None:
        from .pass_draw import render_pass

        if not hasattr(obj, "passes"):
            raise TypeError(f"render: pass_name= draws a pg.compile result, got "
                            f"{type(obj).__name__}")  # fmt: skip
        diagram = render_pass(obj, pass_name, rankdir, max_nodes)
        if path is not None:
            diagram.save(path)
        return diagram
    is_module = hasattr(obj, "named_modules")
    level = level or ("layer" if is_module else "op")
    if level == "layer":
        if not is_module:
            raise TypeError(f"render: level='layer' needs a pg.nn.Module, got "
                            f"{type(obj).__name__}")  # fmt: skip
        from .layer_draw import render_layers

        diagram = render_layers(obj, input_shape, depth, rankdir, collapse_repeats, max_nodes)
    else:
        from .op_draw import render_ops

        diagram = render_ops(obj, input_shape, rankdir, backward, max_nodes)
    if path is not None:
        diagram.save(path)
    return diagram


def _is_tensor_list(obj: Any) -> bool:
    from ..graph import Tensor

    return isinstance(obj, Tensor) or (
        isinstance(obj, Sequence) and len(obj) > 0 and all(isinstance(t, Tensor) for t in obj)
    )
