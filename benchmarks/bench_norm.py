"""Norm family benchmarks: softmax, cross entropy fwd+bwd, batch norm (training), layer norm.

nbytes is the least traffic a call needs (inputs read once, outputs written once), so GB/s is
comparable to DRAM/L2 bandwidth.
"""

from __future__ import annotations

import numpy as np

import pygraph as pg
from harness import Case

ops = pg.ops


def _torch():
    try:
        import torch

        return torch
    except ImportError:
        return None


def _np_softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def softmax_case(shape, rng) -> Case:
    x = rng.standard_normal(shape).astype(np.float32)
    impls = {"pygraph": lambda: ops.softmax(x), "numpy": lambda: _np_softmax(x)}
    torch = _torch()
    if torch:
        tx = torch.from_numpy(x)
        impls["torch"] = lambda: torch.softmax(tx, -1)
    return Case(f"softmax {shape} fwd", impls, nbytes=2 * x.nbytes)


def cross_entropy_case(shape, rng) -> Case:
    x = rng.standard_normal(shape).astype(np.float32)
    t = rng.integers(0, shape[1], shape[0])
    one = np.float32(1.0)

    def ours():
        ops.cross_entropy(x, t)
        return ops.cross_entropy_backward(one, x, t)

    impls = {"pygraph": ours}
    torch = _torch()
    if torch:
        tt = torch.from_numpy(t)

        def theirs():
            tx = torch.from_numpy(x).requires_grad_()
            torch.nn.functional.cross_entropy(tx, tt).backward()
            return tx.grad

        impls["torch"] = theirs
    # forward reads x; backward reads x and writes grad_input
    return Case(f"cross_entropy {shape} fwd+bwd", impls, nbytes=3 * x.nbytes)


def batch_norm_case(shape, rng) -> Case:
    C = shape[1]
    x = rng.standard_normal(shape).astype(np.float32)
    w, b = np.ones(C, np.float32), np.zeros(C, np.float32)
    rm, rv = np.zeros(C, np.float32), np.ones(C, np.float32)
    impls = {"pygraph": lambda: ops.batch_norm(x, rm, rv, w, b, training=True)}
    torch = _torch()
    if torch:
        tx, tw, tb = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)
        trm, trv = torch.zeros(C), torch.ones(C)
        impls["torch"] = lambda: torch.nn.functional.batch_norm(tx, trm, trv, tw, tb, training=True)
    return Case(f"batch_norm {shape} train fwd", impls, nbytes=2 * x.nbytes)


def layer_norm_case(shape, rng) -> Case:
    D = shape[-1]
    x = rng.standard_normal(shape).astype(np.float32)
    w, b = np.ones(D, np.float32), np.zeros(D, np.float32)

    def np_ln():
        m = x.mean(-1, keepdims=True)
        return (x - m) / np.sqrt(x.var(-1, keepdims=True) + 1e-5) * w + b

    impls = {"pygraph": lambda: ops.layer_norm(x, D, w, b), "numpy": np_ln}
    torch = _torch()
    if torch:
        tx, tw, tb = torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)
        impls["torch"] = lambda: torch.nn.functional.layer_norm(tx, (D,), tw, tb)
    return Case(f"layer_norm {shape} fwd", impls, nbytes=2 * x.nbytes)


def backward_cases(rng) -> list[Case]:
    """softmax, layer_norm and batch_norm backward against torch.autograd.grad on a saved graph
    (torch reuses its saved forward results; pygraph recomputes the statistics)."""
    torch = _torch()
    out = []
    specs = [
        ("softmax", (8 * 12 * 197, 197)),
        ("layer_norm", (8 * 197, 768)),
        ("batch_norm", (8, 64, 56, 56)),
    ]
    for name, shape in specs:
        x = rng.standard_normal(shape).astype(np.float32)
        g = rng.standard_normal(shape).astype(np.float32)
        C = shape[-1] if name == "layer_norm" else shape[1]
        w, b = np.ones(C, np.float32), np.zeros(C, np.float32)
        if name == "softmax":
            ours = lambda x=x, g=g: ops.softmax_backward(g, x)  # noqa: E731
        elif name == "layer_norm":
            ours = lambda x=x, g=g, w=w, b=b, C=C: ops.layer_norm_backward(g, x, C, w, b)  # noqa
        else:  # with the statistics saved by the forward, as torch does
            _, sm, si = ops.batch_norm(x, None, None, w, b, training=True, return_stats=True)
            ours = lambda x=x, g=g, w=w, b=b, sm=sm, si=si: ops.batch_norm_backward(  # noqa
                g, x, None, None, w, b, training=True, save_mean=sm, save_invstd=si
            )
        impls = {"pygraph": ours}
        if torch:
            F = torch.nn.functional
            tx, tg = torch.from_numpy(x).requires_grad_(), torch.from_numpy(g)
            tw, tb = torch.from_numpy(w).requires_grad_(), torch.from_numpy(b).requires_grad_()
            if name == "softmax":
                ty, inputs = torch.softmax(tx, -1), (tx,)
            elif name == "layer_norm":
                ty, inputs = F.layer_norm(tx, (C,), tw, tb), (tx, tw, tb)
            else:
                ty, inputs = F.batch_norm(tx, None, None, tw, tb, training=True), (tx, tw, tb)
            impls["torch"] = lambda ty=ty, tg=tg, inputs=inputs: torch.autograd.grad(
                ty, inputs, tg, retain_graph=True
            )
        # reads grad_output and input, writes grad_input
        out.append(Case(f"{name} {shape} bwd", impls, nbytes=3 * x.nbytes))
    return out


def cases(quick: bool) -> list[Case]:
    rng = np.random.default_rng(0)
    out = [
        softmax_case((64, 1000), rng),
        softmax_case((8 * 12 * 197, 197), rng),
        cross_entropy_case((64, 1000), rng),
        batch_norm_case((8, 64, 56, 56), rng),
        layer_norm_case((8 * 197, 768), rng),
    ]
    if not quick:
        out += backward_cases(rng)
    return out
