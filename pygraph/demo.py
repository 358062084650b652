"""`pygraph demo`: a few tensors through the engine's kernels, with the variant that ran."""

from __future__ import annotations

import time

import numpy as np

import pygraph as pg


def _show(title: str, family: str, result: np.ndarray, oracle: np.ndarray, seconds: float) -> None:
    err = float(np.max(np.abs(result - oracle)))
    print(f"{title:<40} -> {str(result.shape):<18} {seconds * 1e3:8.3f} ms  "
          f"max|diff| vs numpy {err:.1e}  [{pg.kernel_variants(family)[0]}]")


def run() -> None:
    rng = np.random.default_rng(0)
    print(f"pygraph {pg.__version__}: CPU supports {pg.hardware_isa()}, running at "
          f"{pg.active_isa()}, {pg.num_threads()} threads\n")
    a = rng.standard_normal((512, 512), dtype=np.float32)
    b = rng.standard_normal((512, 512), dtype=np.float32)
    t = time.perf_counter()
    c = pg.ops.matmul(a, b)
    _show("matmul (512, 512) @ (512, 512)", "gemm", c, a @ b, time.perf_counter() - t)
