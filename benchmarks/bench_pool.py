"""Pooling forward and backward against torch.nn.functional (nbytes = bytes read + written).

torch's backward peers are its aten backward kernels given the forward's indices. pygraph's
max_pool2d_backward finds the argmax again in the input ("bwd") or takes the indices too
("bwd(indices)", the like-for-like row).
"""

from __future__ import annotations

import numpy as np

import pygraph as pg
from harness import Case

P = pg.ops


def _torch():
    try:
        import torch

        return torch
    except ImportError:
        return None


def _window_cases(shape, kind, k, s, p, torch) -> list[Case]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    fwd = P.max_pool2d if kind == "max" else P.avg_pool2d
    bwd = P.max_pool2d_backward if kind == "max" else P.avg_pool2d_backward
    y = fwd(x, k, s, p)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    name = f"{kind}_pool2d {k}x{k} s{s} p{p} {shape}"
    f_impls = {"pygraph": lambda: fwd(x, k, s, p)}
    b_impls = {"pygraph": lambda: bwd(dy, x, k, s, p)}
    if torch is not None:
        F, aten = torch.nn.functional, torch.ops.aten
        tx, tdy = torch.from_numpy(x), torch.from_numpy(dy)
        if kind == "max":
            _, ti = F.max_pool2d(tx, k, s, p, return_indices=True)
            f_impls["torch"] = lambda: F.max_pool2d(tx, k, s, p)
            b_impls["torch"] = lambda: aten.max_pool2d_with_indices_backward(
                tdy, tx, [k, k], [s, s], [p, p], [1, 1], False, ti
            )
        else:
            f_impls["torch"] = lambda: F.avg_pool2d(tx, k, s, p)
            b_impls["torch"] = lambda: aten.avg_pool2d_backward(
                tdy, tx, [k, k], [s, s], [p, p], False, True, None
            )
    cases = [
        Case(name, f_impls, nbytes=x.nbytes + y.nbytes, group="forward"),
        Case(name + " bwd", b_impls, nbytes=2 * x.nbytes + dy.nbytes, group="backward"),
    ]
    if kind == "max":  # like torch: scatter to the forward's saved indices
        _, idx = P.max_pool2d(x, k, s, p, return_indices=True)
        i_impls = dict(b_impls, pygraph=lambda: bwd(dy, x, k, s, p, indices=idx))
        cases.append(
            Case(name + " bwd(indices)", i_impls, nbytes=x.nbytes + dy.nbytes * 3, group="backward")
        )
    return cases


def _global_cases(shape, torch) -> list[Case]:
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    out = x.nbytes + x[:, :, :1, :1].nbytes
    avg = {"pygraph": lambda: P.global_avg_pool2d(x), "numpy": lambda: x.mean(axis=(2, 3))}
    mx = {"pygraph": lambda: P.global_max_pool2d(x), "numpy": lambda: x.max(axis=(2, 3))}
    if torch is not None:
        tx = torch.from_numpy(x)
        avg["torch"] = lambda: torch.nn.functional.adaptive_avg_pool2d(tx, 1)
        mx["torch"] = lambda: torch.amax(tx, dim=(2, 3), keepdim=True)
    return [
        Case(f"global_avg_pool2d {shape}", avg, nbytes=out),
        Case(f"global_max_pool2d {shape}", mx, nbytes=out),
    ]


def _adaptive_cases(shape, out, torch) -> list[Case]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(np.float32)
    y = P.adaptive_avg_pool2d(x, out)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    f = {"pygraph": lambda: P.adaptive_avg_pool2d(x, out)}
    b = {"pygraph": lambda: P.adaptive_avg_pool2d_backward(dy, x, out)}
    if torch is not None:
        tx, tdy = torch.from_numpy(x), torch.from_numpy(dy)
        f["torch"] = lambda: torch.nn.functional.adaptive_avg_pool2d(tx, out)
        b["torch"] = lambda: torch.ops.aten._adaptive_avg_pool2d_backward(tdy, tx)
    name = f"adaptive_avg_pool2d {shape}->{out}"
    return [
        Case(name, f, nbytes=x.nbytes + y.nbytes, group="forward"),
        Case(name + " bwd", b, nbytes=2 * x.nbytes + dy.nbytes, group="backward"),
    ]


def cases(quick: bool) -> list[Case]:
    torch = _torch()
    shapes = (
        [(8, 64, 56, 56), (64, 6, 28, 28)]
        if quick
        else [(1, 64, 112, 112), (8, 64, 56, 56), (64, 6, 28, 28)]
    )
    out: list[Case] = []
    for kind in ("max", "avg"):
        for shape in shapes:
            out += _window_cases(shape, kind, 2, 2, 0, torch)
        for shape in shapes[:-1]:  # LeNet pools 2x2 only
            out += _window_cases(shape, kind, 3, 2, 1, torch)
    out += _global_cases((8, 512, 7, 7), torch)
    out += _adaptive_cases((8, 256, 13, 13), (6, 6), torch)
    return out
