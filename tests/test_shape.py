"""Data movement: transpose, permute, reshape, flatten, concat, pad and their backward functions.

Oracles: numpy (bit-exact: nothing is computed) at every ISA level (`isa` fixture) and tile
size, float64 central differences for the backward functions, PyTorch, hand-checked examples.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import pygraph as pg
from conftest import torch_or_skip

ops = pg.ops
SIZES = [1, 7, 8, 9, 15, 16, 17, 33]


def test_transpose_2d_at_tile_edges_every_isa(isa, rng):
    for r, c in itertools.product(SIZES + [100], SIZES + [100]):
        x = rng.standard_normal((r, c)).astype(np.float32)
        got = ops.transpose(x, 0, 1)
        assert got.flags.c_contiguous
        np.testing.assert_array_equal(got, x.T)
    for shape in [(1040, 1030), (1030, 1040), (1024, 1024)]:  # large: streaming stores, tails
        x = rng.standard_normal(shape).astype(np.float32)
        np.testing.assert_array_equal(ops.transpose(x, 0, 1), x.T)
    x = rng.standard_normal((1000, 33)).astype(np.float32)
    np.testing.assert_array_equal(ops.transpose(x, 1, 0), x.T)
    np.testing.assert_array_equal(ops.transpose(x.T.copy(), -1, -2), x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_permute_all_orders_every_isa(isa, rng, dtype):
    x = (rng.standard_normal((3, 17, 1, 9, 16)) * 100).astype(dtype)
    for perm in itertools.permutations(range(5)):
        got = ops.permute(x, perm)
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, np.transpose(x, perm))
    np.testing.assert_array_equal(ops.permute(x, (-1, 0, 1, 2, 3)), np.moveaxis(x, -1, 0))


def test_nchw_to_nhwc_and_back_every_isa(isa, rng):
    x = rng.standard_normal((2, 33, 7, 9)).astype(np.float32)
    y = ops.permute(x, (0, 2, 3, 1))
    np.testing.assert_array_equal(y, x.transpose(0, 2, 3, 1))
    (back,) = ops.permute_backward(y, (0, 2, 3, 1))
    np.testing.assert_array_equal(back, x)


def test_reshape_and_flatten(rng):
    x = rng.standard_normal((2, 3, 4, 5))
    np.testing.assert_array_equal(ops.reshape(x, (6, -1)), x.reshape(6, -1))
    np.testing.assert_array_equal(ops.reshape(x, 120), x.reshape(120))
    np.testing.assert_array_equal(ops.reshape(np.arange(6), (3, 2)), np.arange(6).reshape(3, 2))
    assert ops.reshape(np.zeros((0, 4)), (4, 0)).shape == (4, 0)
    assert ops.flatten(x).shape == (2, 60)
    assert ops.flatten(x, 0).shape == (120,)
    assert ops.flatten(x, start_axis=1, end_axis=2).shape == (2, 12, 5)
    assert ops.flatten(x, -2, -1).shape == (2, 3, 20)
    assert ops.flatten(np.float32(3), 0).shape == (1,)
    np.testing.assert_array_equal(ops.flatten(x, 1, 2), x.reshape(2, 12, 5))
    (g,) = ops.flatten_backward(ops.flatten(x), x.shape)
    np.testing.assert_array_equal(g, x)
    (g,) = ops.reshape_backward(ops.reshape(x, (-1,)), x.shape)
    np.testing.assert_array_equal(g, x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_concat_and_split(rng, dtype):
    parts = [(rng.standard_normal((4, c, 5)) * 10).astype(dtype) for c in (1, 7, 0, 16)]
    for axis in (1, -2):
        y = ops.concat(parts, axis=axis)
        np.testing.assert_array_equal(y, np.concatenate(parts, axis=axis))
        grads = ops.concat_backward(y, [p.shape for p in parts], axis)
        for g, p in zip(grads, parts):
            np.testing.assert_array_equal(g, p)
        grads = ops.concat_backward(y, [p.shape[1] for p in parts], axis)
        assert [g.shape for g in grads] == [p.shape for p in parts]
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((5, 3))
    np.testing.assert_array_equal(ops.cat([a, b]), np.concatenate([a, b]))
    np.testing.assert_array_equal(ops.concat([a.T, b.T], axis=1), np.concatenate([a, b]).T)


def np_pad(x, pad, mode, value=0):
    widths = [(0, 0)] * x.ndim
    for k in range(len(pad) // 2):
        widths[x.ndim - 1 - k] = (pad[2 * k], pad[2 * k + 1])
    crop = tuple(slice(max(0, -lo), x.shape[d] - max(0, -hi)) for d, (lo, hi) in enumerate(widths))
    widths = [(max(0, lo), max(0, hi)) for lo, hi in widths]
    npmode = {"constant": "constant", "reflect": "reflect", "replicate": "edge"}[mode]
    kw = {"constant_values": value} if mode == "constant" else {}
    return np.pad(x[crop], widths, mode=npmode, **kw)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate"])
def test_pad_matches_numpy(rng, mode):
    x = rng.standard_normal((2, 3, 9, 17)).astype(np.float32)
    for pad in [
        (1, 2),
        (0, 0, 3, 1),
        (2, 2, 1, 1, 1, 0),
        (-2, 3),
        (3, -1, -2, 2),
        (8, 0),
        (1, 1, 1, 1, 1, 1, 1, 1),
    ]:
        if mode == "reflect" and max(pad) >= 3:  # axis 1 has size 3 (reflect needs pad < size)
            if len(pad) > 4 or max(pad[:2]) >= 17 or max(pad[2:4], default=0) >= 9:
                continue
        got = ops.pad(x, pad, mode=mode, value=-1.5)
        np.testing.assert_array_equal(got, np_pad(x, pad, mode, -1.5), err_msg=str(pad))


def test_pad_int64_keeps_dtype():
    y = ops.pad(np.array([[1, 2, 3]]), (1, 1, 1, 0), value=9)
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, [[9, 9, 9, 9, 9], [9, 1, 2, 3, 9]])


def test_hand_checked_examples():
    x = np.array([[1, 2, 3], [4, 5, 6]], np.float32)
    np.testing.assert_array_equal(ops.transpose(x, 0, 1), [[1, 4], [2, 5], [3, 6]])
    np.testing.assert_array_equal(ops.reshape(x, (3, -1)), [[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(ops.concat([x, x[:1]], 0), [[1, 2, 3], [4, 5, 6], [1, 2, 3]])
    np.testing.assert_array_equal(ops.pad(x, (1, 0)), [[0, 1, 2, 3], [0, 4, 5, 6]])
    reflect, replicate = [[3, 2, 1, 2, 3], [6, 5, 4, 5, 6]], [[1, 2, 3, 3, 3], [4, 5, 6, 6, 6]]
    np.testing.assert_array_equal(ops.pad(x, (2, 0), mode="reflect"), reflect)
    np.testing.assert_array_equal(ops.pad(x, (0, 2), mode="replicate"), replicate)
    np.testing.assert_array_equal(ops.pad(x, (-1, 0, 0, -1)), [[2, 3]])
    (g,) = ops.pad_backward(np.array([[1, 1, 1, 1, 1]], np.float32), (1, 3), (2, 0), "reflect")
    np.testing.assert_array_equal(g, [[1, 2, 2]])  # x0 once, x1 twice (itself + mirror), x2 twice
    (g,) = ops.pad_backward(np.array([[1, 2, 3, 4, 5]], np.float32), (1, 3), (0, 2), "replicate")
    np.testing.assert_array_equal(g, [[1, 2, 12]])


def numeric_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = (f(xp) - f(xm)) / (2 * eps)
    return g


@pytest.mark.parametrize(
    "mode,pad",
    [
        ("constant", (1, 2, -1, 1)),
        ("reflect", (2, 1, 1, 2)),
        ("replicate", (3, 0, 0, 2)),
        ("reflect", (-1, 2)),
    ],
)
def test_pad_backward_matches_central_differences(rng, mode, pad):
    x = rng.standard_normal((2, 4, 5))
    w = rng.standard_normal(ops.pad(x, pad, mode=mode).shape)
    (g,) = ops.pad_backward(w, x.shape, pad, mode)
    num = numeric_grad(lambda v: float(np.sum(w * ops.pad(v, pad, mode=mode))), x)
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-8)


def test_movement_backward_matches_central_differences(rng):
    x = rng.standard_normal((2, 3, 4))
    cases = [
        (lambda v: ops.transpose(v, 0, 2), lambda w: ops.transpose_backward(w, 0, 2)),
        (lambda v: ops.permute(v, (1, 2, 0)), lambda w: ops.permute_backward(w, (1, 2, 0))),
        (lambda v: ops.reshape(v, (4, -1)), lambda w: ops.reshape_backward(w, x.shape)),
        (lambda v: ops.flatten(v, 0, 1), lambda w: ops.flatten_backward(w, x.shape)),
    ]
    for fwd, bwd in cases:
        w = rng.standard_normal(fwd(x).shape)
        (g,) = bwd(w)
        np.testing.assert_allclose(
            g, numeric_grad(lambda v: float(np.sum(w * fwd(v))), x), rtol=1e-6, atol=1e-8
        )
    parts = [rng.standard_normal((2, c)) for c in (1, 3)]
    w = rng.standard_normal((2, 4))
    ga, gb = ops.concat_backward(w, [1, 3], 1)
    num = numeric_grad(lambda v: float(np.sum(w * ops.concat([v, parts[1]], 1))), parts[0])
    np.testing.assert_allclose(ga, num, rtol=1e-6, atol=1e-8)


def test_against_torch(rng):
    torch = torch_or_skip()
    F = torch.nn.functional
    for trial in range(30):
        nd = int(rng.integers(1, 5))
        shape = tuple(int(s) for s in rng.integers(3, 9, nd))
        x = rng.standard_normal(shape).astype(np.float32)
        t = torch.tensor(x)
        perm = tuple(int(a) for a in rng.permutation(nd))
        np.testing.assert_array_equal(ops.permute(x, perm), t.permute(perm).contiguous().numpy())
        k = int(rng.integers(1, min(nd, 3) + 1)) if nd >= 2 else 1
        pad = tuple(int(p) for p in rng.integers(-1, 3, 2 * k))
        mode = ["constant", "reflect", "replicate"][trial % 3]
        if mode != "constant":
            pad = tuple(max(0, p) for p in pad)
            if nd not in (k + 1, k + 2):  # torch's reflect/replicate want (N,) C + k axes
                continue
        tx = t.clone().requires_grad_(True)
        kw = {"value": 0.5} if mode == "constant" else {}
        y = F.pad(tx, pad, mode=mode, **kw)
        got = ops.pad(x, pad, mode=mode, value=0.5)
        np.testing.assert_array_equal(got, y.detach().numpy())
        gy = rng.standard_normal(tuple(y.shape)).astype(np.float32)
        (gt,) = torch.autograd.grad(y, tx, torch.tensor(gy))
        (g,) = ops.pad_backward(gy, shape, pad, mode)
        np.testing.assert_allclose(g, gt.numpy(), rtol=1e-5, atol=1e-6)
        axis = int(rng.integers(-nd, nd))
        other = list(shape)
        other[axis] = 3
        z = rng.standard_normal(other).astype(np.float32)
        want = torch.cat([t, torch.tensor(z)], axis).numpy()
        np.testing.assert_array_equal(ops.cat([x, z], axis), want)


BAD = [
    (
        lambda: ops.transpose(np.ones((2, 3)), 0, 2),
        ValueError,
        r"transpose: axis1 = 2 is out of range .*\(2, 3\)",
    ),
    (
        lambda: ops.permute(np.ones((2, 3)), (0, 0)),
        ValueError,
        r"permute: axes \(0, 0\) is not a permutation .*\(2, 3\)",
    ),
    (
        lambda: ops.permute(np.ones((2, 3)), (0,)),
        ValueError,
        r"permute: axes \(0,\) has 1 entries but input has 2 dims",
    ),
    (lambda: ops.permute_backward(np.ones((2, 3)), (1, 2)), ValueError, r"permute_backward: axes"),
    (
        lambda: ops.reshape(np.ones((2, 3)), (4, 2)),
        ValueError,
        r"reshape: cannot reshape input of shape \(2, 3\) \(6 elements\) into \(4, 2\)",
    ),
    (
        lambda: ops.reshape(np.ones((2, 3)), (-1, -1)),
        ValueError,
        r"reshape: shape \(-1, -1\) has more than one -1",
    ),
    (lambda: ops.reshape(np.ones((2, 3)), (-1, 4)), ValueError, r"reshape: cannot infer the -1"),
    (
        lambda: ops.reshape(np.ones((2, 3)), (-2, -3)),
        ValueError,
        r"reshape: shape \(-2, -3\) has a negative size",
    ),
    (
        lambda: ops.flatten(np.ones((2, 3)), 1, 0),
        ValueError,
        r"flatten: start_axis \(1\) must not come after end_axis",
    ),
    (
        lambda: ops.flatten(np.ones((2, 3)), 3),
        ValueError,
        r"flatten: start_axis = 3 is out of range",
    ),
    (lambda: ops.concat([]), ValueError, r"concat: tensors is empty"),
    (
        lambda: ops.concat([np.ones((2, 3)), np.ones(3)]),
        ValueError,
        r"concat: tensors\[1\] has 1 dims \(shape \(3,\)\) but tensors\[0\] has 2",
    ),
    (
        lambda: ops.concat([np.ones((2, 3)), np.ones((2, 3)), np.ones((2, 4))]),
        ValueError,
        r"concat: tensors\[2\] has shape \(2, 4\) but tensors\[0\] has shape \(2, 3\); "
        r"they must agree on every axis except axis 0",
    ),
    (
        lambda: ops.concat([np.ones(2, np.float32), np.ones(2)]),
        TypeError,
        r"concat: tensors\[1\] is float64 but tensors\[0\] is float32",
    ),
    (
        lambda: ops.concat([np.ones(2), np.ones(2)], axis=1),
        ValueError,
        r"concat: axis = 1 is out of range",
    ),
    (lambda: ops.concat([np.float32(1)]), ValueError, r"concat: tensors\[0\] is 0-dimensional"),
    (lambda: ops.concat(np.ones((2, 2))), TypeError, r"concat: tensors must be a list"),
    (
        lambda: ops.concat_backward(np.ones((4, 2)), [1, 2], 0),
        ValueError,
        r"concat_backward: the shapes add up to 3 along axis 0",
    ),
    (lambda: ops.pad(np.ones((2, 3)), (1, 2, 3)), ValueError, r"pad: pad must have an even length"),
    (
        lambda: ops.pad(np.ones((2, 3)), (1,) * 6),
        ValueError,
        r"pad: pad \(1, 1, 1, 1, 1, 1\) pads 3 axes but input has 2 dims \(shape \(2, 3\)\)",
    ),
    (
        lambda: ops.pad(np.ones((2, 3)), (3, 0), mode="reflect"),
        ValueError,
        r"pad: reflect padding \(3, 0\) on axis 1 must be smaller than its size 3",
    ),
    (
        lambda: ops.pad(np.ones((2, 3)), (-2, -2)),
        ValueError,
        r"pad: pad \(-2, -2\) on axis 1 of size 3 gives a negative size",
    ),
    (
        lambda: ops.pad(np.ones((2, 3)), (1, 1), mode="circular"),
        ValueError,
        r"pad: mode must be 'constant', 'reflect' or 'replicate'",
    ),
    (
        lambda: ops.pad_backward(np.ones((2, 4)), (2, 3), (1, 2), "constant"),
        ValueError,
        r"pad_backward: grad_output has shape \(2, 4\) but the padded output has shape \(2, 6\)",
    ),
    (
        lambda: ops.transpose(np.ones(2, dtype=complex), 0, 0),
        TypeError,
        r"transpose: input must be a real numeric",
    ),
    (
        lambda: ops.permute(np.ones((2, 2)), "ab"),
        TypeError,
        r"permute: axes must be a sequence of ints",
    ),
]


@pytest.mark.parametrize("call,exc,match", BAD)
def test_bad_inputs_raise_clear_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_random_permutes_every_isa(isa, rng):
    for _ in range(60):
        nd = int(rng.integers(1, 6))
        shape = tuple(int(s) for s in rng.choice([1, 2, 3, 16, 17, 40], nd))
        x = rng.standard_normal(shape).astype(np.float32)
        perm = tuple(int(a) for a in rng.permutation(nd))
        np.testing.assert_array_equal(ops.permute(x, perm), np.transpose(x, perm))
