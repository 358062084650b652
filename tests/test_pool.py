"""Pooling: hand-checked examples, a numpy oracle, every ISA level, finite differences, torch."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import pygraph as pg
from conftest import torch_or_skip

P = pg.ops
same = np.testing.assert_array_equal


def close(actual, expected, rtol=1e-5, atol=1e-6):
    """float32 against torch or float64: a few roundings of sums and divisions."""
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


# ---------------------------------------------------------------- numpy oracle
def out_len(L, k, s, p, d=1, ceil=False):
    span = L + 2 * p - d * (k - 1) - 1
    n = (span + (s - 1 if ceil else 0)) // s + 1
    if ceil and (n - 1) * s >= L + p:
        n -= 1
    return n


def np_max_pool2d(x, k, s, p, d=(1, 1), ceil=False):
    N, C, H, W = x.shape
    Po, Qo = out_len(H, k[0], s[0], p[0], d[0], ceil), out_len(W, k[1], s[1], p[1], d[1], ceil)
    y = np.empty((N, C, Po, Qo), x.dtype)
    idx = np.empty((N, C, Po, Qo), np.int64)
    for i, j in itertools.product(range(Po), range(Qo)):
        hs = [i * s[0] - p[0] + a * d[0] for a in range(k[0])]
        ws = [j * s[1] - p[1] + b * d[1] for b in range(k[1])]
        flat = [h * W + w for h in hs for w in ws if 0 <= h < H and 0 <= w < W]
        vals = x.reshape(N, C, H * W)[:, :, flat]
        arg = np.argmax(vals, axis=2)  # first maximum, as torch
        y[:, :, i, j] = np.take_along_axis(vals, arg[..., None], 2)[..., 0]
        idx[:, :, i, j] = np.array(flat)[arg]
    return y, idx


def np_avg_pool2d(x, k, s, p, ceil=False, cip=True, div=None):
    N, C, H, W = x.shape
    Po, Qo = out_len(H, k[0], s[0], p[0], 1, ceil), out_len(W, k[1], s[1], p[1], 1, ceil)
    y = np.empty((N, C, Po, Qo), x.dtype)
    for i, j in itertools.product(range(Po), range(Qo)):
        h0, w0 = i * s[0] - p[0], j * s[1] - p[1]
        h1, w1 = min(h0 + k[0], H + p[0]), min(w0 + k[1], W + p[1])
        padded = (h1 - h0) * (w1 - w0)
        h0, w0, h1, w1 = max(h0, 0), max(w0, 0), min(h1, H), min(w1, W)
        n = div or (padded if cip else (h1 - h0) * (w1 - w0))
        y[:, :, i, j] = x[:, :, h0:h1, w0:w1].sum(axis=(2, 3)) / n
    return y


def np_adaptive_avg_pool2d(x, out):
    H, W = x.shape[2:]
    y = np.empty(x.shape[:2] + tuple(out), x.dtype)
    for i, j in itertools.product(range(out[0]), range(out[1])):
        h0, h1 = i * H // out[0], -(-(i + 1) * H // out[0])
        w0, w1 = j * W // out[1], -(-(j + 1) * W // out[1])
        y[:, :, i, j] = x[:, :, h0:h1, w0:w1].mean(axis=(2, 3))
    return y


# ---------------------------------------------------------------- hand-checked
X44 = np.array([[1, 2, 5, 0], [3, 4, 1, 8], [0, 6, 2, 2], [7, 1, 3, 9]], np.float32)[None, None]


def test_max_pool_2x2_by_hand():
    y, i = P.max_pool2d(X44, 2, return_indices=True)
    same(P.max_pool2d_backward(np.ones((1, 1, 2, 2)), X44, 2, indices=i)[0].sum(), 4)
    same(y[0, 0], [[4, 8], [7, 9]])
    same(i[0, 0], [[5, 7], [12, 15]])
    (g,) = P.max_pool2d_backward(np.ones((1, 1, 2, 2)), X44, 2)
    same(g[0, 0], [[0, 0, 0, 0], [0, 1, 0, 1], [0, 0, 0, 0], [1, 0, 0, 1]])
    unpooled = np.where(g[0, 0] > 0, X44[0, 0], 0)
    same(P.max_unpool2d(y, i, 2)[0, 0], unpooled)


def test_avg_pool_2x2_by_hand():
    same(P.avg_pool2d(X44, 2)[0, 0], [[2.5, 3.5], [3.5, 4]])
    (g,) = P.avg_pool2d_backward(np.full((1, 1, 2, 2), 4.0), X44, 2)
    same(g, np.ones_like(X44))
    # 3x3 stride 2 pad 1 at the corner: 4 real taps; /9 with the padding counted, /4 without
    assert P.avg_pool2d(X44, 3, 2, 1)[0, 0, 0, 0] == pytest.approx(10 / 9)
    assert P.avg_pool2d(X44, 3, 2, 1, count_include_pad=False)[0, 0, 0, 0] == 2.5
    assert P.avg_pool2d(X44, 3, 2, 1, divisor_override=2)[0, 0, 0, 0] == 5.0


def test_ceil_mode_and_output_size_rule():
    assert P.pool_output_size(5, 2, 2) == 2 and P.pool_output_size(5, 2, 2, ceil_mode=True) == 3
    # the last window would start in the right padding: dropped (torch's rule)
    assert P.pool_output_size(5, 2, 2, padding=1, ceil_mode=True) == 3  # not 4
    assert P.max_pool2d(np.zeros((1, 1, 5, 5)), 2, ceil_mode=True).shape == (1, 1, 3, 3)


def test_global_and_adaptive_by_hand():
    same(P.global_avg_pool2d(X44).ravel(), [X44.mean()])
    same(P.global_max_pool2d(X44).ravel(), [9])
    same(
        P.adaptive_avg_pool1d(np.array([[[1.0, 2, 3, 4, 5]]]), 2), [[[2.0, 4.0]]]
    )  # windows [0,3) and [2,5) overlap
    same(P.adaptive_avg_pool2d(X44, 2), P.avg_pool2d(X44, 2))


def test_ties_go_to_first_maximum_and_nan_wins():
    x = np.zeros((1, 1, 2, 34), np.float32)
    _, i = P.max_pool2d(x, 2, return_indices=True)
    same(i[0, 0, 0], np.arange(0, 34, 2))
    x[0, 0, 1, 5] = np.nan
    y = P.max_pool2d(x, 2)
    assert np.isnan(y[0, 0, 0, 2]) and not np.isnan(y[0, 0, 0, 3])
    assert np.isnan(P.global_max_pool2d(x)).all()


# ---------------------------------------------------------------- numpy oracle, ref level
CONFIGS = [  # kernel, stride, padding, dilation, ceil
    ((2, 2), (2, 2), (0, 0), (1, 1), False),
    ((3, 3), (2, 2), (1, 1), (1, 1), False),
    ((3, 3), (1, 1), (1, 1), (1, 1), False),
    ((3, 2), (2, 1), (1, 0), (1, 1), True),
    ((3, 3), (3, 3), (1, 0), (2, 1), True),
    ((5, 4), (3, 2), (2, 1), (1, 2), False),
    ((1, 1), (1, 1), (0, 0), (1, 1), False),
]


@pytest.mark.parametrize("k,s,p,d,ceil", CONFIGS)
def test_ref_matches_numpy(k, s, p, d, ceil, rng):
    pg.set_isa("ref")
    x = rng.standard_normal((2, 3, 11, 13))
    y, i = P.max_pool2d(x, k, s, p, d, ceil, return_indices=True)
    ey, ei = np_max_pool2d(x, k, s, p, d, ceil)
    same(y, ey)
    same(i, ei)
    for cip in (True, False):
        expected = np_avg_pool2d(x, k, s, p, ceil, cip)
        close(P.avg_pool2d(x, k, s, p, ceil, cip), expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("out", [(1, 1), (6, 6), (5, 3), (11, 13), (13, 17)])
def test_adaptive_matches_numpy(out, rng):
    x = rng.standard_normal((2, 3, 11, 13))
    close(P.adaptive_avg_pool2d(x, out), np_adaptive_avg_pool2d(x, out), rtol=1e-12, atol=0)
    expected = np_adaptive_avg_pool2d(x[:, :, :1], (1, out[1]))[:, :, 0]
    close(P.adaptive_avg_pool1d(x[:, :, 0], out[1]), expected, rtol=1e-12, atol=0)


# ---------------------------------------------------------------- every ISA vs ref
WIDTHS = [1, 7, 8, 9, 15, 16, 17, 33, 40]
SIMD_CONFIGS = CONFIGS[:6] + [
    ((2, 2), (2, 2), (0, 0), (1, 1), True),  # ceil mode: a last window hanging over the edge
    ((2, 2), (3, 3), (1, 1), (1, 1), False),  # stride 3: gathers
    ((4, 1), (1, 4), (2, 0), (1, 1), False),
]


def _ref_then_isa(isa, fn):
    pg.set_isa("ref")
    expected = fn()
    pg.set_isa(isa)
    return expected, fn()


@pytest.mark.parametrize("k,s,p,d,ceil", SIMD_CONFIGS)
def test_every_isa_matches_ref(isa, k, s, p, d, ceil, rng):
    for w in WIDTHS:
        x = rng.standard_normal((2, 3, 7, w * s[1] + k[1] + w % 2)).astype(np.float32)
        row = x[0, 0, 1]
        row[0::2][: row[1::2].size] = row[1::2]  # exact ties inside windows
        e, got = _ref_then_isa(isa, lambda: P.max_pool2d(x, k, s, p, d, ceil, return_indices=True))
        same(got[0], e[0])
        same(got[1], e[1])
        dy = rng.standard_normal(e[0].shape).astype(np.float32)
        e, got = _ref_then_isa(isa, lambda: P.max_pool2d_backward(dy, x, k, s, p, d, ceil))
        same(got[0], e[0])
        dy = rng.standard_normal(P.avg_pool2d(x, k, s, p, ceil).shape).astype(np.float32)
        for cip in (True, False):
            e, got = _ref_then_isa(isa, lambda: P.avg_pool2d(x, k, s, p, ceil, cip))
            np.testing.assert_allclose(got, e, rtol=1e-6)  # same tap order: equal in practice
            e, got = _ref_then_isa(isa, lambda: P.avg_pool2d_backward(dy, x, k, s, p, ceil, cip))
            # overlapping windows add into dx in another order: a few ulps of the sums
            np.testing.assert_allclose(got[0], e[0], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("L", [1, 7, 8, 9, 15, 16, 17, 33, 49, 1000])
def test_global_every_isa_matches_ref(isa, L, rng):
    x = rng.standard_normal((3, 5, 1, L)).astype(np.float32)
    e, got = _ref_then_isa(isa, lambda: P.global_avg_pool2d(x))
    np.testing.assert_allclose(got, e, rtol=1e-5, atol=1e-6 * L)
    e, got = _ref_then_isa(isa, lambda: P.global_max_pool2d(x))
    same(got, e)
    e, got = _ref_then_isa(isa, lambda: P.global_max_pool2d_backward(np.ones((3, 5, 1, 1)), x))
    same(got[0], e[0])


def test_1d_every_isa_matches_ref(isa, rng):
    x = rng.standard_normal((2, 4, 37)).astype(np.float32)
    e, got = _ref_then_isa(isa, lambda: P.max_pool1d(x, 3, 2, 1, return_indices=True))
    same(got[1], e[1])
    same(got[0], np_max_pool2d(x[:, :, None], (1, 3), (1, 2), (0, 1))[0][:, :, 0])
    e, got = _ref_then_isa(isa, lambda: P.avg_pool1d(x, 4, 3, 2, True, False))
    np.testing.assert_allclose(got, e, rtol=1e-6)


def test_random_configs_every_isa_match_ref(isa, rng):
    for _ in range(150):
        k, s = tuple(rng.integers(1, 6, 2)), tuple(rng.integers(1, 5, 2))
        p, d = tuple(int(rng.integers(0, kk // 2 + 1)) for kk in k), tuple(rng.integers(1, 3, 2))
        ceil, cip = bool(rng.integers(2)), bool(rng.integers(2))
        x = np.round(rng.standard_normal((1, 2, *rng.integers(1, 45, 2))), 1).astype(np.float32)
        try:
            e = _ref_then_isa(isa, lambda: P.max_pool2d(x, k, s, p, d, ceil, return_indices=True))
        except ValueError:  # kernel larger than the padded input, or windows of pure padding
            continue
        same(e[1][0], e[0][0])
        same(e[1][1], e[0][1])
        dy = rng.standard_normal(e[0][0].shape).astype(np.float32)
        e = _ref_then_isa(isa, lambda: P.max_pool2d_backward(dy, x, k, s, p, d, ceil))
        same(e[1][0], e[0][0])
        try:
            e = _ref_then_isa(isa, lambda: P.avg_pool2d(x, k, s, p, ceil, cip))
        except ValueError:
            continue
        close(e[1], e[0], rtol=1e-6, atol=0)
        dy = rng.standard_normal(e[0].shape).astype(np.float32)
        e = _ref_then_isa(isa, lambda: P.avg_pool2d_backward(dy, x, k, s, p, ceil, cip))
        close(e[1][0], e[0][0], rtol=1e-6, atol=1e-6)


def test_float32_and_float64_agree(rng):
    x = rng.standard_normal((2, 8, 20, 20))
    x32 = x.astype(np.float32)
    close(P.avg_pool2d(x32, 3, 2, 1), P.avg_pool2d(x, 3, 2, 1))
    same(P.max_pool2d(x32, 3, 2, 1), P.max_pool2d(x, 3, 2, 1).astype(np.float32))


# ---------------------------------------------------------------- gradients: finite differences
def _numeric_grad(f, x, dy, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = ((f(xp) - f(xm)) * dy).sum() / (2 * eps)
    return g


def _distinct(rng, shape):
    # values 0.01 apart, so a 1e-6 step never changes an argmax (max pooling away from ties)
    return rng.permutation(np.prod(shape)).reshape(shape) * 0.01 + 0.0


BACKWARD_CASES = [
    ("max_pool2d", dict(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=True)),
    ("max_pool2d", dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0), dilation=(2, 1))),
    ("avg_pool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    (
        "avg_pool2d",
        dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    ),
    ("avg_pool2d", dict(kernel_size=(2, 3), stride=1, divisor_override=5)),
    ("adaptive_avg_pool2d", dict(output_size=(3, 4))),
    ("global_avg_pool2d", {}),
    ("global_max_pool2d", {}),
]


@pytest.mark.parametrize("op,kw", BACKWARD_CASES)
def test_backward_matches_finite_differences(op, kw, rng):
    x = _distinct(rng, (2, 2, 5, 6))
    fwd, bwd = getattr(P, op), getattr(P, op + "_backward")
    dy = rng.standard_normal(fwd(x, **kw).shape)
    (g,) = bwd(dy, x, **kw)
    close(g, _numeric_grad(lambda v: fwd(v, **kw), x, dy), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    "op,kw",
    [
        ("max_pool1d", dict(kernel_size=3, stride=2, padding=1)),
        ("avg_pool1d", dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
        ("adaptive_avg_pool1d", dict(output_size=4)),
    ],
)
def test_1d_backward_matches_finite_differences(op, kw, rng):
    x = _distinct(rng, (2, 3, 9))
    fwd, bwd = getattr(P, op), getattr(P, op + "_backward")
    dy = rng.standard_normal(fwd(x, **kw).shape)
    close(bwd(dy, x, **kw)[0], _numeric_grad(lambda v: fwd(v, **kw), x, dy), rtol=1e-6, atol=1e-8)


def test_unpool_backward_matches_finite_differences(rng):
    x = _distinct(rng, (2, 2, 6, 7))
    y, i = P.max_pool2d(x, 2, return_indices=True)
    dy = rng.standard_normal(P.max_unpool2d(y, i, 2, output_size=(6, 7)).shape)
    (g,) = P.max_unpool2d_backward(dy, y, i, 2, output_size=(6, 7))
    num = _numeric_grad(lambda v: P.max_unpool2d(v, i, 2, output_size=(6, 7)), y, dy)
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------- against PyTorch
def _torch_configs(rng, n):
    for _ in range(n):
        k = tuple(int(v) for v in rng.integers(1, 5, 2))
        s = tuple(int(v) for v in rng.integers(1, 4, 2))
        p = tuple(int(rng.integers(0, kk // 2 + 1)) for kk in k)
        d = tuple(int(v) for v in rng.integers(1, 3, 2))
        H, W = (int(v) for v in rng.integers(6, 40, 2))
        shape = (int(rng.integers(1, 3)), int(rng.integers(1, 5)), H, W)
        ceil = bool(rng.integers(2))
        dims = zip((H, W), k, s, p, d)
        if all(_has_input(n, kk, ss, pp, dd, ceil) for n, kk, ss, pp, dd in dims):
            yield k, s, p, d, ceil, shape


def _has_input(n, k, s, p, d, ceil):
    """Every window holds an input element (pygraph refuses windows of pure padding)."""
    outs = range(out_len(n, k, s, p, d, ceil))
    return all(any(0 <= o * s - p + a * d < n for a in range(k)) for o in outs)


def test_max_pool_matches_torch(rng):
    torch = torch_or_skip()
    F = torch.nn.functional
    for k, s, p, d, ceil, shape in _torch_configs(rng, 40):
        x = rng.standard_normal(shape).astype(np.float32)
        tx = torch.tensor(x, requires_grad=True)
        ty, ti = F.max_pool2d(tx, k, s, p, d, ceil, return_indices=True)
        y, i = P.max_pool2d(x, k, s, p, d, ceil, return_indices=True)
        same(y, ty.detach().numpy())
        same(i, ti.numpy())
        dy = rng.standard_normal(y.shape).astype(np.float32)
        ty.backward(torch.tensor(dy))
        (g,) = P.max_pool2d_backward(dy, x, k, s, p, d, ceil)
        close(g, tx.grad.numpy())
        same(P.max_pool2d_backward(dy, x, k, s, p, d, ceil, indices=i)[0], g)
        try:
            uy = F.max_unpool2d(ty.detach(), ti, k, s, p, output_size=shape[2:]).numpy()
        except ValueError:  # the size is not within one stride of the default: both refuse
            with pytest.raises(ValueError, match="max_unpool2d: output_size"):
                P.max_unpool2d(y, i, k, s, p, output_size=shape)
            continue
        same(P.max_unpool2d(y, i, k, s, p, output_size=shape), uy)


def test_avg_pool_matches_torch(rng):
    torch = torch_or_skip()
    F = torch.nn.functional
    for k, s, p, _, ceil, shape in _torch_configs(rng, 40):
        x = rng.standard_normal(shape).astype(np.float32)
        cip, div = bool(rng.integers(2)), [None, None, 3][int(rng.integers(3))]
        tx = torch.tensor(x, requires_grad=True)
        ty = F.avg_pool2d(tx, k, s, p, ceil, cip, div)
        y = P.avg_pool2d(x, k, s, p, ceil, cip, div)
        close(y, ty.detach().numpy())
        dy = rng.standard_normal(y.shape).astype(np.float32)
        ty.backward(torch.tensor(dy))
        (g,) = P.avg_pool2d_backward(dy, x, k, s, p, ceil, cip, div)
        close(g, tx.grad.numpy())


def test_1d_and_adaptive_and_global_match_torch(rng):
    torch = torch_or_skip()
    F = torch.nn.functional
    for (h, w), out in [((13, 13), (6, 6)), ((7, 9), (3, 5)), ((5, 5), (7, 8)), ((28, 28), (1, 1))]:
        x = rng.standard_normal((2, 3, h, w)).astype(np.float32)
        tx = torch.tensor(x, requires_grad=True)
        ty = F.adaptive_avg_pool2d(tx, out)
        close(P.adaptive_avg_pool2d(x, out), ty.detach().numpy())
        dy = rng.standard_normal(ty.shape).astype(np.float32)
        ty.backward(torch.tensor(dy))
        close(P.adaptive_avg_pool2d_backward(dy, x, out)[0], tx.grad.numpy())
        t0 = torch.tensor(x[0])
        close(P.adaptive_avg_pool1d(x[0], out[1]), F.adaptive_avg_pool1d(t0, out[1]).numpy())
        close(P.global_avg_pool2d(x), F.adaptive_avg_pool2d(tx.detach(), 1).numpy())
        same(P.global_max_pool2d(x), F.adaptive_max_pool2d(tx.detach(), 1).numpy())
    x = rng.standard_normal((2, 3, 30)).astype(np.float32)
    for k, s, p, d, ceil in [(3, 2, 1, 1, True), (2, None, 0, 1, False), (4, 3, 2, 2, True)]:
        tx = torch.tensor(x, requires_grad=True)
        ty, ti = F.max_pool1d(tx, k, s, p, d, ceil, return_indices=True)
        y, i = P.max_pool1d(x, k, s, p, d, ceil, return_indices=True)
        same(y, ty.detach().numpy())
        same(i, ti.numpy())
        dy = rng.standard_normal(y.shape).astype(np.float32)
        ty.backward(torch.tensor(dy))
        close(P.max_pool1d_backward(dy, x, k, s, p, d, ceil)[0], tx.grad.numpy(), rtol=1e-6)
        close(
            P.max_pool1d_backward(dy, x, k, s, p, d, ceil, indices=i)[0], tx.grad.numpy(), rtol=1e-6
        )
        for cip in (True, False):
            tx = torch.tensor(x, requires_grad=True)
            dy = rng.standard_normal(P.avg_pool1d(x, k, s, p, ceil, cip).shape).astype(np.float32)
            ty = F.avg_pool1d(tx, k, s, p, ceil, cip)
            close(P.avg_pool1d(x, k, s, p, ceil, cip), ty.detach().numpy())
            ty.backward(torch.tensor(dy))
            close(P.avg_pool1d_backward(dy, x, k, s, p, ceil, cip)[0], tx.grad.numpy())


# ---------------------------------------------------------------- bad input
X4 = np.zeros((1, 2, 4, 4), np.float32)
I4 = np.zeros((1, 2, 2, 2), np.int64)
BAD = [
    (lambda: P.pool_output_size(5, 2, 0), ValueError, r"pool_output_size: stride must be positive"),
    (lambda: P.max_pool2d(X4, 2**40), ValueError, r"max_pool2d: kernel_size .* is too large"),
    (
        lambda: P.max_pool2d(X4[:, :, :1], 2, 3, 1, 2),  # rows -1 and 1 of a 1-row input
        ValueError,
        r"max_pool2d: window 0 along dim 2 covers only padding \(input \(1, 2, 1, 4\)",
    ),
    (
        lambda: P.max_pool2d(np.zeros((2, 4, 4)), 2),
        ValueError,
        r"max_pool2d: input must be 4-D \(N, C, H, W\), got shape \(2, 4, 4\)",
    ),
    (lambda: P.max_pool1d(X4, 2), ValueError, r"max_pool1d: input must be 3-D \(N, C, W\)"),
    (
        lambda: P.max_pool2d(X4, 0),
        ValueError,
        r"max_pool2d: kernel_size must be positive, got \(0, 0\)",
    ),
    (
        lambda: P.max_pool2d(X4, 2, stride=(1, -1)),
        ValueError,
        r"max_pool2d: stride must be positive",
    ),
    (lambda: P.max_pool2d(X4, 2, dilation=0), ValueError, r"max_pool2d: dilation must be positive"),
    (lambda: P.avg_pool2d(X4, 2, padding=-1), ValueError, r"avg_pool2d: padding must be >= 0"),
    (
        lambda: P.max_pool2d(X4, 3, padding=2),
        ValueError,
        r"max_pool2d: padding \(2, 2\) must be at most half of kernel_size \(3, 3\)",
    ),
    (
        lambda: P.avg_pool2d(X4, 5),
        ValueError,
        r"avg_pool2d: kernel_size \(5, 5\) .* larger than the padded input: input \(1, 2, 4, 4\)",
    ),
    (
        lambda: P.max_pool2d(X4, 3, dilation=2),
        ValueError,
        r"max_pool2d: kernel_size \(3, 3\) with dilation \(2, 2\) is larger",
    ),
    (
        lambda: P.max_pool2d(np.zeros((0, 2, 4, 4)), 2),
        ValueError,
        r"max_pool2d: input is empty \(shape \(0, 2, 4, 4\)\)",
    ),
    (
        lambda: P.max_pool2d(X4.astype(complex), 2),
        TypeError,
        r"max_pool2d: input must be a real numeric array",
    ),
    (lambda: P.max_pool2d(X4, 2.5), TypeError, r"max_pool2d: kernel_size must be an int"),
    (
        lambda: P.avg_pool2d(X4, 2, divisor_override=0),
        ValueError,
        r"avg_pool2d: divisor_override must be positive",
    ),
    (
        lambda: P.adaptive_avg_pool2d(X4, 0),
        ValueError,
        r"adaptive_avg_pool2d: output_size must be positive",
    ),
    (
        lambda: P.global_avg_pool2d(np.zeros((2, 4))),
        ValueError,
        r"global_avg_pool2d: input must be 4-D",
    ),
    (
        lambda: P.max_pool2d_backward(np.zeros((1, 2, 3, 3)), X4, 2),
        ValueError,
        r"max_pool2d_backward: grad_output has shape \(1, 2, 3, 3\) "
        r"but the forward output has shape \(1, 2, 2, 2\)",
    ),
    (
        lambda: P.avg_pool2d_backward(np.zeros((1, 2, 2)), X4, 2),
        ValueError,
        r"avg_pool2d_backward: grad_output has shape \(1, 2, 2\) but",
    ),
    (
        lambda: P.max_unpool2d_backward(np.zeros((1, 2, 3, 3)), X4[:, :, :2, :2], I4, 2),
        ValueError,
        r"max_unpool2d_backward: grad_output has shape \(1, 2, 3, 3\) "
        r"but the forward output has shape \(1, 2, 4, 4\)",
    ),
    (
        lambda: P.max_unpool2d(X4[:, :, :2, :2], I4.astype(np.float32), 2),
        TypeError,
        r"max_unpool2d: indices must be an integer array",
    ),
    (
        lambda: P.max_unpool2d(X4[:, :, :2, :2], I4[:, :1], 2),
        ValueError,
        r"max_unpool2d: indices has shape \(1, 1, 2, 2\) but input has shape \(1, 2, 2, 2\)",
    ),
    (
        lambda: P.max_unpool2d(X4[:, :, :2, :2], I4 + 16, 2),
        ValueError,
        r"max_unpool2d: indices hold 16 at flat position 0, outside the output plane of 4x4",
    ),
    (
        lambda: P.max_unpool2d(X4[:, :, :2, :2], I4 - 1, 2),
        ValueError,
        r"max_unpool2d: indices hold -1",
    ),
    (
        lambda: P.max_unpool2d(X4[:, :, :2, :2], I4, 2, output_size=(9, 9)),
        ValueError,
        r"max_unpool2d: output_size \(9, 9\) must lie strictly within one stride",
    ),
    (lambda: P.max_unpool2d(X4, I4, 2), ValueError, r"max_unpool2d: indices has shape"),
]


@pytest.mark.parametrize("call,exc,match", BAD)
def test_bad_input_is_a_clear_error(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
