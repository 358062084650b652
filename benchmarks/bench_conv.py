"""conv2d forward and backward (input + weight gradients) on LeNet-5 and ResNet-18 shapes,
against torch.nn.functional.conv2d and torch autograd. flops = 2*N*K*C*R*S*P*Q/groups."""

from __future__ import annotations

import numpy as np

import pygraph as pg
from harness import Case

# (name, C, H=W, K, kernel, stride, padding)
LENET = [
    ("lenet c1 1->6 5x5 @32", 1, 32, 6, 5, 1, 0),
    ("lenet c3 6->16 5x5 @14", 6, 14, 16, 5, 1, 0),
]
RESNET = [
    (f"resnet {c}@{h} 3x3", c, h, c, 3, 1, 1) for c, h in [(64, 56), (128, 28), (256, 14), (512, 7)]
]


def _case_pair(name, N, C, H, K, R, stride, padding):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, H), dtype=np.float32)
    w = rng.standard_normal((K, C, R, R), dtype=np.float32) / np.float32(np.sqrt(C * R * R))
    y = pg.ops.conv2d(x, w, None, stride, padding)
    dy = rng.standard_normal(y.shape, dtype=np.float32)
    flops = 2.0 * N * K * C * R * R * y.shape[2] * y.shape[3]
    fwd = {"pygraph": lambda: pg.ops.conv2d(x, w, None, stride, padding)}
    bwd = {"pygraph": lambda: pg.ops.conv2d_backward(dy, x, w, None, stride, padding)}
    try:
        import torch
        import torch.nn.functional as F

        tx, tw = torch.from_numpy(x), torch.from_numpy(w)
        fwd["torch"] = lambda: F.conv2d(tx, tw, None, stride, padding)
        gx, gw = tx.clone().requires_grad_(), tw.clone().requires_grad_()
        ty = F.conv2d(gx, gw, None, stride, padding)
        tdy = torch.from_numpy(dy)
        bwd["torch"] = lambda: torch.autograd.grad(ty, (gx, gw), tdy, retain_graph=True)
    except ImportError:
        pass
    tag = f"{name} b{N}"
    return [
        Case(f"fwd {tag}", fwd, flops=flops, group="conv2d fwd"),
        Case(f"bwd {tag}", bwd, flops=2 * flops, group="conv2d bwd"),
    ]


def cases(quick: bool) -> list[Case]:
    out = []
    shapes = LENET + (RESNET[1:3] if quick else RESNET)
    for N in [1] if quick else [1, 8]:
        for s in shapes:
            out += _case_pair(s[0], N, *s[1:])
    return out
