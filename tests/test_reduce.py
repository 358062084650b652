"""Reductions: sum, mean, amax, amin, argmax, argmin and their backward functions.

Oracles: numpy (float64) -> our ref kernels -> every SIMD variant (`isa` fixture), float64
central differences for the backward functions, PyTorch, and hand-checked tiny examples.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import pygraph as pg
from conftest import torch_or_skip

ops = pg.ops
SIZES = [1, 7, 8, 9, 15, 16, 17, 33, 1000]
NP = {"sum": np.sum, "mean": np.mean, "amax": np.amax, "amin": np.amin}


def check_close(op, got, x, axis, keepdims):
    want = NP[op](x.astype(np.float64), axis=axis, keepdims=keepdims)
    assert got.shape == np.shape(want) and got.dtype == x.dtype
    if op in ("amax", "amin"):  # exact: no arithmetic
        np.testing.assert_array_equal(got, want.astype(x.dtype))
    else:  # K float32 adds, accumulated in double per block
        k = x.size // max(1, np.size(want))
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6 * max(k, 1))


@pytest.mark.parametrize("op", list(NP))
def test_inner_and_outer_axis_every_isa(isa, rng, op):
    fn = getattr(ops, op)
    for R, inner in itertools.product(SIZES, [1, 7, 16, 17, 33, 65]):
        x = rng.standard_normal((3, R, inner)).astype(np.float32)
        check_close(op, fn(x, axis=1), x, 1, False)
        if inner == 1:
            y = x.reshape(3, R)
            check_close(op, fn(y, axis=-1), y, -1, False)


@pytest.mark.parametrize("op", list(NP))
@pytest.mark.parametrize(
    "axis", [None, 0, -1, 2, (0, 2), (1, 3), (0, 1, 2, 3), (-1, 0), (), (3, 1, 2)]
)
@pytest.mark.parametrize("keepdims", [False, True])
def test_axis_forms_every_isa(isa, rng, op, axis, keepdims):
    x = rng.standard_normal((5, 17, 3, 33)).astype(np.float32)
    check_close(op, getattr(ops, op)(x, axis=axis, keepdims=keepdims), x, axis, keepdims)


@pytest.mark.parametrize("op", list(NP))
def test_float64_matches_numpy_tightly(rng, op):
    x = rng.standard_normal((4, 9, 33))
    for axis in [None, 0, 1, 2, (0, 2)]:
        np.testing.assert_allclose(getattr(ops, op)(x, axis=axis), NP[op](x, axis=axis), rtol=1e-12)
        assert getattr(ops, op)(x, axis=axis).dtype == np.float64


@pytest.mark.parametrize(
    "shape,axis", [((1_000_000,), None), ((2, 600_000), 1), ((1_000_000, 3), 0), ((300_000, 7), 0)]
)
def test_float32_accumulation_is_accurate(isa, rng, shape, axis):
    # An offset mean makes a naive float32 running sum drift by ~1e-3 relative.
    x = (rng.random(shape) + 1.0).astype(np.float32)
    want = x.astype(np.float64).sum(axis=axis)
    np.testing.assert_allclose(ops.sum(x, axis=axis), want, rtol=1e-5)
    np.testing.assert_allclose(
        ops.mean(x, axis=axis), x.astype(np.float64).mean(axis=axis), rtol=1e-5
    )


def test_results_do_not_depend_on_thread_count(rng):
    x = rng.standard_normal((3, 200_000)).astype(np.float32)
    before = pg.num_threads()
    try:
        pg.set_num_threads(1)
        one = [ops.sum(x, axis=1), ops.sum(x), ops.amax(x, axis=0)]
        pg.set_num_threads(2)
        two = [ops.sum(x, axis=1), ops.sum(x), ops.amax(x, axis=0)]
    finally:
        pg.set_num_threads(before)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("op", ["amax", "amin"])
def test_nan_propagates_every_isa(isa, op):
    for n in [5, 40, 100, 1000]:
        x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
        x[n // 2, 1] = np.nan
        got = getattr(ops, op)(x, axis=0)
        assert np.isnan(got[1]) and not np.isnan(got[0]) and not np.isnan(got[2])
        assert np.isnan(getattr(ops, op)(x.T.copy(), axis=1)[1])
        assert np.isnan(getattr(ops, op)(x))


@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_argmax_argmin_match_numpy(isa, rng, op):
    x = rng.integers(0, 4, (6, 17, 9)).astype(np.float32)  # many ties: first index wins
    for axis in [None, 0, 1, -1]:
        for keepdims in [False, True]:
            got = getattr(ops, op)(x, axis=axis, keepdims=keepdims)
            want = getattr(np, op)(x, axis=axis, keepdims=keepdims)
            assert got.dtype == np.int64
            np.testing.assert_array_equal(got, want)
    y = np.array([1.0, np.nan, 3.0, np.nan])
    assert getattr(ops, op)(y) == getattr(np, op)(y) == 1
    for n in SIZES:  # rows around the SIMD widths, float32 (dispatched) with ties and NaN
        z = rng.integers(0, 5, (3, n)).astype(np.float32)
        np.testing.assert_array_equal(getattr(ops, op)(z, axis=1), getattr(np, op)(z, axis=1))
        z[1, n // 2] = np.nan
        assert getattr(ops, op)(z, axis=-1)[1] == n // 2


def test_hand_checked_examples():
    x = np.array([[1, 2, 3], [4, 5, 6]], np.float32)
    np.testing.assert_array_equal(ops.sum(x), np.float32(21))
    np.testing.assert_array_equal(ops.sum(x, axis=0), [5, 7, 9])
    np.testing.assert_array_equal(ops.sum(x, axis=1, keepdims=True), [[6], [15]])
    np.testing.assert_array_equal(ops.mean(x, axis=0), [2.5, 3.5, 4.5])
    np.testing.assert_array_equal(ops.amax(x, axis=-1), [3, 6])
    np.testing.assert_array_equal(ops.amin(x, axis=0), [1, 2, 3])
    np.testing.assert_array_equal(ops.argmax(x, axis=1), [2, 2])
    assert ops.argmax(x) == 5
    (g,) = ops.sum_backward(np.array([10, 20], np.float32), (2, 3), axis=1)
    np.testing.assert_array_equal(g, [[10, 10, 10], [20, 20, 20]])
    (g,) = ops.mean_backward(np.array([3, 6, 9], np.float32), (2, 3), axis=0)
    np.testing.assert_array_equal(g, [[1.5, 3, 4.5], [1.5, 3, 4.5]])
    # Tie rule: the first maximum (row-major over the reduced axes) takes the whole gradient.
    t = np.array([[5, 1, 5], [2, 7, 7]], np.float32)
    (g,) = ops.amax_backward(np.array([1, 2], np.float32), t, axis=1)
    np.testing.assert_array_equal(g, [[1, 0, 0], [0, 2, 0]])
    (g,) = ops.amax_backward(np.float32(3), t)
    np.testing.assert_array_equal(g, [[0, 0, 0], [0, 3, 0]])
    u = np.array([[[1, 3], [0, 0]], [[3, 2], [5, 5]]], np.float32)  # two reduced runs
    (g,) = ops.amax_backward(np.array([1, 2], np.float32), u, axis=(0, 2))
    np.testing.assert_array_equal(g, [[[0, 1], [0, 0]], [[0, 0], [2, 0]]])
    (g,) = ops.amin_backward(np.array([1, 1, 1], np.float32), t, axis=0)
    np.testing.assert_array_equal(g, [[0, 1, 1], [1, 0, 0]])


def test_empty_and_zero_d_inputs():
    assert ops.sum(np.zeros((3, 0), np.float32), axis=1).tolist() == [0, 0, 0]
    assert ops.amax(np.zeros((0, 3), np.float32), axis=1).shape == (0,)
    assert ops.sum(np.float64(4)) == 4 and ops.sum(np.float64(4)).shape == ()
    assert ops.amax(np.ones((2, 1, 3)), axis=1).shape == (2, 3)


def numeric_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (f(xp) - f(xm)) / (2 * eps)
    return g


@pytest.mark.parametrize("op", ["sum", "mean", "amax", "amin"])
@pytest.mark.parametrize(
    "axis,keepdims", [(None, False), (1, False), ((0, 2), True), (-1, True), ((2, 0), False)]
)
def test_backward_matches_central_differences(rng, op, axis, keepdims):
    x = rng.standard_normal((3, 4, 5))  # distinct values: max/min are differentiable here
    fwd = getattr(ops, op)
    w = rng.standard_normal(np.shape(fwd(x, axis=axis, keepdims=keepdims)))
    if op in ("sum", "mean"):
        (g,) = getattr(ops, f"{op}_backward")(w, x.shape, axis, keepdims)
    else:
        (g,) = getattr(ops, f"{op}_backward")(w, x, axis, keepdims)
    num = numeric_grad(lambda v: float(np.sum(w * fwd(v, axis=axis, keepdims=keepdims))), x)
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-8)


def test_against_torch(rng):
    torch = torch_or_skip()
    for trial in range(20):
        nd = int(rng.integers(1, 5))
        shape = tuple(int(s) for s in rng.integers(1, 12, nd))
        k = int(rng.integers(1, nd + 1))
        axis = tuple(int(a) for a in rng.choice(nd, k, replace=False))
        keep = bool(trial % 2)
        x = rng.standard_normal(shape).astype(np.float32)
        t = torch.tensor(x, requires_grad=True)
        for op, tf in [("sum", torch.sum), ("mean", torch.mean), ("amax", torch.amax)]:
            y = tf(t, dim=axis, keepdim=keep)
            np.testing.assert_allclose(
                getattr(ops, op)(x, axis, keep), y.detach().numpy(), rtol=1e-5, atol=1e-6
            )
            gy = rng.standard_normal(tuple(y.shape)).astype(np.float32)
            (gt,) = torch.autograd.grad(y, t, torch.tensor(gy))
            arg = x.shape if op != "amax" else x
            (g,) = getattr(ops, f"{op}_backward")(gy, arg, axis, keep)
            np.testing.assert_allclose(g, gt.numpy(), rtol=1e-5, atol=1e-6)


def test_amax_backward_ties_match_torch_max_with_dim(rng):
    torch = torch_or_skip()
    x = rng.integers(0, 3, (4, 6, 5)).astype(np.float32)  # many ties
    for axis in [0, 1, 2]:
        t = torch.tensor(x, requires_grad=True)
        vals, _ = torch.max(t, dim=axis)
        gy = rng.standard_normal(tuple(vals.shape)).astype(np.float32)
        (gt,) = torch.autograd.grad(vals, t, torch.tensor(gy))
        (g,) = ops.amax_backward(gy, x, axis, False)
        np.testing.assert_array_equal(g, gt.numpy())


BAD = [
    (
        lambda: ops.sum(np.ones((2, 3)), axis=2),
        ValueError,
        r"sum: axis 2 is out of range .*\(2, 3\)",
    ),
    (lambda: ops.mean(np.ones((2, 3)), axis=-3), ValueError, r"mean: axis -3 is out of range"),
    (
        lambda: ops.amax(np.ones((2, 3)), axis=(1, -1)),
        ValueError,
        r"amax: axis \(1, -1\) names axis 1 twice .*\(2, 3\)",
    ),
    (lambda: ops.amin(np.ones((2, 3)), axis=1.5), TypeError, r"amin: axis must be None, an int"),
    (
        lambda: ops.argmax(np.ones((2, 3)), axis=(0, 1)),
        TypeError,
        r"argmax: axis must be None or an int",
    ),
    (lambda: ops.argmax(np.ones((2, 3)), axis=5), ValueError, r"argmax: axis 5 is out of range"),
    (
        lambda: ops.amax(np.ones((0, 3))),
        ValueError,
        r"amax: cannot reduce over zero elements .*\(0, 3\)",
    ),
    (lambda: ops.mean(np.ones((2, 0)), axis=1), ValueError, r"mean: cannot reduce over zero"),
    (lambda: ops.argmin(np.ones((0,))), ValueError, r"argmin: cannot take the argmin of zero"),
    (lambda: ops.sum(np.ones(3, dtype=complex)), TypeError, r"sum: input must be a real numeric"),
    (
        lambda: ops.sum_backward(np.ones(3), (2, 3), 1, False),
        ValueError,
        r"sum_backward: grad_output has shape \(3,\) but the forward output has shape \(2,\)",
    ),
    (lambda: ops.mean_backward(np.ones(2), (2, 3), 4, False), ValueError, r"mean_backward: axis 4"),
    (
        lambda: ops.amax_backward(np.ones((2, 1)), np.ones((2, 3)), 1, False),
        ValueError,
        r"amax_backward: grad_output has shape \(2, 1\)",
    ),
    (lambda: ops.sum_backward(np.ones(2), "ab", 1, False), TypeError, r"sum_backward: input_shape"),
]


@pytest.mark.parametrize("call,exc,match", BAD)
def test_bad_inputs_raise_clear_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_random_shapes_and_axes_every_isa(isa, rng):
    for _ in range(60):
        nd = int(rng.integers(0, 5))
        shape = tuple(int(s) for s in rng.choice([1, 2, 3, 8, 17, 40], nd))
        k = int(rng.integers(0, nd + 1))
        axis = tuple(int(a) - nd * int(rng.integers(0, 2)) for a in rng.choice(nd, k, False))
        x = rng.standard_normal(shape).astype(np.float32)
        keep = bool(rng.integers(0, 2))
        for op in NP:
            check_close(op, getattr(ops, op)(x, axis=axis, keepdims=keep), x, axis, keep)
