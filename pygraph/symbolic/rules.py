"""One SymPy rule per registered op, keyed by the op's name: its forward formula.

A rule maps the node's inputs (numpy object arrays of SymPy expressions, or int64 arrays for
labels and indices) and attributes to its outputs, element by element, as the engine defines
them. Elementwise ops apply a scalar formula; matmul, conv, pooling, norms and losses are
written in index form over the arrays. `diff` of a rule is the op's derivative: tests check
it against the engine's gradient rule. Not here: derivations of whole graphs (derive.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from . import functions as fn

Arrays = list[Any]
Rule = Callable[[Arrays, dict], Arrays]
RULES: dict[str, Rule] = {}
# Inputs that are buffers or fixed weights, not variables: the engine (like torch) sends them
# no gradient, although the formula reads them. batch_norm's running mean and variance; the
# losses' class / element weights (and pos_weight).
NO_GRADIENT: dict[str, tuple[int, ...]] = {
    "batch_norm": (1, 2),
    "cross_entropy": (2,),
    "nll_loss": (2,),
    "binary_cross_entropy": (2,),
    "binary_cross_entropy_with_logits": (2, 3),
}


def rule(*names: str) -> Callable[[Rule], Rule]:
    """Register a rule under one or more op names."""

    def register(f: Rule) -> Rule:
        for name in names:
            RULES[name] = f
        return f

    return register


def ew(f: Callable[..., sp.Expr], *arrays: Any) -> np.ndarray:
    """Apply a scalar formula elementwise, with numpy broadcasting, to object arrays."""
    return np.asarray(np.frompyfunc(f, len(arrays), 1)(*arrays), dtype=object)


def zeros(shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty(shape, dtype=object)
    out.fill(sp.S.Zero)
    return out


def axes_of(a: dict, ndim: int, key: str = "axis") -> tuple[int, ...]:
    axis = a.get(key)
    if axis is None:
        return tuple(range(ndim))
    axis = [axis] if isinstance(axis, int) else axis
    return tuple(sorted(int(k) % ndim for k in axis))


# ---- elementwise ----

for _name, _f in {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
}.items():
    RULES[_name] = lambda ins, a, f=_f: [ew(f, ins[0], ins[1])]

for _name, _f in {
    "neg": lambda x: -x,
    "exp": sp.exp,
    "log": sp.log,
    "relu": fn.relu,
    "sigmoid": fn.sigmoid,
    "tanh": sp.tanh,
    "step": fn.step,
    "selu": fn.selu,
    "silu": lambda x: x * fn.sigmoid(x),
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
    "erf": sp.erf,
}.items():
    RULES[_name] = lambda ins, a, f=_f: [ew(f, ins[0])]


@rule("leaky_relu")
def _leaky_relu(ins: Arrays, a: dict) -> Arrays:
    return [ew(lambda x: fn.leaky_relu(x, a["negative_slope"]), ins[0])]


@rule("elu")
def _elu(ins: Arrays, a: dict) -> Arrays:
    return [ew(lambda x: fn.elu(x, a["alpha"]), ins[0])]


@rule("gelu")
def _gelu(ins: Arrays, a: dict) -> Arrays:
    return [ew(lambda x: fn.gelu(x, a.get("approximate", "none")), ins[0])]


@rule("softplus")
def _softplus(ins: Arrays, a: dict) -> Arrays:
    return [ew(lambda x: fn.softplus(x, a["beta"], a["threshold"]), ins[0])]


@rule("prelu")
def _prelu(ins: Arrays, a: dict) -> Arrays:
    x, w = ins
    # one slope per channel (axis 1), or one for all
    shape = (1, w.size) + (1,) * (x.ndim - 2) if w.size > 1 else ()
    return [ew(fn.leaky_relu, x, w.reshape(shape))]


@rule("maxout")
def _maxout(ins: Arrays, a: dict) -> Arrays:
    x, p = ins[0], a["pieces"]
    ax = a["axis"] % x.ndim
    grouped = x.reshape(x.shape[:ax] + (x.shape[ax] // p, p) + x.shape[ax + 1 :])
    return [np.apply_along_axis(lambda v: fn.maximum(*v), ax + 1, grouped)]


# ---- matmul and the fused ops ----


@rule("matmul")
def _matmul(ins: Arrays, a: dict) -> Arrays:
    return [np.matmul(ins[0], ins[1])]


@rule("gemm")
def _gemm(ins: Arrays, a: dict) -> Arrays:
    """act(op(a) @ op(b) + bias): the fuse pass's matmul + bias + activation."""
    x = ins[0].T if a.get("trans_a") else ins[0]
    w = ins[1].T if a.get("trans_b") else ins[1]
    y = np.matmul(x, w)
    if len(ins) > 2:
        y = y + ins[2]
    return [_activation(y, a)]


def _activation(y: np.ndarray, a: dict) -> np.ndarray:
    act = a.get("activation", "none")
    if act in ("none", ""):
        return y
    if act == "relu":
        return ew(fn.relu, y)
    if act == "leaky_relu":
        return ew(lambda v: fn.leaky_relu(v, a.get("negative_slope", 0.01)), y)
    raise NotImplementedError(f"symbolic: no rule for the fused activation {act!r}")


@rule("fused_elementwise")
def _fused_elementwise(ins: Arrays, a: dict) -> Arrays:
    """Run the fused program: registers are the inputs, then each instruction's result."""
    shape = max((x.shape for x in ins), key=lambda s: int(np.prod(s)))
    regs = [x.reshape(()) if x.shape != shape else x for x in ins]
    code = a["code"]
    for k in range(0, len(code), 4):
        kind, op, i, j = code[k : k + 4]
        if kind == 0:
            regs.append(ew(fn.UNARY[op], regs[i]))
        elif kind == 1:
            regs.append(ew(fn.BINARY[op], regs[i], regs[j]))
        else:
            regs.append(ew(fn.step, regs[i]))
    return [np.broadcast_to(regs[-1], shape)]


# ---- reductions and data movement ----


@rule("sum", "mean")
def _sum(ins: Arrays, a: dict) -> Arrays:
    x = ins[0]
    axes = axes_of(a, x.ndim)
    y = np.sum(x, axis=axes, keepdims=bool(a.get("keepdims")))
    if a.get("_op") == "mean":
        y = y / sp.Integer(int(np.prod([x.shape[k] for k in axes])))
    return [np.asarray(y, dtype=object)]


def sum_to(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum the broadcast dimensions away (the adjoint of broadcast_to)."""
    lead = x.ndim - len(shape)
    y = np.sum(x, axis=tuple(range(lead)))
    axes = tuple(k for k, d in enumerate(shape) if d == 1 and y.shape[k] != 1)
    return np.asarray(np.sum(y, axis=axes, keepdims=True), dtype=object).reshape(shape)


RULES["sum_to"] = lambda ins, a: [sum_to(ins[0], tuple(a["shape"]))]
RULES["broadcast_to"] = lambda ins, a: [np.broadcast_to(ins[0], tuple(a["shape"])).copy()]
RULES["reshape"] = lambda ins, a: [ins[0].reshape(_infer_shape(ins[0], a["shape"]))]
RULES["transpose"] = lambda ins, a: [np.swapaxes(ins[0], a["axis0"], a["axis1"])]
RULES["permute"] = lambda ins, a: [np.transpose(ins[0], a["axes"])]
RULES["concat"] = lambda ins, a: [np.concatenate(ins, axis=a["axis"])]


def _infer_shape(x: np.ndarray, shape: list[int]) -> tuple[int, ...]:
    return tuple(np.empty(x.shape, dtype=np.int8).reshape(shape).shape)


@rule("fill")
def _fill(ins: Arrays, a: dict) -> Arrays:
    out = np.empty(tuple(a["shape"]), dtype=object)
    out.fill(sp.Float(a["value"]) if a["value"] != int(a["value"]) else sp.Integer(a["value"]))
    return [out]


@rule("flatten")
def _flatten(ins: Arrays, a: dict) -> Arrays:
    x = ins[0]
    s, e = a["start_axis"] % max(x.ndim, 1), a["end_axis"] % max(x.ndim, 1)
    return [x.reshape(x.shape[:s] + (-1,) + x.shape[e + 1 :])]


@rule("slice")
def _slice(ins: Arrays, a: dict) -> Arrays:
    x = ins[0]
    index = [slice(None)] * x.ndim
    index[a["axis"] % x.ndim] = slice(a["start"], a["stop"])
    return [x[tuple(index)]]


def _pad_source(n: int, lo: int, hi: int, mode: str) -> np.ndarray:
    """Along one axis: the input position each output position reads, o − lo, reflected or
    clamped into the input (n, a padding cell, for constant mode). Negative pads crop."""
    q = np.arange(n + lo + hi) - lo
    if mode == "reflect":  # mirror without repeating the edge
        q = np.abs(q)
        return np.where(q >= n, 2 * (n - 1) - q, q)
    if mode == "replicate":
        return np.clip(q, 0, n - 1)
    return np.where((q < 0) | (q >= n), n, q)


@rule("pad")
def _pad(ins: Arrays, a: dict) -> Arrays:
    """y[o] = x[source(o)] per axis; torch's pad list runs from the last axis (left, right)."""
    x, mode, pad = ins[0], a.get("mode", "constant"), list(a["pad"])
    for k in range(len(pad) // 2):
        axis = x.ndim - 1 - k
        if mode == "constant":
            cell = list(x.shape)
            cell[axis] = 1
            fill = np.full(cell, sp.sympify(a.get("value", 0.0)), dtype=object)
            x = np.concatenate([x, fill], axis=axis)
        n = ins[0].shape[axis]
        x = np.take(x, _pad_source(n, pad[2 * k], pad[2 * k + 1], mode), axis=axis)
    return [x]


@rule("amax", "amin")
def _extreme(ins: Arrays, a: dict) -> Arrays:
    x = ins[0]
    pick = fn.minimum if a.get("_op") == "amin" else fn.maximum
    axes = axes_of(a, x.ndim)
    moved = np.moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim)))
    flat = moved.reshape(moved.shape[: x.ndim - len(axes)] + (-1,))
    y = np.empty(flat.shape[:-1], dtype=object)
    for i in np.ndindex(y.shape):
        y[i] = pick(*flat[i])
    if a.get("keepdims"):
        y = np.expand_dims(y, axes)
    return [y]


@rule("argmax", "argmin")
def _arg(ins: Arrays, a: dict) -> Arrays:
    """Numeric inputs only: an index is not a formula (the op is not differentiable)."""
    x = np.asarray(ins[0], dtype=float)
    pick = np.argmin if a.get("_op") == "argmin" else np.argmax
    axis = a.get("axis")
    y = pick(x, axis=axis) if axis is not None else pick(x)
    if a.get("keepdims") and axis is not None:
        y = np.expand_dims(y, axis)
    return [np.asarray(y, dtype=np.int64)]


@rule("embedding")
def _embedding(ins: Arrays, a: dict) -> Arrays:
    """y[i..., d] = W[idx[i...], d]."""
    return [ins[1][np.asarray(ins[0], dtype=np.int64)]]


def apply(op: str, ins: Arrays, attrs: dict) -> Arrays:
    """The outputs of op(ins) by its rule (attrs as the node holds them)."""
    _load()
    if op not in RULES:
        raise NotImplementedError(f"symbolic: op {op!r} has no SymPy rule")
    return RULES[op](list(ins), {**attrs, "_op": op})


def _load() -> None:
    """The families in other files register on import."""
    from . import rules_grad, rules_nn, rules_norm  # noqa: F401
