"""Rules of the "grad" ops (conv_backward, max_pool_backward, ...): each is the vector-Jacobian
product of its forward op's rule, Σ gy · ∂y/∂x, taken by SymPy. So a backward op's formula is
derived, not restated, and checking it against the engine checks the engine's backward kernel.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import sympy as sp

from .rules import NO_GRADIENT, RULES, Arrays, apply


def vjp(op: str, gys: Arrays, ins: Arrays, wrt: list[int], attrs: dict) -> Arrays:
    """[Σ_k Σ_i gy_k[i] ∂y_k[i]/∂ins[p] for p in wrt], y = op(ins) by op's rule."""
    fresh, back = list(ins), {}
    for p in wrt:
        syms = np.array([sp.Dummy() for _ in range(ins[p].size)], dtype=object)
        back.update(zip(syms, np.asarray(ins[p], dtype=object).flat))
        fresh[p] = syms.reshape(ins[p].shape)
    outs = apply(op, fresh, attrs)
    pairs = [(g, y) for gy, y in zip(gys, outs) for g, y in zip(np.ravel(gy), np.ravel(y))]
    grads = gradient(pairs, [fresh[p] for p in wrt])
    return [
        np.array([e.xreplace(back) for e in g.flat], dtype=object).reshape(g.shape) for g in grads
    ]


def gradient(pairs: list, wrt: list[np.ndarray]) -> list[np.ndarray]:
    """∂(Σ c·y)/∂s for each symbol s of wrt, over (c, y) pairs; each y is differentiated only by
    the symbols it holds (a conv output touches a few inputs, not all)."""
    acc: dict = {}
    wanted = {s for arr in wrt for s in arr.flat}
    for c, y in pairs:
        if not isinstance(y, sp.Basic):
            continue
        for s in y.free_symbols & wanted:
            acc[s] = acc.get(s, sp.S.Zero) + c * sp.diff(y, s)
    return [np.array([acc.get(s, sp.S.Zero) for s in arr.flat], dtype=object).reshape(arr.shape)
            for arr in wrt]  # fmt: skip


def grad_rule(forward: str | None, wrt: Callable[[int], list[int]]) -> Callable:
    """The rule of a backward op whose inputs are (grad_output, *forward inputs)."""

    def run(ins: Arrays, a: dict) -> Arrays:
        fwd = forward or a["_op"].removesuffix("_backward")
        return vjp(fwd, [ins[0]], ins[1:], wrt(len(ins) - 1), a)

    return run


def _conv_grads(ins: Arrays, a: dict) -> Arrays:
    """conv_backward(gy, x, w[, b]) -> (gx, gw[, gb]); the forward's rank picks conv1d/2d/3d."""
    base = "conv" if a["_op"] == "conv_backward" else "conv_transpose"
    fwd = f"{base}{ins[1].ndim - 2}d"
    grads = vjp(fwd, [ins[0]], ins[1:], list(range(len(ins) - 1)), a)
    if a.get("input_grad", 1) == 0:  # nothing reads grad_input: the engine leaves it zero
        grads[0] = np.zeros(grads[0].shape, dtype=object) * sp.S.Zero
    return grads


RULES["conv_backward"] = _conv_grads
RULES["conv_transpose_backward"] = _conv_grads


def _pool_forward(name: str) -> Callable:
    def run(ins: Arrays, a: dict) -> Arrays:
        nd = ins[1].ndim - 2
        return vjp(f"{name}{nd}d", [ins[0]], [ins[1]], [0], a)

    return run


RULES["max_pool_backward"] = _pool_forward("max_pool")
RULES["avg_pool_backward"] = _pool_forward("avg_pool")
RULES["adaptive_avg_pool_backward"] = _pool_forward("adaptive_avg_pool")
for _g in ("global_avg_pool2d", "global_max_pool2d", "amax", "amin", "maxout"):
    RULES[f"{_g}_backward"] = grad_rule(_g, lambda n: [0])
RULES["max_unpool2d_backward"] = grad_rule("max_unpool2d", lambda n: [0])
RULES["layer_norm_backward"] = grad_rule("layer_norm", lambda n: list(range(n)))
RULES["batch_norm_backward"] = grad_rule(
    "batch_norm", lambda n: [k for k in range(n) if k not in NO_GRADIENT["batch_norm"]]
)
for _loss in ("cross_entropy", "nll_loss"):
    RULES[f"{_loss}_backward"] = grad_rule(_loss, lambda n: [0])
for _loss in ("mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"):
    RULES[f"{_loss}_backward"] = grad_rule(_loss, lambda n: [0, 1])


def _pad_backward(ins: Arrays, a: dict) -> Arrays:
    x = np.empty(tuple(a["shape"]), dtype=object)
    x.fill(sp.S.Zero)
    return vjp("pad", [ins[0]], [x], [0], {**a, "value": 0.0})


def _embedding_backward(ins: Arrays, a: dict) -> Arrays:
    table = np.empty((a["num_embeddings"], ins[0].shape[-1]), dtype=object)
    table.fill(sp.S.Zero)
    return vjp("embedding", [ins[0]], [ins[1], table], [1], a)


RULES["pad_backward"] = _pad_backward
RULES["embedding_backward"] = _embedding_backward
