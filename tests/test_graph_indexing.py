"""Tensor indexing, pg.slice, pg.split and pg.chunk in the graph.

Oracles: numpy's own indexing for values, float64 central differences of the compiled
forward for gradients.
"""

from __future__ import annotations

import numpy as np
import pytest

import pygraph as pg
from conftest import central_difference

KEYS = [
    1,
    -1,
    (slice(None), 1),
    (slice(1, 3),),
    (Ellipsis, -2),
    (0, slice(None), slice(2, 5)),
    (None, 2),
    (slice(None), None, slice(0, 1), -1),
    (Ellipsis,),
    (slice(-3, None), 4, 0),
    (slice(5, 2),),  # empty
]


@pytest.mark.parametrize("key", KEYS, ids=[repr(k) for k in KEYS])
def test_indexing_matches_numpy_values_and_gradients(key, rng):
    x_val = rng.standard_normal((4, 5, 6))
    want = x_val[key]
    x = pg.input((4, 5, 6), dtype="float64", name="x")
    y = x[key]
    assert y.shape == want.shape
    np.testing.assert_array_equal(pg.compile(y)(x=x_val), want)
    if want.size == 0:
        return
    weights = rng.standard_normal(want.shape)
    loss = (y * weights).sum()
    (g,) = pg.grad(loss, [x])
    f, df = pg.compile(loss), pg.compile(g)
    numeric = central_difference(lambda v: float(f(x=v)), x_val)
    np.testing.assert_allclose(df(x=x_val), numeric, rtol=1e-6, atol=1e-8)
    manual = np.zeros_like(x_val)
    manual[key] = weights  # the gradient of a pick is the weights scattered back
    np.testing.assert_allclose(df(x=x_val), manual, rtol=1e-12)


def test_split_and_chunk_match_numpy(rng):
    x_val = rng.standard_normal((3, 10)).astype(np.float32)
    x = pg.input((3, 10), name="x")
    pieces = pg.split(x, 4, axis=1)
    assert [p.shape for p in pieces] == [(3, 4), (3, 4), (3, 2)]
    got = pg.compile(pieces)(x=x_val)
    for a, b in zip(got, np.split(x_val, [4, 8], axis=1)):
        np.testing.assert_array_equal(a, b)
    got = pg.compile(pg.split(x, [1, 0, 9], axis=-1))(x=x_val)
    assert [a.shape for a in got] == [(3, 1), (3, 0), (3, 9)]
    np.testing.assert_array_equal(np.concatenate(got, axis=1), x_val)
    gates = pg.chunk(x, 5, axis=1)  # an LSTM-style gate split
    assert [p.shape for p in gates] == [(3, 2)] * 5
    np.testing.assert_array_equal(pg.compile(gates[3])(x=x_val), x_val[:, 6:8])


def test_chunked_gates_gradient_matches_finite_differences(rng):
    x_val = rng.standard_normal((2, 8))
    x = pg.input((2, 8), dtype="float64", name="x")
    i, f, g, o = pg.chunk(x, 4, axis=1)
    loss = (pg.sigmoid(i) * pg.tanh(g) + pg.sigmoid(f) * pg.sigmoid(o)).sum()
    (grad,) = pg.grad(loss, [x])
    fl, dg = pg.compile(loss), pg.compile(grad)
    numeric = central_difference(lambda v: float(fl(x=v)), x_val)
    np.testing.assert_allclose(dg(x=x_val), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    "key,error,match",
    [
        (4, IndexError, r"index 4 is out of range for axis 0 of size 4 \(shape \(4, 5, 6\)\)"),
        ((0, 0, 0, 0), IndexError, r"too many indices \(4\) for a tensor of shape \(4, 5, 6\)"),
        ((Ellipsis, Ellipsis), IndexError, "single ellipsis"),
        (slice(None, None, 2), ValueError, "steps other than 1 are not supported"),
        ([0, 1], TypeError, "only ints, slices"),
        (1.5, TypeError, "only ints, slices"),
    ],
)
def test_bad_indices_raise_clear_errors(key, error, match):
    x = pg.input((4, 5, 6), name="x")
    with pytest.raises(error, match=match):
        x[key]


def test_bad_split_and_slice_arguments():
    x = pg.input((2, 10), name="x")
    with pytest.raises(ValueError, match=r"sections \[3, 3\] must be >= 0 and add up to 10"):
        pg.split(x, [3, 3], axis=1)
    with pytest.raises(ValueError, match="split_size must be positive"):
        pg.split(x, 0)
    with pytest.raises(ValueError, match="chunks must be positive"):
        pg.chunk(x, 0)
    with pytest.raises(ValueError, match=r"slice: \[2:12\] is not a range within axis 1"):
        pg.slice(x, 1, 2, 12)
