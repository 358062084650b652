"""Rules of softmax, layer and batch norm, dropout and the losses, in index form."""

from __future__ import annotations

import numpy as np
import sympy as sp

from . import functions as fn
from .rules import Arrays, ew, rule


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    """p_i = e^{x_i} / Σ_j e^{x_j}: the textbook form (the engine subtracts the max first,
    which changes nothing but rounding)."""
    e = ew(sp.exp, x)
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    return x - ew(sp.log, np.sum(ew(sp.exp, x), axis=axis, keepdims=True))


rule("softmax")(lambda ins, a: [_softmax(ins[0], a.get("axis", -1))])
rule("log_softmax")(lambda ins, a: [_log_softmax(ins[0], a.get("axis", -1))])


def _normalize(x: np.ndarray, axes: tuple[int, ...], eps: float) -> np.ndarray:
    """x̂ = (x − μ) / sqrt(σ² + ε), μ and σ² (biased) over axes."""
    count = sp.Integer(int(np.prod([x.shape[k] for k in axes])))
    mu = np.sum(x, axis=axes, keepdims=True) / count
    var = np.sum(ew(lambda d: d**2, x - mu), axis=axes, keepdims=True) / count
    return (x - mu) / ew(lambda v: sp.sqrt(v + sp.Float(eps)), var)


@rule("layer_norm")
def _layer_norm(ins: Arrays, a: dict) -> Arrays:
    x = ins[0]
    k = len(a["normalized_shape"])
    y = _normalize(x, tuple(range(x.ndim - k, x.ndim)), a.get("eps", 1e-5))
    if len(ins) > 1:
        y = y * ins[1]
    if len(ins) > 2:
        y = y + ins[2]
    return [y]


@rule("batch_norm")
def _batch_norm(ins: Arrays, a: dict) -> Arrays:
    """Training: batch statistics over (N, spatial); inference: the running ones."""
    x, eps = ins[0], a.get("eps", 1e-5)
    chan = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if a.get("training"):
        y = _normalize(x, (0, *range(2, x.ndim)), eps)
    else:
        mean, var = ins[1].reshape(chan), ins[2].reshape(chan)
        y = (x - mean) / ew(lambda v: sp.sqrt(v + sp.Float(eps)), var)
    if len(ins) > 3:
        y = y * ins[3].reshape(chan)
    if len(ins) > 4:
        y = y + ins[4].reshape(chan)
    return [y]


@rule("dropout")
def _dropout(ins: Arrays, a: dict) -> Arrays:
    """y = x · m / (1 − p) with m the engine's Bernoulli mask (given as a["_mask"]; all ones
    in inference). The mask is randomness, not a formula."""
    x = ins[0]
    if not a.get("training", 0) or a.get("p", 0) == 0:
        return [x, np.ones(x.shape, dtype=object)]
    mask = np.asarray(a["_mask"], dtype=object)
    return [x * mask / sp.Float(1 - a["p"]), mask]


# ---- losses: torch's reductions ----


def _reduce(loss: np.ndarray, a: dict, denom=None) -> np.ndarray:
    r = a.get("reduction", "mean")
    if r == "none":
        return loss
    total = np.sum(loss)
    if r == "sum":
        return np.asarray(total, dtype=object)
    return np.asarray(total / (denom if denom is not None else sp.Integer(loss.size)), dtype=object)


def _class_picks(logp: np.ndarray, t: np.ndarray, weight, ignore: int):
    """Per position: (log p of the target, Σ_c w_c log p_c, w of the target, kept?)."""
    x = np.moveaxis(logp, 1, -1) if logp.ndim > 1 else logp[None]
    t = np.asarray(t, dtype=np.int64).reshape(x.shape[:-1])
    C = x.shape[-1]
    w = weight if weight is not None else np.full(C, sp.S.One, dtype=object)
    pick, smooth, wt = (np.empty(t.shape, dtype=object) for _ in range(3))
    for i in np.ndindex(t.shape):
        keep = t[i] != ignore
        c = int(t[i]) if keep else 0
        pick[i] = w[c] * x[i][c] if keep else sp.S.Zero
        smooth[i] = sum(w[j] * x[i][j] for j in range(C)) if keep else sp.S.Zero
        wt[i] = w[c] if keep else sp.S.Zero
    return pick, smooth, wt, C


def _nll(logp: np.ndarray, ins: Arrays, a: dict, smoothing: float = 0.0) -> np.ndarray:
    weight = ins[2] if len(ins) > 2 else None
    pick, smooth, wt, C = _class_picks(logp, ins[1], weight, a.get("ignore_index", -100))
    eps = sp.Float(smoothing) if smoothing else sp.S.Zero
    loss = -(1 - eps) * pick - eps / C * smooth
    shape = ins[1].shape if logp.ndim > 1 else np.asarray(ins[1]).shape
    return _reduce(loss.reshape(shape), a, denom=np.sum(wt))


rule("nll_loss")(lambda ins, a: [_nll(ins[0], ins, a)])
rule("cross_entropy")(
    lambda ins, a: [
        _nll(
            _log_softmax(ins[0], 1 if ins[0].ndim > 1 else 0), ins, a, a.get("label_smoothing", 0.0)
        )
    ]  # fmt: skip
)


@rule("mse_loss")
def _mse(ins: Arrays, a: dict) -> Arrays:
    return [_reduce(ew(lambda x, t: (x - t) ** 2, ins[0], ins[1]), a)]


@rule("binary_cross_entropy")
def _bce(ins: Arrays, a: dict) -> Arrays:
    """ℓ = −w (t log x + (1 − t) log(1 − x))."""
    loss = ew(lambda x, t: -(t * sp.log(x) + (1 - t) * sp.log(1 - x)), ins[0], ins[1])
    if len(ins) > 2:
        loss = loss * ins[2]
    return [_reduce(loss, a)]


@rule("binary_cross_entropy_with_logits")
def _bce_logits(ins: Arrays, a: dict) -> Arrays:
    """ℓ = −w (pw · t log σ(x) + (1 − t) log(1 − σ(x)))."""
    pw = ins[3] if len(ins) > 3 else sp.S.One
    loss = ew(
        lambda x, t, q: -(q * t * sp.log(fn.sigmoid(x)) + (1 - t) * sp.log(1 - fn.sigmoid(x))),
        ins[0], ins[1], pw,
    )  # fmt: skip
    if len(ins) > 2:
        loss = loss * ins[2]
    return [_reduce(loss, a)]
