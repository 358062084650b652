"""GEMM family: square sizes, a wide 64-row product and a GEMV (1 x 4096 x 9216), vs numpy and
torch. flops = 2 M N K."""

from __future__ import annotations

import numpy as np

import pygraph as pg
from harness import Case

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None


def _case(name: str, M: int, N: int, K: int, rng: np.random.Generator) -> Case:
    a = rng.standard_normal((M, K)).astype(np.float32)
    b = rng.standard_normal((K, N)).astype(np.float32)
    impls = {"pygraph": lambda: pg.ops.matmul(a, b), "numpy": lambda: a @ b}
    if torch is not None:
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        impls["torch"] = lambda: torch.matmul(ta, tb)
    return Case(
        name, impls, flops=2.0 * M * N * K, nbytes=4.0 * (M * K + K * N + M * N), group="gemm"
    )


def cases(quick: bool) -> list[Case]:
    rng = np.random.default_rng(0)
    squares = [64, 256, 1024] if quick else [64, 128, 256, 512, 1024, 2048]
    out = [_case(f"matmul {n}x{n}x{n}", n, n, n, rng) for n in squares]
    if not quick:
        out.append(_case("matmul 64x4096x4096", 64, 4096, 4096, rng))
    out.append(_case("gemv 1x4096x9216", 1, 9216, 4096, rng))
    return out
