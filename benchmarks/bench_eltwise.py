"""Eltwise benchmarks: activations forward and backward on ~1M float32 elements, and a
broadcasting add (bias-like (8, 64, 56, 56) + (64, 1, 1)) with its backward, against torch and
numpy (scipy.special.erf for numpy's gelu). nbytes = bytes read + written.
"""

from __future__ import annotations

import numpy as np

import pygraph as pg
from harness import Case

ops = pg.ops


def _np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _activation_cases(x, g, torch):
    import scipy.special as sp

    n = x.size
    fwd_bytes, bwd_bytes = 8 * n, 12 * n
    tx = torch.tensor(x) if torch else None
    tg = torch.tensor(g) if torch else None
    aten = torch.ops.aten if torch else None
    F = torch.nn.functional if torch else None
    s = _np_sigmoid(x)
    specs = {
        # name: (pygraph fwd, pygraph bwd, numpy fwd, numpy bwd, torch fwd, torch bwd)
        "relu": (
            lambda: ops.relu(x), lambda: ops.relu_backward(g, x),
            lambda: np.maximum(x, 0), lambda: g * (x > 0),
            lambda: F.relu(tx), lambda: aten.threshold_backward(tg, tx, 0),
        ),
        "gelu": (
            lambda: ops.gelu(x), lambda: ops.gelu_backward(g, x),
            lambda: 0.5 * x * (1 + sp.erf(x * np.float32(0.70710678))),
            lambda: g * (0.5 * (1 + sp.erf(x * np.float32(0.70710678)))
                         + x * np.exp(-0.5 * x * x) * np.float32(0.39894228)),
            lambda: F.gelu(tx), lambda: aten.gelu_backward(tg, tx),
        ),
        "sigmoid": (
            lambda: ops.sigmoid(x), lambda: ops.sigmoid_backward(g, x),
            lambda: _np_sigmoid(x), lambda: g * s * (1 - s),
            lambda: torch.sigmoid(tx), lambda: aten.sigmoid_backward(tg, torch.sigmoid(tx)),
        ),
        "tanh": (
            lambda: ops.tanh(x), lambda: ops.tanh_backward(g, x),
            lambda: np.tanh(x), lambda: g * (1 - np.tanh(x) ** 2),
            lambda: torch.tanh(tx), lambda: aten.tanh_backward(tg, torch.tanh(tx)),
        ),
        "silu": (
            lambda: ops.silu(x), lambda: ops.silu_backward(g, x),
            lambda: x * _np_sigmoid(x), lambda: g * s * (1 + x * (1 - s)),
            lambda: F.silu(tx), lambda: aten.silu_backward(tg, tx),
        ),
    }  # fmt: skip
    cases = []
    for name, (pf, pb, nf, nb, tf, tb) in specs.items():
        for kind, ours, npy, tch, nbytes in (("fwd", pf, nf, tf, fwd_bytes),
                                             ("bwd", pb, nb, tb, bwd_bytes)):  # fmt: skip
            impls = {"pygraph": ours, "numpy": npy}
            if torch:
                impls["torch"] = tch
            cases.append(Case(f"{name} {kind} {x.shape}", impls, nbytes=nbytes, group="eltwise"))
    return cases


def cases(quick: bool) -> list[Case]:
    try:
        import torch
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 64, 64, 64)).astype(np.float32)  # 1M elements
    g = rng.standard_normal(x.shape).astype(np.float32)
    out = _activation_cases(x, g, torch)

    a = rng.standard_normal((8, 64, 56, 56)).astype(np.float32)  # 1.6M elements
    b = rng.standard_normal((64, 1, 1)).astype(np.float32)
    ga = rng.standard_normal(a.shape).astype(np.float32)
    n = a.size
    impls = {"pygraph": lambda: ops.add(a, b), "numpy": lambda: a + b}
    bimpls = {
        "pygraph": lambda: ops.add_backward(ga, a, b),
        "numpy": lambda: (ga.copy(), ga.sum(axis=(0, 2, 3)).reshape(64, 1, 1)),
    }
    if torch:
        ta, tb, tg = torch.tensor(a), torch.tensor(b), torch.tensor(ga)
        impls["torch"] = lambda: ta + tb
        bimpls["torch"] = lambda: (tg.clone(), tg.sum(dim=(0, 2, 3)).reshape(64, 1, 1))
    out.append(Case(f"add fwd {a.shape}+{b.shape}", impls, nbytes=8 * n, group="eltwise"))
    # read grad once, write grad_input (a copy: our outputs never alias inputs), reduce for b
    out.append(Case(f"add bwd {a.shape}+{b.shape}", bimpls, nbytes=8 * n, group="eltwise"))
    if quick:
        out = [c for c in out if not c.name.startswith(("sigmoid bwd", "tanh bwd"))]
    return out
