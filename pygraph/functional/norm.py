"""Graph functions of the norm family: softmax, normalization, dropout and the losses.

Names and arguments follow torch.nn.functional (axis where torch says dim). Integer class labels
are int64 graph inputs, ``pg.input((N,), dtype="int64")``; they get no gradient.

>>> import numpy as np, pygraph as pg
>>> x = pg.input((2, 3), name="x_doc_norm")
>>> t = pg.input((2,), dtype="int64", name="t_doc_norm")
>>> loss = pg.cross_entropy(x, t)
>>> round(float(pg.compile(loss)(x_doc_norm=np.zeros((2, 3)), t_doc_norm=np.array([0, 2]))), 6)
1.098612
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..graph import Tensor, _as_tensor, _emit, _origin, _state


def softmax(input: Tensor, axis: int = -1) -> Tensor:  # noqa: A002
    """exp(x) / sum(exp(x)) over `axis`; any shape, output of input's shape."""
    return _emit("softmax", input, axis=int(axis))


def log_softmax(input: Tensor, axis: int = -1) -> Tensor:  # noqa: A002
    """x - logsumexp(x) over `axis`; any shape, output of input's shape."""
    return _emit("log_softmax", input, axis=int(axis))


def _like(t: Tensor, value: float, shape: tuple[int, ...]) -> np.ndarray:
    return np.full(shape, value, dtype=t.dtype)


def layer_norm(
    input: Tensor,  # noqa: A002
    normalized_shape: int | Sequence[int],
    weight: Any = None,
    bias: Any = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize over the trailing dims `normalized_shape` of input (*, *normalized_shape).

    weight and bias (normalized_shape) are optional; output has input's shape.
    """
    ns = [int(normalized_shape)] if isinstance(normalized_shape, int) else list(normalized_shape)
    ns = [int(d) for d in ns]
    if weight is None and bias is not None:
        weight = _like(input, 1.0, tuple(ns))
    inputs = [t for t in (input, weight, bias) if t is not None]
    return _emit("layer_norm", *inputs, normalized_shape=ns, eps=float(eps))


def batch_norm(
    input: Tensor,  # noqa: A002
    running_mean: Any,
    running_var: Any,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalization of input (N, C), (N, C, L) or (N, C, H, W) per channel C.

    training=False normalizes with running_mean and running_var (C); training=True with the
    batch's mean and biased variance. In the graph the running statistics are NOT updated in
    training mode (that update is out of scope for now): they may then be None. weight and bias
    (C) are optional. running_mean / running_var get no gradient.
    """
    c = (input.shape[1],) if input.ndim >= 2 else (1,)
    if running_mean is None or running_var is None:
        if not training:
            raise ValueError("batch_norm: running_mean and running_var are required when "
                             "training=False")  # fmt: skip
        running_mean = _like(input, 0.0, c) if running_mean is None else running_mean
        running_var = _like(input, 1.0, c) if running_var is None else running_var
    if weight is None and bias is not None:
        weight = _like(input, 1.0, c)
    inputs = [t for t in (input, running_mean, running_var, weight, bias) if t is not None]
    return _emit(
        "batch_norm", *inputs, training=bool(training), momentum=float(momentum), eps=float(eps)
    )


def dropout(
    input: Tensor,  # noqa: A002
    p: float = 0.5,
    training: bool = True,
    seed: int | None = None,
) -> Tensor:
    """Zero each element with probability p and scale the rest by 1 / (1 - p); any shape.

    The mask (1 kept, 0 dropped) is the node's second output, which the gradient uses.
    seed=None (training): each call of a compiled program draws a new mask, from a seed taken
    from pygraph's generator (pg.manual_seed) and the call's number, so runs repeat for a seed.
    A given seed fixes the mask: every call uses the same one (gradient checks need that).
    training=False is the identity.
    """
    fresh = seed is None
    if fresh:
        seed = int(_state["rng"].integers(0, 2**62))
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"dropout: seed must be an int or None, got {seed!r}")
    graph = input.graph
    x = _as_tensor(input, graph, input.dtype)
    attrs = {"p": float(p), "training": bool(training), "seed": int(seed) % 2**63, "fresh": fresh}
    out, _mask = graph.add("dropout", [x.id], attrs, _origin())
    return Tensor(graph, out)


def _labels(input: Tensor, target: Any) -> Tensor:  # noqa: A002
    """Class labels as an int64 value of input's graph (an array becomes a constant)."""
    return target if isinstance(target, Tensor) else _as_tensor(target, input.graph, "int64")


def cross_entropy(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross entropy of logits input (N, C, d1, ...) or (C) at int64 labels target (N, d1, ...).

    = nll_loss(log_softmax(input, axis=1), target). weight (C) rescales classes; labels equal to
    ignore_index count for nothing; label_smoothing mixes in the uniform distribution. Output:
    a scalar for reduction "mean" / "sum", (N, d1, ...) for "none".
    """
    inputs = [t for t in (input, _labels(input, target), weight) if t is not None]
    return _emit("cross_entropy", *inputs, ignore_index=int(ignore_index), reduction=reduction,
                 label_smoothing=float(label_smoothing))  # fmt: skip


def nll_loss(
    input: Tensor,  # noqa: A002
    target: Tensor,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of log-probabilities input (N, C, d1, ...) at int64 labels target
    (N, d1, ...); weight (C) optional. A scalar for "mean" / "sum", (N, d1, ...) for "none"."""
    inputs = [t for t in (input, _labels(input, target), weight) if t is not None]
    return _emit("nll_loss", *inputs, ignore_index=int(ignore_index), reduction=reduction)


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """(input - target)^2; target of input's shape. A scalar, or input's shape for "none"."""
    return _emit("mse_loss", input, target, reduction=reduction)


def binary_cross_entropy(
    input: Tensor,  # noqa: A002
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """-(t log p + (1 - t) log(1 - p)) of probabilities input and target of one shape; weight
    broadcasts to input's shape. A scalar, or input's shape for "none"."""
    inputs = [t for t in (input, target, weight) if t is not None]
    return _emit("binary_cross_entropy", *inputs, reduction=reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,  # noqa: A002
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """binary_cross_entropy(sigmoid(input), target), computed stably from logits. weight and
    pos_weight (which scales the positive term) broadcast to input's shape. A scalar, or input's
    shape for "none"."""
    if weight is None and pos_weight is not None:
        weight = _like(input, 1.0, input.shape)
    inputs = [t for t in (input, target, weight, pos_weight) if t is not None]
    return _emit("binary_cross_entropy_with_logits", *inputs, reduction=reduction)


__all__ = ["softmax", "log_softmax", "layer_norm", "batch_norm", "dropout", "cross_entropy",
           "nll_loss", "mse_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits"]  # fmt: skip
