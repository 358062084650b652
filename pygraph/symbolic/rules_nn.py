"""Rules of the layer ops: convolution (stride, padding, dilation, groups), transposed
convolution, pooling, normalization, softmax, the losses and dropout, in index form over
numpy object arrays (one SymPy expression per element)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import sympy as sp

from . import functions as fn
from .rules import Arrays, _activation, ew, rule, zeros

NEG_INF = sp.S.NegativeInfinity


def _tup(v, nd: int) -> tuple[int, ...]:
    v = [v] if isinstance(v, int) else list(v)
    return tuple(v * nd if len(v) == 1 else v)


def _conv_pads(a: dict, ks, dil, nd: int) -> list[tuple[int, int]]:
    mode = a.get("padding_mode", "")
    if mode == "valid":
        return [(0, 0)] * nd
    if mode == "same":  # torch: the extra one goes to the right
        total = [d * (k - 1) for k, d in zip(ks, dil)]
        return [(t // 2, t - t // 2) for t in total]
    return [(p, p) for p in _tup(a.get("padding", 0), nd)]


@rule("conv1d", "conv2d", "conv3d")
def _conv(ins: Arrays, a: dict) -> Arrays:
    """y[n,k,o] = b[k] + Σ_{c,r} w[k,c,r] · x[n, g·C/G + c, o·stride + r·dilation − padding]."""
    x, w = ins[0], ins[1]
    nd, groups = x.ndim - 2, a.get("groups", 1)
    ks, st, dil = w.shape[2:], _tup(a.get("stride", 1), nd), _tup(a.get("dilation", 1), nd)
    pads = _conv_pads(a, ks, dil, nd)
    xp = np.pad(x, [(0, 0), (0, 0)] + pads, constant_values=sp.S.Zero)
    outs = [(xp.shape[2 + i] - dil[i] * (ks[i] - 1) - 1) // st[i] + 1 for i in range(nd)]
    K, Cg = w.shape[0], w.shape[1]
    Kg = K // groups
    y = zeros((x.shape[0], K, *outs))
    for g, r in itertools.product(range(groups), itertools.product(*map(range, ks))):
        win = tuple(
            slice(r[i] * dil[i], r[i] * dil[i] + st[i] * (outs[i] - 1) + 1, st[i])
            for i in range(nd)
        )
        xs = xp[(slice(None), slice(g * Cg, (g + 1) * Cg), *win)]  # (N, Cg, *out)
        wr = w[(slice(g * Kg, (g + 1) * Kg), slice(None), *r)]  # (Kg, Cg)
        y[:, g * Kg : (g + 1) * Kg] += np.moveaxis(np.tensordot(wr, xs, axes=([1], [1])), 0, 1)
    if len(ins) > 2:
        y = y + ins[2].reshape((1, K) + (1,) * nd)
    return [_activation(y, a)]


@rule("conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
def _conv_transpose(ins: Arrays, a: dict) -> Arrays:
    """The adjoint of conv in its input: each x[n,c,i] scatters w[c,k,r] to o = i·s + r·d − p."""
    x, w = ins[0], ins[1]
    nd, groups = x.ndim - 2, a.get("groups", 1)
    ks, st, dil = w.shape[2:], _tup(a.get("stride", 1), nd), _tup(a.get("dilation", 1), nd)
    pad, opad = _tup(a.get("padding", 0), nd), _tup(a.get("output_padding", 0), nd)
    L = x.shape[2:]
    full = [(L[i] - 1) * st[i] + dil[i] * (ks[i] - 1) + 1 + opad[i] for i in range(nd)]
    Cg, Kg = w.shape[0] // groups, w.shape[1]
    buf = zeros((x.shape[0], Kg * groups, *full))
    for g, r in itertools.product(range(groups), itertools.product(*map(range, ks))):
        xs = x[:, g * Cg : (g + 1) * Cg]  # (N, Cg, *L)
        wr = w[(slice(g * Cg, (g + 1) * Cg), slice(None), *r)]  # (Cg, Kg)
        contrib = np.moveaxis(np.tensordot(wr, xs, axes=([0], [1])), 0, 1)  # (N, Kg, *L)
        win = tuple(
            slice(r[i] * dil[i], r[i] * dil[i] + st[i] * (L[i] - 1) + 1, st[i]) for i in range(nd)
        )
        buf[(slice(None), slice(g * Kg, (g + 1) * Kg), *win)] += contrib
    out = tuple(slice(pad[i], full[i] - pad[i]) for i in range(nd))
    y = buf[(slice(None), slice(None), *out)]
    if len(ins) > 2:
        y = y + ins[2].reshape((1, -1) + (1,) * nd)
    return [y]


# ---- pooling ----


def _pool_out(L: int, k: int, s: int, p: int, d: int, ceil: bool) -> int:
    span = L + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil else 0)) // s + 1
    if ceil and (out - 1) * s >= L + p:  # the last window must start inside the input
        out -= 1
    return out


def _windows(x_shape, a: dict, nd: int, dilation=None):
    """Per output position: the input positions of its window (those inside the input)."""
    ks = _tup(a["kernel_size"], nd)
    st = _tup(a.get("stride") or ks, nd)
    pad = _tup(a.get("padding", 0), nd)
    dil = _tup(dilation if dilation is not None else a.get("dilation", 1), nd)
    L = x_shape[2:]
    outs = [
        _pool_out(L[i], ks[i], st[i], pad[i], dil[i], bool(a.get("ceil_mode"))) for i in range(nd)
    ]
    for o in itertools.product(*map(range, outs)):
        starts = [o[i] * st[i] - pad[i] for i in range(nd)]
        pos = [[s + r * dil[i] for r in range(ks[i])] for i, s in enumerate(starts)]
        inside = [[q for q in ps if 0 <= q < L[i]] for i, ps in enumerate(pos)]
        yield o, list(itertools.product(*inside)), starts, outs, (ks, st, pad, L)


@rule("max_pool1d", "max_pool2d")
def _max_pool(ins: Arrays, a: dict) -> Arrays:
    """y[n,c,o] = max over the window; indices: the flat position of the max in the plane."""
    x = ins[0]
    nd = x.ndim - 2
    y, idx = None, None
    for o, win, _, outs, (_, _, _, L) in _windows(x.shape, a, nd):
        if y is None:
            y = zeros(x.shape[:2] + tuple(outs))
            idx = np.zeros(x.shape[:2] + tuple(outs), dtype=np.int64)
        vals = [x[(slice(None), slice(None), *q)] for q in win]
        y[(slice(None), slice(None), *o)] = ew(fn.maximum, *vals)
        if all(isinstance(v, sp.Number) or isinstance(v, float) for v in vals[0].flat):
            best = np.argmax(np.stack([v.astype(float) for v in vals]), axis=0)
            flat = [int(np.ravel_multi_index(q, L)) for q in win]
            idx[(slice(None), slice(None), *o)] = np.asarray(flat)[best]
    return [y, idx]


@rule("avg_pool1d", "avg_pool2d")
def _avg_pool(ins: Arrays, a: dict) -> Arrays:
    """y[n,c,o] = Σ_window x / (the divisor: k^d, the cells counted, or divisor_override)."""
    x = ins[0]
    nd = x.ndim - 2
    y = None
    for o, win, starts, outs, (ks, _, pad, L) in _windows(x.shape, a, nd, dilation=1):
        if y is None:
            y = zeros(x.shape[:2] + tuple(outs))
        if a.get("divisor_override"):
            div = a["divisor_override"]
        elif a.get("count_include_pad", 1):
            div = math.prod(min(starts[i] + ks[i], L[i] + pad[i]) - starts[i] for i in range(nd))
        else:
            div = len(win)
        total = sum((x[(slice(None), slice(None), *q)] for q in win), zeros(x.shape[:2]))
        y[(slice(None), slice(None), *o)] = total / sp.Integer(div)
    return [y]


@rule("adaptive_avg_pool1d", "adaptive_avg_pool2d")
def _adaptive_avg_pool(ins: Arrays, a: dict) -> Arrays:
    """Window i spans [floor(i·L/O), ceil((i+1)·L/O))."""
    x = ins[0]
    nd = x.ndim - 2
    outs = _tup(a["output_size"], nd)
    L = x.shape[2:]
    y = zeros(x.shape[:2] + tuple(outs))
    for o in itertools.product(*map(range, outs)):
        sl = tuple(
            slice(o[i] * L[i] // outs[i], -(-(o[i] + 1) * L[i] // outs[i])) for i in range(nd)
        )
        block = x[(slice(None), slice(None), *sl)]
        y[(slice(None), slice(None), *o)] = np.sum(
            block.reshape(x.shape[:2] + (-1,)), axis=2
        ) / sp.Integer(block[0, 0].size)
    return [y]


@rule("global_avg_pool2d", "global_max_pool2d")
def _global_pool(ins: Arrays, a: dict) -> Arrays:
    x = ins[0]
    flat = x.reshape(x.shape[:2] + (-1,))
    if a["_op"] == "global_max_pool2d":
        y = np.apply_along_axis(lambda v: fn.maximum(*v), 2, flat)
    else:
        y = np.sum(flat, axis=2) / sp.Integer(flat.shape[2])
    return [np.asarray(y, dtype=object).reshape(x.shape[:2] + (1, 1))]


@rule("max_unpool2d")
def _max_unpool2d(ins: Arrays, a: dict) -> Arrays:
    """y[n,c,indices[n,c,i]] = x[n,c,i]: each value back at its argmax, zeros elsewhere."""
    x, idx = ins[0], np.asarray(ins[1], dtype=np.int64)
    ks, st, pad = (
        _tup(a["kernel_size"], 2),
        _tup(a.get("stride") or a["kernel_size"], 2),
        _tup(a.get("padding", 0), 2),
    )
    size = a.get("output_size") or [
        (x.shape[2 + i] - 1) * st[i] - 2 * pad[i] + ks[i] for i in range(2)
    ]
    size = tuple(size[-2:])
    y = zeros(x.shape[:2] + (size[0] * size[1],))
    for n, c in np.ndindex(x.shape[:2]):
        for i, j in np.ndindex(x.shape[2:]):
            y[n, c, idx[n, c, i, j]] = x[n, c, i, j]
    return [y.reshape(x.shape[:2] + size)]


@rule("take_at_indices")
def _take_at_indices(ins: Arrays, a: dict) -> Arrays:
    """y[n,c,i] = src[n,c,indices[n,c,i]] (flat positions in src's plane)."""
    src, idx = ins[0], np.asarray(ins[1], dtype=np.int64)
    flat = src.reshape(src.shape[:2] + (-1,))
    y = np.empty(idx.shape, dtype=object)
    for i in np.ndindex(idx.shape):
        y[i] = flat[i[0], i[1], idx[i]]
    return [y]
