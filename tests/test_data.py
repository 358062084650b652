"""pg.data: the digits against scikit-learn's copy and torch's bilinear resize, the generated
shapes against the geometry they claim (areas, a rotation-invariant shape measure), batches."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import pygraph as pg
from conftest import torch_or_skip


def _sorted_rows(a: np.ndarray) -> np.ndarray:
    flat = a.reshape(len(a), -1)
    return flat[np.lexsort(flat.T[::-1])]


def test_digits_raw_is_sklearns_copy_scaled_and_split_by_class():
    datasets = pytest.importorskip("sklearn.datasets")
    bunch = datasets.load_digits()
    X, y, Xt, yt = pg.data.digits(size=8, test_fraction=0.25, seed=3)
    assert X.dtype == Xt.dtype == np.float32 and y.dtype == yt.dtype == np.int64
    assert X.shape[1:] == (1, 8, 8) and len(X) + len(Xt) == len(bunch.images)
    # together the two sets are the dataset, each image once with its label
    ours = np.concatenate([np.concatenate([X, Xt]).reshape(-1, 64), np.r_[y, yt][:, None]], 1)
    theirs = np.concatenate([bunch.images.reshape(-1, 64) / 16.0, bunch.target[:, None]], 1)
    np.testing.assert_array_equal(_sorted_rows(ours), _sorted_rows(theirs.astype(np.float32)))
    for c in range(10):  # stratified: each class gives round(25%) of its images to the test set
        assert np.sum(yt == c) == round(0.25 * np.sum(bunch.target == c))
    assert X.min() == 0.0 and X.max() == 1.0


def test_digits_split_is_seeded():
    pytest.importorskip("sklearn")
    a, b = pg.data.digits(size=8, seed=1), pg.data.digits(size=8, seed=1)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[1], pg.data.digits(size=8, seed=2)[1])


def test_digits_upsampled_is_torch_bilinear_of_the_raw_images():
    pytest.importorskip("sklearn")
    torch = torch_or_skip()
    X8, y8, _, _ = pg.data.digits(size=8, seed=0)
    X32, y32, Xt32, _ = pg.data.digits(seed=0)
    assert X32.shape[1:] == (1, 32, 32) and Xt32.dtype == np.float32
    np.testing.assert_array_equal(y8, y32)  # the split does not depend on the size
    ref = torch.nn.functional.interpolate(torch.tensor(X8, dtype=torch.float64), size=(32, 32),
                                          mode="bilinear", align_corners=False)  # fmt: skip
    np.testing.assert_allclose(X32, ref.numpy(), rtol=1e-6, atol=1e-7)  # float32 rounding
    assert 0.0 <= X32.min() and X32.max() <= 1.0


@pytest.mark.parametrize("hw,size", [((8, 8), 32), ((8, 8), 13), ((5, 7), 3), ((4, 4), 4)])
def test_resize_bilinear_matches_torch(hw, size, rng):
    torch = torch_or_skip()
    x = rng.random((2, 3, *hw))
    ref = torch.nn.functional.interpolate(torch.tensor(x), size=(size, size), mode="bilinear",
                                          align_corners=False)  # fmt: skip
    np.testing.assert_allclose(pg.data.resize_bilinear(x, size), ref.numpy(), rtol=1e-12)


def test_digits_without_sklearn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # makes the import fail
    with pytest.raises(ImportError, match=r"pygraph\[data\]"):
        pg.data.digits()


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"digits: test_fraction must be in \[0, 1\), got 1.5"):
        pg.data.digits(test_fraction=1.5)
    with pytest.raises(ValueError, match=r"shapes: need n >= 1, size >= 8"):
        pg.data.shapes(n=0)
    with pytest.raises(ValueError, match=r"draw_shape: kind must be one of"):
        pg.data.draw_shape("hexagon", 8, (4, 4), 2)


@pytest.mark.parametrize("angle", [0.0, 0.3, 1.1])
def test_draw_shape_areas_match_geometry(angle):
    # pixel counts of large shapes approach the exact area (boundary pixels: ~perimeter / 2)
    size, r, c = 128, 40.0, (64.0, 64.0)
    areas = {"circle": np.pi * r * r, "square": 4 * r * r, "triangle": 3 * np.sqrt(3) / 4 * r * r}
    for kind, area in areas.items():
        mask = pg.data.draw_shape(kind, size, c, r, angle)
        assert set(np.unique(mask)) == {0.0, 1.0}
        np.testing.assert_allclose(mask.sum(), area, rtol=0.01, err_msg=kind)


def _compactness(mask: np.ndarray) -> float:
    """area / (largest distance from the centroid)^2: pi for a circle, 2 for a square,
    3 sqrt(3) / 4 = 1.30 for an equilateral triangle, whatever the position, size, rotation."""
    ys, xs = np.nonzero(mask)
    d2 = (xs - xs.mean()) ** 2 + (ys - ys.mean()) ** 2
    return len(xs) / (np.sqrt(d2.max()) + 0.5) ** 2  # + half a pixel: to the pixel's edge


def test_shapes_labels_name_what_is_drawn():
    X, y, Xt, yt = pg.data.shapes(n=300, size=32, noise=0.0, seed=5)
    X, y = np.concatenate([X, Xt]), np.concatenate([y, yt])
    assert X.dtype == np.float32 and y.dtype == np.int64 and X.shape == (300, 1, 32, 32)
    assert np.bincount(y).tolist() == [100, 100, 100]
    assert set(np.unique(X)) == {0.0, 1.0}
    # nothing cut off at the frame: the border rows and columns stay empty
    assert X[:, 0, [0, -1], :].max() == 0 and X[:, 0, :, [0, -1]].max() == 0
    measure = np.array([_compactness(img[0]) for img in X])
    guess = np.where(measure > 2.5, 0, np.where(measure > 1.75, 1, 2))  # circle, square, triangle
    assert np.mean(guess == y) > 0.95, np.mean(guess == y)
    assert pg.data.SHAPES_CLASSES == ("circle", "square", "triangle")


def test_shapes_noise_split_and_seed():
    X, y, Xt, yt = pg.data.shapes(n=100, size=16, noise=0.2, test_fraction=0.3, seed=0)
    assert X.shape == (70, 1, 16, 16) and Xt.shape == (30, 1, 16, 16)
    assert 0.0 <= min(X.min(), Xt.min()) and max(X.max(), Xt.max()) <= 1.0
    assert len(np.unique(X)) > 100  # noisy, no longer a mask
    for c in range(3):  # classes of 34, 33, 33: round(30%) of each in the test set
        assert np.sum(yt == c) == round(0.3 * np.sum(np.r_[y, yt] == c))
    again = pg.data.shapes(n=100, size=16, noise=0.2, test_fraction=0.3, seed=0)
    np.testing.assert_array_equal(again[0], X)
    assert not np.array_equal(pg.data.shapes(n=100, size=16, seed=1)[0], X)


def test_batches_cover_every_sample_once():
    X, y = np.arange(23 * 2).reshape(23, 2), np.arange(23)
    got = list(pg.data.batches(X, y, 5, shuffle=True, seed=4))
    assert [len(yb) for _, yb in got] == [5, 5, 5, 5, 3]
    order = np.concatenate([yb for _, yb in got])
    assert sorted(order.tolist()) == list(range(23)) and order.tolist() != list(range(23))
    for xb, yb in got:
        np.testing.assert_array_equal(xb, X[yb])  # rows stay with their labels
    again = np.concatenate([yb for _, yb in pg.data.batches(X, y, 5, seed=4)])
    np.testing.assert_array_equal(order, again)
    dropped = list(pg.data.batches(X, y, 5, shuffle=False, drop_last=True))
    assert [yb.tolist()[0] for _, yb in dropped] == [0, 5, 10, 15] and len(dropped[-1][1]) == 5


def test_batches_errors():
    with pytest.raises(ValueError, match="batches: X has 3 samples but y has 2"):
        next(pg.data.batches(np.zeros((3, 1)), np.zeros(2), 2))
    with pytest.raises(ValueError, match="batches: batch_size must be >= 1, got 0"):
        next(pg.data.batches(np.zeros((3, 1)), np.zeros(3), 0))
