"""Small image datasets made on this machine (nothing is downloaded): scikit-learn's bundled
8x8 handwritten digits and generated shapes (circles, squares, triangles), plus minibatches.

Both datasets return (X_train, y_train, X_test, y_test): X float32 (N, 1, size, size) in
[0, 1], y int64 class indices, split per class (stratified) by a seeded generator.

>>> import pygraph as pg
>>> X, y, Xt, yt = pg.data.shapes(n=30, size=16, seed=0)
>>> X.shape, X.dtype, y.dtype, sorted(set(y.tolist()))
((24, 1, 16, 16), dtype('float32'), dtype('int64'), [0, 1, 2])
>>> [xb.shape[0] for xb, _ in pg.data.batches(X, y, batch_size=10)]
[10, 10, 4]
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = [
    "SHAPES_CLASSES", "batches", "digits", "draw_shape", "resize_bilinear", "shapes", "shifted",
]  # fmt: skip

SHAPES_CLASSES = ("circle", "square", "triangle")

Split = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
Batch = tuple[np.ndarray, np.ndarray]


def _check_fraction(fn: str, test_fraction: float) -> None:
    if not 0.0 <= test_fraction < 1.0:
        raise ValueError(f"{fn}: test_fraction must be in [0, 1), got {test_fraction}")


def _stratified_split(X: np.ndarray, y: np.ndarray, test_fraction: float, seed: int) -> Split:
    """Each class contributes round(test_fraction * its count) samples to the test set; both
    sets are then shuffled so classes are mixed."""
    rng = np.random.default_rng(seed)
    test = []
    for c in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == c))
        test.append(members[: int(round(test_fraction * len(members)))])
    is_test = np.zeros(len(y), bool)
    is_test[np.concatenate(test)] = True
    train_idx = rng.permutation(np.flatnonzero(~is_test))
    test_idx = rng.permutation(np.flatnonzero(is_test))
    return X[train_idx], y[train_idx], X[test_idx], y[test_idx]


def _interp_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights of 1-D linear interpolation with half-pixel centers (what
    torch's interpolate(mode="bilinear", align_corners=False) and OpenCV do)."""
    src = np.maximum((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0.0)
    lo = np.minimum(np.floor(src).astype(int), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = src - lo
    A = np.zeros((n_out, n_in))
    np.add.at(A, (np.arange(n_out), lo), 1.0 - frac)
    np.add.at(A, (np.arange(n_out), hi), frac)
    return A


def resize_bilinear(images: np.ndarray, size: int) -> np.ndarray:
    """Bilinear resize of the last two axes (..., H, W) -> (..., size, size), half-pixel
    centers (torch's align_corners=False). Each output is a convex mix of inputs, so a
    [0, 1] image stays in [0, 1].

    >>> resize_bilinear(np.array([[0.0, 1.0]]), 4).round(2).tolist()
    [[0.0, 0.25, 0.75, 1.0], [0.0, 0.25, 0.75, 1.0], [0.0, 0.25, 0.75, 1.0], [0.0, 0.25, 0.75, 1.0]]
    """
    h, w = images.shape[-2:]
    rows, cols = _interp_matrix(h, size), _interp_matrix(w, size)
    return np.einsum("ph,...hw,qw->...pq", rows, images, cols)


def digits(size: int = 32, test_fraction: float = 0.2, seed: int = 0) -> Split:
    """scikit-learn's bundled 8x8 handwritten digits (1797 images, classes 0-9), scaled to
    [0, 1] and resized bilinearly to size x size (32 by default, so LeNet-5 applies as in
    the lecture; size=8 gives the raw images). Needs the `data` extra (scikit-learn).

    Returns X_train (N, 1, size, size) float32, y_train (N,) int64, X_test, y_test.

    >>> X, y, Xt, yt = digits(size=8)
    >>> X.shape, Xt.shape, float(X.max())
    ((1438, 1, 8, 8), (359, 1, 8, 8), 1.0)
    """
    _check_fraction("digits", test_fraction)
    if int(size) < 1:
        raise ValueError(f"digits: size must be >= 1, got {size}")
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:
        raise ImportError(
            "pg.data.digits needs scikit-learn (its bundled copy of the digits): "
            "pip install 'pygraph[data]' (or pip install scikit-learn)"
        ) from exc
    bunch = load_digits()
    images = bunch.images / 16.0  # pixel values are counts 0..16
    if size != 8:
        images = resize_bilinear(images, int(size))
    X = images[:, None].astype(np.float32)
    return _stratified_split(X, bunch.target.astype(np.int64), test_fraction, seed)


def draw_shape(kind: str, size: int, center: tuple[float, float], radius: float,
               angle: float = 0.0) -> np.ndarray:  # fmt: skip
    """A filled shape as a (size, size) float32 mask of 0s and 1s; a pixel is in when its
    center is. center is (x, y) in pixels; radius is the circle's radius, half the square's
    side, the equilateral triangle's circumradius; angle (radians) rotates square/triangle.

    >>> int(draw_shape("square", 8, (4, 4), 2).sum())  # a 4x4 square
    16
    """
    if kind not in SHAPES_CLASSES:
        raise ValueError(f"draw_shape: kind must be one of {SHAPES_CLASSES}, got {kind!r}")
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    dx, dy = xx - center[0], yy - center[1]
    # coordinates in the shape's own frame (rotated by -angle)
    u = dx * np.cos(angle) + dy * np.sin(angle)
    v = -dx * np.sin(angle) + dy * np.cos(angle)
    if kind == "circle":
        inside = u * u + v * v <= radius * radius
    elif kind == "square":
        inside = (np.abs(u) <= radius) & (np.abs(v) <= radius)
    else:  # inside all three edges: the edge normals point at 90, 210, 330 degrees
        normals = [np.pi / 2 + k * 2 * np.pi / 3 for k in range(3)]
        inside = np.all([u * np.cos(a) + v * np.sin(a) <= radius / 2 for a in normals], axis=0)
    return inside.astype(np.float32)


def shapes(n: int = 600, size: int = 32, noise: float = 0.1, test_fraction: float = 0.2,
           seed: int = 0) -> Split:  # fmt: skip
    """n generated images of circles, squares and triangles (labels index SHAPES_CLASSES,
    as balanced as n allows): random position, size and rotation, plus Gaussian pixel
    noise of standard deviation `noise`, clipped to [0, 1].

    Returns X_train (N, 1, size, size) float32, y_train (N,) int64, X_test, y_test.

    >>> X, y, Xt, yt = shapes(n=60, size=32, noise=0.0)
    >>> X.shape, Xt.shape, SHAPES_CLASSES[int(y[0])] in SHAPES_CLASSES
    ((48, 1, 32, 32), (12, 1, 32, 32), True)
    """
    _check_fraction("shapes", test_fraction)
    if n < 1 or size < 8 or noise < 0:
        raise ValueError(f"shapes: need n >= 1, size >= 8, noise >= 0; got n={n}, "
                         f"size={size}, noise={noise}")  # fmt: skip
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(n) % len(SHAPES_CLASSES)).astype(np.int64)
    X = np.empty((n, 1, size, size), np.float32)
    for i, label in enumerate(y):
        radius = rng.uniform(0.18, 0.32) * size
        # keep the shape whole, a pixel off the frame: its circumradius is <= radius * sqrt(2)
        margin = min(radius * 1.42 + 1.0, size / 2)
        center = rng.uniform(margin, size - margin, 2)
        angle = rng.uniform(0, 2 * np.pi)
        X[i, 0] = draw_shape(SHAPES_CLASSES[label], size, tuple(center), radius, angle)
    if noise:
        X += rng.normal(0.0, noise, X.shape).astype(np.float32)
        np.clip(X, 0.0, 1.0, out=X)
    return _stratified_split(X, y, test_fraction, seed + 1)


def batches(X: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool = True,
            seed: int | None = 0, drop_last: bool = False) -> Iterator[Batch]:  # fmt: skip
    """Minibatches (X[idx], y[idx]) covering every sample once, in a seeded random order
    (shuffle=True) or in order. drop_last=True skips a short last batch (a compiled step has
    a fixed batch size). Pass a different seed per epoch for a new order each epoch.

    >>> X, y = np.arange(10).reshape(5, 2), np.arange(5)
    >>> [yb.tolist() for _, yb in batches(X, y, 2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    """
    if len(X) != len(y):
        raise ValueError(f"batches: X has {len(X)} samples but y has {len(y)}")
    if batch_size < 1:
        raise ValueError(f"batches: batch_size must be >= 1, got {batch_size}")
    order = np.random.default_rng(seed).permutation(len(X)) if shuffle else np.arange(len(X))
    stop = len(X) - len(X) % batch_size if drop_last else len(X)
    for start in range(0, stop, batch_size):
        idx = order[start : start + batch_size]
        yield X[idx], y[idx]


def shifted(X: np.ndarray, y: np.ndarray, pixels: int = 2) -> Batch:
    """Augmentation: the images (N, C, H, W) and their copies moved `pixels` up, down, left and
    right (the uncovered border filled with zeros), with their labels: 5x the data.

    LeNet-5 needs it to pass 97% on the 1,437 training digits (it overfits them at 96-97%).

    >>> X, y = np.arange(9, dtype=np.float32).reshape(1, 1, 3, 3), np.array([7])
    >>> Xs, ys = shifted(X, y, 1)
    >>> Xs.shape, ys.tolist(), Xs[1, 0].tolist()  # the first copy moved down one pixel
    ((5, 1, 3, 3), [7, 7, 7, 7, 7], [[0.0, 0.0, 0.0], [0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])
    """
    X = np.asarray(X)
    if X.ndim != 4 or len(X) != len(y):
        raise ValueError(f"shifted: X must be (N, C, H, W) with one label each, got X of shape "
                         f"{X.shape} and {len(y)} labels")  # fmt: skip
    k = int(pixels)
    copies = [X]
    for d, axis in ((k, 2), (-k, 2), (k, 3), (-k, 3)):
        moved = np.zeros_like(X)
        src = [slice(None)] * 4
        dst = [slice(None)] * 4
        src[axis] = slice(0, X.shape[axis] - d) if d > 0 else slice(-d, None)
        dst[axis] = slice(d, None) if d > 0 else slice(0, X.shape[axis] + d)
        moved[tuple(dst)] = X[tuple(src)]
        copies.append(moved)
    return np.concatenate(copies), np.tile(np.asarray(y), 5)
