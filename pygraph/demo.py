"""`pygraph demo`: tensors through the engine's kernels, checked against numpy, with the
kernel variants that really ran, and one convolution at every ISA level this CPU has; then
LeNet-5's table, and LeNet-5 trained briefly on the handwritten digits; a backprop
derivation; LeNet-5's diagrams."""

from __future__ import annotations

import statistics
import time

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import pygraph as pg

LEVELS = ["ref", "portable", "avx2", "avx512"]


def _conv2d_numpy(x: np.ndarray, w: np.ndarray, padding: int) -> np.ndarray:
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    win = sliding_window_view(xp, w.shape[2:], axis=(2, 3))  # (N, C, P, Q, R, S)
    return np.einsum("ncpqrs,kcrs->nkpq", win, w, optimize=True)


def _run(title: str, fn, oracle: np.ndarray) -> np.ndarray:
    fn()  # warm up: the first call pays for page faults and thread start-up
    times = []
    with pg.trace_kernels() as trace:
        for _ in range(5):
            t = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t)
    seconds = statistics.median(times)
    err = float(np.max(np.abs(out - oracle)))
    print(
        f"  {title:<34} {str(out.shape):<17} {seconds * 1e3:8.2f} ms  {err:9.1e}  "
        f"{', '.join(trace.variants)}"
    )
    return out


def run(epochs: int = 5) -> None:
    rng = np.random.default_rng(0)
    print(
        f"pygraph {pg.__version__}: this CPU supports {pg.hardware_isa()}; kernels run at "
        f"{pg.active_isa()} on {pg.num_threads()} threads\n"
    )

    print("A 4x4 image, a 2x2 max pool and a 3x3 edge filter (by hand: see notebooks/01):")
    img = np.array([[1, 3, 2, 1], [4, 2, 0, 1], [5, 1, 2, 6], [0, 2, 3, 4]], np.float32)
    print("  max_pool2d ->", pg.ops.max_pool2d(img[None, None], 2)[0, 0].tolist())
    edge = np.array([[1, 0, -1]] * 3, np.float32)
    print("  conv2d     ->", pg.ops.conv2d(img[None, None], edge[None, None])[0, 0].tolist())

    print(
        f"\n  {'op':<34} {'output':<17} {'median':>11}  {'max|diff|':>9}  kernels that ran"
        "  (diff against numpy; median of 5 calls)"
    )
    a = rng.standard_normal((512, 512), dtype=np.float32)
    b = rng.standard_normal((512, 512), dtype=np.float32)
    _run("matmul (512,512) @ (512,512)", lambda: pg.ops.matmul(a, b), a @ b)
    x = rng.standard_normal((8, 16, 32, 32), dtype=np.float32)
    w = rng.standard_normal((32, 16, 3, 3), dtype=np.float32) * 0.1
    y = _run(
        "conv2d 16->32 3x3 pad 1, batch 8",
        lambda: pg.ops.conv2d(x, w, padding=1),
        _conv2d_numpy(x, w, 1),
    )
    r = _run("relu", lambda: pg.ops.relu(y), np.maximum(y, 0))
    pooled = sliding_window_view(r, (2, 2), axis=(2, 3))[:, :, ::2, ::2].max(axis=(-1, -2))
    _run("max_pool2d 2x2", lambda: pg.ops.max_pool2d(r, 2), pooled)
    logits = pooled.mean(axis=(2, 3))[:, :10]
    p = np.exp(logits - logits.max(1, keepdims=True))
    _run("softmax", lambda: pg.ops.softmax(logits, axis=1), p / p.sum(1, keepdims=True))

    print("\nThe same convolution at every ISA level this CPU has (PYGRAPH_ISA caps it too):")
    before = pg.active_isa()
    for level in LEVELS[: LEVELS.index(pg.hardware_isa()) + 1]:
        pg.set_isa(level)
        _run(f"conv2d at {level}", lambda: pg.ops.conv2d(x, w, padding=1), y)
    pg.set_isa(before)

    lenet(epochs)
    derivation()
    pictures()


def lenet(epochs: int) -> None:
    """LeNet-5's summary, then a few epochs on the digits (each training step one C++ call)."""
    model = pg.models.lenet5()
    print("\nLeNet-5 (pg.models.lenet5()):")
    print(pg.summary(model, (1, 1, 32, 32)))
    X, y, X_test, y_test = pg.data.digits()
    X, y = pg.data.shifted(X, y, 2)  # 5x the 1,437 training digits
    pg.manual_seed(0)
    opt = pg.optim.Adam(lr=2e-3)
    trainer = pg.Trainer(model, "cross_entropy", opt, pg.optim.CosineAnnealingLR(opt, epochs))
    print(f"\nTraining on {len(X)} digits (8x8 upsampled to 32x32, and shifted copies), "
          f"Adam with a cosine schedule, batch 64:")  # fmt: skip
    trainer.fit(X, y, epochs=epochs, batch_size=64, val=(X_test, y_test))
    result = trainer.evaluate(X_test, y_test)
    print(f"test accuracy on {len(X_test)} held-out digits: {result['accuracy']:.2%} "
          f"(loss {result['loss']:.4f})")  # fmt: skip


def derivation() -> None:
    """The textbook backprop derivation of a 2-layer sigmoid network, checked against the
    engine's own gradient."""
    from .symbolic.examples import two_layer_sigmoid

    loss, wrt, feeds = two_layer_sigmoid()
    print("\nBackprop by hand, done by pg.derive for x -> Linear -> σ -> Linear -> σ -> "
          "binary cross-entropy:\n")  # fmt: skip
    d = pg.derive(loss, wrt)
    print(d)
    print(f"\nThe formulas above, evaluated with numpy, against the engine's gradient "
          f"(float64): max |difference| = {d.verify(**feeds):.1e}")  # fmt: skip


def pictures(out_dir: str = "build/demo") -> None:
    """LeNet-5's architecture diagram and its forward + backward graph, written as SVG (DOT
    source when Graphviz's dot is missing)."""
    import shutil
    from pathlib import Path

    suffix = ".svg" if shutil.which("dot") else ".dot"
    model = pg.models.lenet5()
    arch = pg.render(model, Path(out_dir) / f"lenet5{suffix}")
    back = pg.render(model, Path(out_dir) / f"lenet5_backward{suffix}", level="op", backward=True)
    where = Path(out_dir).resolve()
    print(f"\nDiagrams (pg.render) in {where}: lenet5{suffix} (layers, "
          f"{arch.source.count('->')} edges), lenet5_backward{suffix} (ops and gradients, "
          f"{back.source.count('->')} edges)")  # fmt: skip
