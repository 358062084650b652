"""Evaluate an index-notation formula with numpy: the formula printed is the one computed.

A subexpression evaluates to an array whose axes are named by the free index symbols it
uses, so products broadcast by index name and `Σ_k` sums the axis named k. `x[n, s·i + p]`
gathers; a position outside the tensor, or not a whole number (the (h − p)/s of a strided
convolution's input gradient), reads 0. Large sums are evaluated in slices of one free index.
"""

from __future__ import annotations

import math
from functools import reduce

import numpy as np
import sympy as sp

from .functions import sigmoid
from .notation import Indicator, Maximum

Ranges = dict[sp.Symbol, tuple[int, int]]
LIMIT = 1 << 22  # elements in one broadcast body before slicing


class Value:
    """An array with one named index per axis."""

    def __init__(self, array: np.ndarray, axes: tuple[sp.Symbol, ...] = ()):
        self.array, self.axes = np.asarray(array), tuple(axes)

    def aligned(self, axes: tuple[sp.Symbol, ...]) -> np.ndarray:
        """This array with its axes ordered as `axes`, size 1 where it has no such index."""
        order = [self.axes.index(a) for a in axes if a in self.axes]
        arr = np.transpose(self.array, order) if order else self.array
        shape = [arr.shape[order.index(self.axes.index(a))] if a in self.axes else 1 for a in axes]
        return arr.reshape(shape)


def union(values: list[Value]) -> tuple[sp.Symbol, ...]:
    axes: list[sp.Symbol] = []
    for v in values:
        axes += [a for a in v.axes if a not in axes]
    return tuple(axes)


def combine(f, values: list[Value]) -> Value:
    axes = union(values)
    return Value(f(*[v.aligned(axes) for v in values]), axes)


FUNCS = {
    sp.exp: np.exp, sp.log: np.log, sp.tanh: np.tanh, sp.sqrt: np.sqrt, sp.Abs: np.abs,
    sigmoid: lambda x: 1.0 / (1.0 + np.exp(-x)), sp.floor: np.floor, sp.ceiling: np.ceil,
    sp.sign: np.sign, sp.erf: lambda x: np.frompyfunc(math.erf, 1, 1)(x).astype(float),
    sp.Heaviside: lambda x, *h0: (x > 0).astype(float),
}  # fmt: skip
RELATIONS = {sp.Eq: np.equal, sp.Ne: np.not_equal, sp.Gt: np.greater, sp.Lt: np.less,
             sp.Ge: np.greater_equal, sp.Le: np.less_equal}  # fmt: skip


def evaluate(expr: sp.Basic, data: dict, ranges: Ranges) -> Value:
    """`data` maps tensor labels (and scalar names) to arrays; `ranges` each index to its
    half-open range."""
    ev = lambda e: evaluate(e, data, ranges)  # noqa: E731
    if isinstance(expr, sp.Indexed):
        return _gather(data[expr.base.label], [ev(i) for i in expr.indices])
    if isinstance(expr, sp.Symbol):
        if expr in ranges:
            lo, hi = ranges[expr]
            return Value(np.arange(lo, hi, dtype=float), (expr,))
        return Value(np.asarray(data[expr], dtype=float))
    if expr.is_Number or expr in (sp.pi, sp.E, -sp.oo):
        return Value(np.asarray(float(expr)))
    if isinstance(expr, Maximum | sp.Sum):
        return _reduce(expr, data, ranges)
    if isinstance(expr, sp.Add):
        return combine(lambda *xs: reduce(np.add, xs), [ev(a) for a in expr.args])
    if isinstance(expr, sp.Mul):
        return combine(lambda *xs: reduce(np.multiply, xs), [ev(a) for a in expr.args])
    if isinstance(expr, sp.Pow):
        return combine(np.power, [ev(expr.base), ev(expr.exp)])
    if isinstance(expr, sp.Mod):
        return combine(np.mod, [ev(a) for a in expr.args])
    if isinstance(expr, sp.KroneckerDelta):
        return combine(lambda a, b: np.equal(a, b).astype(float), [ev(a) for a in expr.args])
    if isinstance(expr, Indicator):
        return ev(expr.args[0])
    if isinstance(expr, sp.And | sp.Or):
        f = np.logical_and if isinstance(expr, sp.And) else np.logical_or
        return combine(lambda *xs: reduce(f, xs).astype(float), [ev(a) for a in expr.args])
    if type(expr) in RELATIONS:
        f = RELATIONS[type(expr)]
        return combine(lambda a, b: f(a, b).astype(float), [ev(expr.lhs), ev(expr.rhs)])
    if isinstance(expr, sp.Max | sp.Min):
        f = np.maximum if isinstance(expr, sp.Max) else np.minimum
        return combine(lambda *xs: f.reduce(np.broadcast_arrays(*xs)), [ev(a) for a in expr.args])
    if isinstance(expr, sp.Piecewise):
        return _piecewise(expr, ev)
    if expr.func in FUNCS:
        return combine(FUNCS[expr.func], [ev(a) for a in expr.args])
    raise NotImplementedError(f"evaluate: no numpy form for {expr.func.__name__} in {expr}")


def _gather(array: np.ndarray, idx: list[Value]) -> Value:
    """array[idx...] where the indices are arrays over named axes; 0 off the tensor."""
    if not idx:
        return Value(np.asarray(array, dtype=float))
    axes = union(idx)
    shape = np.broadcast_shapes(*[w.aligned(axes).shape for w in idx])
    parts = [np.broadcast_to(v.aligned(axes), shape) for v in idx]
    ok = np.ones(parts[0].shape, dtype=bool)
    rounded = [np.rint(p) for p in parts]
    for p, r, size in zip(parts, rounded, array.shape):
        ok &= (np.abs(p - r) < 1e-9) & (r >= 0) & (r < size)
    ints = [np.where(ok, r, 0).astype(np.int64) for r in rounded]
    return Value(np.where(ok, np.asarray(array, dtype=float)[tuple(ints)], 0.0), axes)


def _reduce(expr: sp.Sum, data: dict, ranges: Ranges) -> Value:
    inner = dict(ranges)
    for var, lo, hi in expr.limits:
        inner[var] = (int(lo), int(hi) + 1)
    bound = [lim[0] for lim in expr.limits]
    free = [s for s in expr.function.free_symbols if s in inner and s not in bound]
    span = lambda syms: np.prod([inner[s][1] - inner[s][0] for s in syms], dtype=float)  # noqa: E731
    product = isinstance(expr.function, sp.Mul) and not isinstance(expr, Maximum)
    if product:  # contracted factor by factor: only the factors are ever materialized
        size = max(span([s for s in f.free_symbols if s in inner]) for f in expr.function.args)
    else:
        size = span(free + bound)
    if size > LIMIT and free:
        big = max(free, key=lambda s: inner[s][1] - inner[s][0])
        lo, hi = inner[big]
        step = max(1, int((hi - lo) * LIMIT / size))
        if step < hi - lo:
            parts = [_reduce(expr, data, {**ranges, big: (a, min(a + step, hi))})
                     for a in range(lo, hi, step)]  # fmt: skip
            axes = parts[0].axes
            return Value(np.concatenate([p.array for p in parts], axis=axes.index(big)), axes)
    if product:
        return _contract([evaluate(f, data, inner) for f in expr.function.args], bound, inner)
    body = evaluate(expr.function, data, inner)
    arr, axes = body.array, list(body.axes)
    for var in bound:
        if var in axes:
            k = axes.index(var)
            arr = arr.max(axis=k) if isinstance(expr, Maximum) else arr.sum(axis=k)
            axes.pop(k)
        elif not isinstance(expr, Maximum):
            arr = arr * (inner[var][1] - inner[var][0])
    return Value(arr, tuple(axes))


def _contract(factors: list[Value], bound: list, inner: Ranges) -> Value:
    """Σ over `bound` of the product of the factors, as one einsum."""
    axes = union(factors)
    names = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    letters = {a: names[k] for k, a in enumerate(axes)}
    out = tuple(a for a in axes if a not in bound)
    spec = ",".join("".join(letters[a] for a in f.axes) for f in factors)
    spec += "->" + "".join(letters[a] for a in out)
    arrays = [np.asarray(f.array, dtype=float) for f in factors]
    arr = np.einsum(spec, *arrays, optimize=True)
    for var in bound:
        if var not in axes:
            arr = arr * (inner[var][1] - inner[var][0])
    return Value(arr, out)


def _piecewise(expr: sp.Piecewise, ev) -> Value:
    pieces = [(ev(e), ev(c) if c is not sp.true else Value(np.asarray(1.0))) for e, c in expr.args]
    values = [v for pair in pieces for v in pair]
    axes = union(values)
    out = np.zeros(np.broadcast_shapes(*[v.aligned(axes).shape for v in values]))
    done = np.zeros(out.shape, dtype=bool)
    for e, c in pieces:
        take = (c.aligned(axes) > 0) & ~done
        out = np.where(take, e.aligned(axes), out)
        done |= take
    return Value(out, axes)
