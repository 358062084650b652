"""Convolution family: hand examples, a numpy oracle, every ISA level, finite differences,
PyTorch on random configs, the matrix view of convolution, and bad inputs."""

from __future__ import annotations

import numpy as np
import pytest

import pygraph as pg
from conftest import torch_or_skip

ops = pg.ops


# ---- a numpy oracle, written from the definition --------------------------------------------
def np_conv(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """y[n, k, o] = b[k] + sum_{c, t} x_padded[n, g*Cg + c, o*s + t*d] * w[k, c, t]."""
    nd = x.ndim - 2
    tup = lambda v: (v,) * nd if isinstance(v, int) else tuple(v)  # noqa: E731
    stride, dilation, ks = tup(stride), tup(dilation), w.shape[2:]
    if padding == "valid":
        lo = hi = (0,) * nd
    elif padding == "same":
        span = [d * (k - 1) for d, k in zip(dilation, ks)]
        lo, hi = tuple(s // 2 for s in span), tuple(s - s // 2 for s in span)
    else:
        lo = hi = tup(padding)
    xp = np.pad(x.astype(np.float64), [(0, 0), (0, 0), *zip(lo, hi)])
    out = [(xp.shape[2 + i] - dilation[i] * (ks[i] - 1) - 1) // stride[i] + 1 for i in range(nd)]
    N, C, K = x.shape[0], x.shape[1], w.shape[0]
    Cg, Kg = C // groups, K // groups
    y = np.zeros((N, K, *out))
    for tap in np.ndindex(*ks):
        sl = tuple(
            slice(t * d, t * d + (o - 1) * s + 1, s)
            for t, d, o, s in zip(tap, dilation, out, stride)
        )
        patch = xp[(slice(None), slice(None)) + sl]
        for g in range(groups):
            wt = w[(slice(g * Kg, (g + 1) * Kg), slice(None)) + tap].astype(np.float64)
            xg = patch[:, g * Cg : (g + 1) * Cg]
            y[:, g * Kg : (g + 1) * Kg] += np.einsum("nc...,kc->nk...", xg, wt)
    if b is not None:
        y += b.reshape(1, K, *[1] * nd)
    return y


CONV = {1: ops.conv1d, 2: ops.conv2d, 3: ops.conv3d}
BACKWARD = {1: ops.conv1d_backward, 2: ops.conv2d_backward, 3: ops.conv3d_backward}


# ---- hand-checked examples ------------------------------------------------------------------
def test_hand_checked_2x2_kernel_on_3x3_image():
    x = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], np.float32).reshape(1, 1, 3, 3)
    w = np.array([[1, 2], [3, 4]], np.float32).reshape(1, 1, 2, 2)
    # top-left: 1*1 + 2*2 + 4*3 + 5*4 = 37, and so on
    np.testing.assert_array_equal(ops.conv2d(x, w)[0, 0], [[37, 47], [67, 77]])
    np.testing.assert_array_equal(
        ops.conv2d(x, w, bias=np.array([-7.0]))[0, 0], [[30, 40], [60, 70]]
    )


def test_hand_checked_padding_and_stride():
    x = np.arange(1, 10, dtype=np.float32).reshape(1, 1, 3, 3)
    ones = np.ones((1, 1, 2, 2), np.float32)
    padded = [[1, 3, 5, 3], [5, 12, 16, 9], [11, 24, 28, 15], [7, 15, 17, 9]]
    np.testing.assert_array_equal(ops.conv2d(x, ones, padding=1)[0, 0], padded)
    np.testing.assert_array_equal(
        ops.conv2d(x, ones, padding=1, stride=2)[0, 0], [[1, 5], [11, 28]]
    )
    # dilation 2 on a 3x3 kernel footprint: the four corners 1 + 3 + 7 + 9
    np.testing.assert_array_equal(ops.conv2d(x, ones, dilation=2)[0, 0], [[20]])


def test_hand_checked_backward():
    x = np.arange(1, 10, dtype=np.float64).reshape(1, 1, 3, 3)
    w = np.array([[1, 2], [3, 4]], np.float64).reshape(1, 1, 2, 2)
    gx, gw, gb = ops.conv2d_backward(np.ones((1, 1, 2, 2)), x, w, np.zeros(1))
    # each input pixel receives the kernel taps that touch it
    np.testing.assert_array_equal(gx[0, 0], [[1, 3, 2], [4, 10, 6], [3, 7, 4]])
    # each weight tap sees the sum of the 2x2 window it slides over
    np.testing.assert_array_equal(gw[0, 0], [[12, 16], [24, 28]])
    assert gb.tolist() == [4.0]
    assert ops.conv2d_backward(np.ones((1, 1, 2, 2)), x, w)[2] is None


def test_conv_output_size_formula():
    assert ops.conv_output_size(32, 5) == 28
    assert ops.conv_output_size(224, 7, stride=2, padding=3) == 112
    assert ops.conv_output_size(7, 3, dilation=3) == 1
    assert ops.conv_output_size(10, 3, stride=3, padding=1) == 4
    with pytest.raises(ValueError, match="conv_output_size: kernel_size 5 .* spans 5"):
        ops.conv_output_size(3, 5)
    with pytest.raises(ValueError, match="conv_output_size: stride must be positive"):
        ops.conv_output_size(3, 1, stride=0)


# ---- numpy oracle at every ISA level --------------------------------------------------------
FWD_CASES = [  # (x shape, w shape, stride, padding, dilation, groups)
    ((2, 3, 9, 9), (4, 3, 3, 3), 1, 1, 1, 1),
    ((1, 4, 8, 17), (6, 2, 3, 2), (2, 1), (0, 1), (1, 2), 2),
    ((2, 5, 7, 7), (5, 1, 3, 3), 1, 1, 1, 5),  # depthwise
    ((1, 3, 16, 33), (6, 1, 3, 3), 2, 1, 1, 3),  # depthwise, multiplier 2, stride 2
    ((1, 2, 9, 15), (2, 1, 5, 3), 1, "same", 2, 2),  # depthwise, asymmetric 'same'
    ((1, 1, 1, 1000), (2, 1, 1, 7), 1, (0, 3), 1, 1),
    ((3, 8, 7, 7), (16, 8, 1, 1), 1, 0, 1, 1),  # pointwise: no im2col
    ((1, 6, 5, 5), (4, 3, 1, 1), 2, 0, 1, 2),  # 1x1 with stride: im2col
    ((5, 2, 15, 20), (3, 2, 3, 3), 1, 1, 1, 1),  # images 4 + 1 per GEMM
    ((5, 4, 15, 20), (6, 2, 1, 1), 1, 0, 1, 2),  # pointwise, images 4 + 1 per GEMM
    ((1, 8, 40, 50), (4, 8, 3, 3), 1, 1, 1, 1),  # large image: bands of output rows
    ((1, 32, 61, 61), (8, 16, 3, 3), 2, 1, 1, 2),  # bands with stride and groups
]


@pytest.mark.parametrize("xs,ws,stride,padding,dilation,groups", FWD_CASES)
def test_forward_matches_numpy_oracle(isa, rng, xs, ws, stride, padding, dilation, groups):
    x = rng.standard_normal(xs).astype(np.float32)
    w = rng.standard_normal(ws).astype(np.float32)
    b = rng.standard_normal(ws[0]).astype(np.float32)
    y = ops.conv2d(x, w, b, stride, padding, dilation, groups)
    want = np_conv(x, w, b, stride, padding, dilation, groups)
    K = ws[1] * ws[2] * ws[3]
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-6 * K * 4)


@pytest.mark.parametrize("width", [1, 7, 8, 9, 15, 16, 17, 33, 100])
@pytest.mark.parametrize("stride", [1, 2, 3])
def test_depthwise_rows_around_simd_width(isa, rng, width, stride):
    x = rng.standard_normal((1, 3, 4, width + 2)).astype(np.float32)
    w = rng.standard_normal((3, 1, 3, 3)).astype(np.float32)
    y = ops.conv2d(x, w, None, stride, 1, 1, 3)
    np.testing.assert_allclose(y, np_conv(x, w, None, stride, 1, 1, 3), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "nd,xs,ws,padding",
    [
        (3, (1, 2, 3, 20, 9), (4, 1, 2, 17, 3), (1, 8, 1)),  # 34 kernel rows: summed in two passes
        (1, (2, 3, 40), (3, 1, 5), 2),
    ],
)
def test_depthwise_large_kernels_and_ranks(isa, rng, nd, xs, ws, padding):
    x = rng.standard_normal(xs).astype(np.float32)
    w = rng.standard_normal(ws).astype(np.float32)
    b = rng.standard_normal(ws[0]).astype(np.float32)
    y = CONV[nd](x, w, b, 1, padding, 1, xs[1])
    np.testing.assert_allclose(y, np_conv(x, w, b, 1, padding, 1, xs[1]), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize(
    "xs,ks,padding",
    [
        ((2, 16, 32, 33), 16, 1),  # 2 * 16 * 17 = 544 tiles: Winograd F(2x2, 3x3)
        ((1, 17, 47, 49), 20, 0),  # odd output sizes (45x47): partial last tiles
        ((1, 16, 44, 46), 24, 2),
        ((1, 16, 45, 47), 16, "same"),
    ],
)
def test_winograd_3x3_matches_numpy_oracle(isa, rng, xs, ks, padding):
    x = rng.standard_normal(xs).astype(np.float32)
    w = rng.standard_normal((ks, xs[1], 3, 3)).astype(np.float32)
    b = rng.standard_normal(ks).astype(np.float32)
    want = np_conv(x, w, b, 1, padding)
    # transforms add a few roundings: tolerance scaled by the reduction length 9*C
    np.testing.assert_allclose(
        ops.conv2d(x, w, b, 1, padding),
        want,
        rtol=1e-4,
        atol=2e-6 * 9 * xs[1] * np.abs(want).max() / 10,
    )
    y = pg._core.conv2d(x, w, b, (1, 1), (1, 1), "", (1, 1), 1, relu=True)
    np.testing.assert_allclose(y, np.maximum(np_conv(x, w, b, 1, 1), 0), rtol=1e-4, atol=1e-3)
    if isa != "ref":
        assert "conv_f32_winograd_f2x3" in pg.kernel_variants("conv")


def test_fused_relu_epilogue(isa, rng):
    x = rng.standard_normal((2, 4, 6, 6)).astype(np.float32)
    for w in [rng.standard_normal((6, 2, 3, 3)), rng.standard_normal((4, 1, 3, 3))]:
        w = w.astype(np.float32)
        b = rng.standard_normal(w.shape[0]).astype(np.float32)
        groups = 4 // w.shape[1]
        y = pg._core.conv2d(x, w, b, (1, 1), (1, 1), "", (1, 1), groups, relu=True)
        want = np.maximum(np_conv(x, w, b, 1, 1, 1, groups), 0)
        np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("xs,ws,stride,padding,dilation,groups", FWD_CASES)
def test_backward_every_isa_matches_float64_reference(
    isa, rng, xs, ws, stride, padding, dilation, groups
):
    x = rng.standard_normal(xs)
    w = rng.standard_normal(ws)
    b = rng.standard_normal(ws[0])
    dy = rng.standard_normal(np_conv(x, w, b, stride, padding, dilation, groups).shape)
    want = ops.conv2d_backward(dy, x, w, b, stride, padding, dilation, groups)  # float64: ref
    got = ops.conv2d_backward(
        *(a.astype(np.float32) for a in (dy, x, w, b)), stride, padding, dilation, groups
    )
    for g, e in zip(got, want):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-4 * np.abs(e).max())


def test_variants_listed_per_level(isa):
    names = pg.kernel_variants("conv")
    assert names[-1] == "conv_f32_ref"
    if isa == "ref":
        assert names == ["conv_f32_ref"]
    else:
        assert "conv_f32_im2col_gemm" in names and f"conv_f32_depthwise_{isa}" in names


def test_thread_count_does_not_change_results(rng):
    x = rng.standard_normal((4, 4, 10, 10)).astype(np.float32)
    w = rng.standard_normal((6, 2, 3, 3)).astype(np.float32)
    dy = rng.standard_normal((4, 6, 10, 10)).astype(np.float32)
    before = pg.num_threads()
    try:
        results = []
        for t in (1, 2, 3):
            pg.set_num_threads(t)
            results.append(
                [
                    ops.conv2d(x, w, padding=1, groups=2),
                    *ops.conv2d_backward(dy, x, w, None, 1, 1, 1, 2)[:2],
                ]
            )
    finally:
        pg.set_num_threads(before)
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


# ---- gradients against float64 central finite differences ----------------------------------
def numeric_grad(f, a, eps=1e-6):
    g = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        old = a[i]
        a[i] = old + eps
        up = f()
        a[i] = old - eps
        down = f()
        a[i] = old
        g[i] = (up - down) / (2 * eps)
    return g


@pytest.mark.parametrize(
    "nd,xs,ws,stride,padding,dilation,groups",
    [
        (1, (2, 4, 9), (4, 2, 3), 2, 1, 2, 2),
        (2, (1, 2, 5, 6), (3, 2, 3, 2), (2, 1), (1, 0), 1, 1),
        (2, (1, 3, 5, 5), (3, 1, 2, 2), 1, "same", 1, 3),
        (3, (1, 2, 4, 3, 4), (2, 1, 2, 2, 3), 1, (1, 0, 1), (1, 2, 1), 2),
    ],
)
def test_backward_matches_finite_differences(rng, nd, xs, ws, stride, padding, dilation, groups):
    x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
    y = CONV[nd](x, w, b, stride, padding, dilation, groups)
    r = rng.standard_normal(y.shape)
    loss = lambda: float((CONV[nd](x, w, b, stride, padding, dilation, groups) * r).sum())  # noqa
    gx, gw, gb = BACKWARD[nd](r, x, w, b, stride, padding, dilation, groups)
    for got, arr in [(gx, x), (gw, w), (gb, b)]:
        np.testing.assert_allclose(got, numeric_grad(loss, arr), rtol=1e-6, atol=1e-7)


def test_conv_transpose2d_backward_matches_finite_differences(rng):
    x, w, b = (rng.standard_normal(s) for s in [(1, 4, 3, 4), (4, 3, 3, 2), (6,)])
    kw = dict(stride=(2, 1), padding=(1, 0), output_padding=(1, 0), groups=2, dilation=(1, 2))
    r = rng.standard_normal(ops.conv_transpose2d(x, w, b, **kw).shape)
    loss = lambda: float((ops.conv_transpose2d(x, w, b, **kw) * r).sum())  # noqa: E731
    grads = ops.conv_transpose2d_backward(r, x, w, b, **kw)
    for got, arr in zip(grads, (x, w, b)):
        np.testing.assert_allclose(got, numeric_grad(loss, arr), rtol=1e-6, atol=1e-7)


# ---- PyTorch on random configs --------------------------------------------------------------
def random_config(rng, nd):
    groups = int(rng.choice([1, 1, 2, 3]))
    depthwise = rng.random() < 0.25
    cg = 1 if depthwise else int(rng.integers(1, 4))
    C, K = cg * groups, groups * int(rng.integers(1, 4))
    ks = tuple(int(k) for k in rng.integers(1, 4, nd))
    dil = tuple(int(d) for d in rng.integers(1, 3, nd))
    kind = rng.random()
    if kind < 0.15:
        stride, padding = (1,) * nd, "same"
    elif kind < 0.25:
        stride, padding = tuple(int(s) for s in rng.integers(1, 4, nd)), "valid"
    else:
        stride = tuple(int(s) for s in rng.integers(1, 4, nd))
        padding = tuple(int(p) for p in rng.integers(0, 3, nd))
    size = {1: 24, 2: 11, 3: 6}[nd]
    spatial = tuple(int(d * (k - 1) + 1 + rng.integers(0, size)) for d, k in zip(dil, ks))
    N = int(rng.integers(1, 4))
    return (N, C, *spatial), (K, cg, *ks), stride, padding, dil, groups, rng.random() < 0.7


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("seed", range(36))
def test_matches_torch_forward_and_backward(seed):
    torch = torch_or_skip()
    rng = np.random.default_rng(100 + seed)
    nd = seed % 3 + 1
    xs, ws, stride, padding, dil, groups, has_bias = random_config(rng, nd)
    x = rng.standard_normal(xs).astype(np.float32)
    w = rng.standard_normal(ws).astype(np.float32)
    b = rng.standard_normal(ws[0]).astype(np.float32) if has_bias else None
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    tb = None if b is None else torch.tensor(b, requires_grad=True)
    fn = getattr(torch.nn.functional, f"conv{nd}d")
    ty = fn(tx, tw, tb, stride, padding, dil, groups)
    y = CONV[nd](x, w, b, stride, padding, dil, groups)
    tol = dict(rtol=1e-4, atol=1e-4 * np.prod(ws[1:]))
    np.testing.assert_allclose(y, ty.detach().numpy(), **tol)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    ty.backward(torch.tensor(dy))
    gx, gw, gb = BACKWARD[nd](dy, x, w, b, stride, padding, dil, groups)
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-4, atol=1e-4 * np.abs(gx).max())
    np.testing.assert_allclose(gw, tw.grad.numpy(), rtol=1e-4, atol=1e-4 * np.abs(gw).max())
    if b is None:
        assert gb is None
    else:
        np.testing.assert_allclose(gb, tb.grad.numpy(), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("seed", range(12))
def test_conv_transpose2d_matches_torch(seed):
    torch = torch_or_skip()
    rng = np.random.default_rng(500 + seed)
    groups = int(rng.choice([1, 2]))
    cin, cout = groups * int(rng.integers(1, 4)), groups * int(rng.integers(1, 4))
    stride = tuple(int(s) for s in rng.integers(1, 4, 2))
    dil = tuple(int(d) for d in rng.integers(1, 3, 2))
    ks = tuple(int(k) for k in rng.integers(1, 4, 2))
    padding = tuple(int(rng.integers(0, 1 + d * (k - 1) // 2 + 1)) for d, k in zip(dil, ks))
    outpad = tuple(int(rng.integers(0, max(s, d))) for s, d in zip(stride, dil))
    x = rng.standard_normal((int(rng.integers(1, 3)), cin, *rng.integers(3, 8, 2))).astype(
        np.float32
    )
    w = rng.standard_normal((cin, cout // groups, *ks)).astype(np.float32)
    b = rng.standard_normal(cout).astype(np.float32) if seed % 2 else None
    kw = dict(stride=stride, padding=padding, output_padding=outpad, groups=groups, dilation=dil)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    tb = None if b is None else torch.tensor(b, requires_grad=True)
    ty = torch.nn.functional.conv_transpose2d(tx, tw, tb, **kw)
    y = ops.conv_transpose2d(x, w, b, **kw)
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-4, atol=1e-4)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    ty.backward(torch.tensor(dy))
    gx, gw, gb = ops.conv_transpose2d_backward(dy, x, w, b, **kw)
    np.testing.assert_allclose(gx, tx.grad.numpy(), rtol=1e-4, atol=1e-4 * np.abs(gx).max())
    np.testing.assert_allclose(gw, tw.grad.numpy(), rtol=1e-4, atol=1e-4 * np.abs(gw).max())
    if b is not None:
        np.testing.assert_allclose(gb, tb.grad.numpy(), rtol=1e-4, atol=1e-3)


@pytest.mark.parametrize("nd,seed", [(1, 0), (1, 1), (3, 2), (3, 3)])
def test_conv_transpose1d_3d_match_torch(nd, seed):
    torch = torch_or_skip()
    rng = np.random.default_rng(700 + seed)
    groups = 1 + seed % 2
    stride = tuple(int(v) for v in rng.integers(1, 3, nd))
    kw = dict(
        stride=stride,
        padding=tuple(int(v) for v in rng.integers(0, 2, nd)),
        output_padding=tuple(int(rng.integers(0, s)) for s in stride),
        groups=groups,
        dilation=tuple(int(v) for v in rng.integers(1, 3, nd)),
    )
    x = rng.standard_normal((2, 2 * groups, *rng.integers(2, 6, nd))).astype(np.float32)
    w = rng.standard_normal((2 * groups, 3, *rng.integers(1, 4, nd))).astype(np.float32)
    b = rng.standard_normal(3 * groups).astype(np.float32)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ty = getattr(torch.nn.functional, f"conv_transpose{nd}d")(tx, tw, tb, **kw)
    y = getattr(ops, f"conv_transpose{nd}d")(x, w, b, **kw)
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-4, atol=1e-4)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    ty.backward(torch.tensor(dy))
    grads = getattr(ops, f"conv_transpose{nd}d_backward")(dy, x, w, b, **kw)
    for got, t in zip(grads, (tx, tw, tb)):
        np.testing.assert_allclose(got, t.grad.numpy(), rtol=1e-4, atol=1e-4 * np.abs(got).max())


# ---- convolution as a matrix product --------------------------------------------------------
@pytest.mark.parametrize(
    "hw,kernel,stride,padding,dilation",
    [
        ((4, 4), (3, 3), 1, 0, 1),
        ((5, 6), (2, 3), (2, 1), (1, 0), 1),
        ((7, 7), (3, 3), 2, 1, 2),
        ((6, 5), (1, 1), 3, 0, 1),
    ],
)
def test_conv_matrix_is_conv2d_and_its_transpose_is_conv_transpose2d(
    rng, hw, kernel, stride, padding, dilation
):
    k = rng.standard_normal(kernel)
    x = rng.standard_normal(hw)
    M = ops.conv_matrix(k, hw, stride, padding, dilation)
    y = ops.conv2d(x[None, None], k[None, None], None, stride, padding, dilation)[0, 0]
    P, Q = y.shape
    assert M.shape == (P * Q, hw[0] * hw[1])
    np.testing.assert_allclose((M @ x.ravel()).reshape(P, Q), y, rtol=1e-12, atol=1e-12)
    # M^T sends an output-shaped array back to the input grid: exactly conv_transpose2d, with
    # output_padding restoring the rows a strided conv never read.
    s, p, d = (np.broadcast_to(v, 2) for v in (stride, padding, dilation))
    outpad = tuple(int((hw[i] + 2 * p[i] - d[i] * (kernel[i] - 1) - 1) % s[i]) for i in range(2))
    g = rng.standard_normal((P, Q))
    t = ops.conv_transpose2d(
        g[None, None], k[None, None], None, stride, padding, outpad, 1, dilation
    )[0, 0]
    np.testing.assert_allclose((M.T @ g.ravel()).reshape(hw), t, rtol=1e-12, atol=1e-12)
    # and that is why the input gradient of a convolution is a transposed convolution
    gx = ops.conv2d_backward(
        g[None, None], x[None, None], k[None, None], None, stride, padding, dilation
    )[0][0, 0]
    np.testing.assert_allclose(gx, t, rtol=1e-12, atol=1e-12)


def test_conv_matrix_hand_checked():
    M = ops.conv_matrix(np.array([[1.0, 2.0], [3.0, 4.0]]), (2, 3))
    np.testing.assert_array_equal(M, [[1, 2, 0, 3, 4, 0], [0, 1, 2, 0, 3, 4]])


# ---- bad inputs -----------------------------------------------------------------------------
X4 = np.zeros((1, 4, 8, 8), np.float32)
W3 = np.zeros((2, 3, 3, 3), np.float32)
W4 = np.zeros((2, 4, 3, 3), np.float32)
Z = np.zeros

BAD = [
    (
        lambda: ops.conv2d(X4, W3),
        ValueError,
        r"conv2d: weight has 3 input channels per group but input has 4 channels "
        r"\(input \(1, 4, 8, 8\), weight \(2, 3, 3, 3\), groups=1\)",
    ),
    (
        lambda: ops.conv2d(X4, Z((3, 2, 3, 3)), groups=2),
        ValueError,
        r"conv2d: weight's output channels \(3\) must be divisible by groups \(2\)",
    ),
    (
        lambda: ops.conv2d(X4, Z((3, 1, 3, 3)), groups=3),
        ValueError,
        r"conv2d: input channels \(4\) must be divisible by groups \(3\)",
    ),
    (
        lambda: ops.conv2d(X4, Z((2, 4, 9, 3))),
        ValueError,
        r"conv2d: kernel size 9 .* padded input has only 8 along spatial dim 0",
    ),
    (lambda: ops.conv2d(X4, W4, dilation=5), ValueError, r"conv2d: kernel size 3 with dilation 5"),
    (lambda: ops.conv2d(X4, W4, stride=0), ValueError, r"conv2d: stride must be positive"),
    (lambda: ops.conv2d(X4, W4, stride=(1, -1)), ValueError, r"conv2d: stride must be positive"),
    (lambda: ops.conv2d(X4, W4, dilation=0), ValueError, r"conv2d: dilation must be positive"),
    (lambda: ops.conv2d(X4, W4, padding=-1), ValueError, r"conv2d: padding must be >= 0"),
    (lambda: ops.conv2d(X4, W4, groups=0), ValueError, r"conv2d: groups must be positive"),
    (
        lambda: ops.conv2d(X4, W4, stride=2, padding="same"),
        ValueError,
        r"conv2d: padding='same' needs stride 1",
    ),
    (
        lambda: ops.conv2d(X4, W4, padding="full"),
        ValueError,
        r"conv2d: padding must be an int, a tuple of ints, 'same' or 'valid'",
    ),
    (
        lambda: ops.conv2d(X4[0], W4),
        ValueError,
        r"conv2d: input must be 4-D \(N, C, H, W\), got shape \(4, 8, 8\)",
    ),
    (lambda: ops.conv2d(X4, W4[0]), ValueError, r"conv2d: weight must be 4-D"),
    (lambda: ops.conv1d(X4, W4), ValueError, r"conv1d: input must be 3-D \(N, C, L\)"),
    (lambda: ops.conv3d(X4, W4), ValueError, r"conv3d: input must be 5-D"),
    (
        lambda: ops.conv2d(X4, W4, bias=Z(3)),
        ValueError,
        r"conv2d: bias must have shape \(2,\), got \(3,\)",
    ),
    (lambda: ops.conv2d(X4.astype(complex), W4), TypeError, r"conv2d: input must be a real"),
    (
        lambda: pg._core.conv2d(X4, W4.astype(np.float64), None, (1, 1), (0, 0), "", (1, 1), 1),
        TypeError,
        r"conv2d: weight is float64 but input is float32",
    ),
    (
        lambda: pg._core.conv2d(X4.astype(np.int64), W4, None, (1, 1), (0, 0), "", (1, 1), 1),
        TypeError,
        r"conv2d: input must be float32 or float64",
    ),
    (lambda: ops.conv2d(Z((0, 4, 8, 8)), W4), ValueError, r"conv2d: input is empty"),
    (lambda: ops.conv2d(X4, Z((0, 4, 3, 3))), ValueError, r"conv2d: weight is empty"),
    (lambda: ops.conv2d(X4, W4, stride=(1, 1, 1)), TypeError, r"conv2d: stride must be an int"),
    (lambda: ops.conv2d(X4, W4, groups=1.5), TypeError, r"conv2d: groups must be an int"),
    (
        lambda: ops.conv2d_backward(Z((1, 2, 5, 5)), X4, W4),
        ValueError,
        r"conv2d_backward: grad_output has shape \(1, 2, 5, 5\) but the forward output has shape "
        r"\(1, 2, 6, 6\)",
    ),
    (
        lambda: ops.conv_transpose2d(X4, Z((4, 2, 3, 3)), stride=2, output_padding=2),
        ValueError,
        r"conv_transpose2d: output_padding must be smaller than stride or dilation",
    ),
    (
        lambda: ops.conv_transpose2d(X4, Z((3, 2, 3, 3))),
        ValueError,
        r"conv_transpose2d: weight has 3 input channels \(its dim 0\) but input has 4",
    ),
    (
        lambda: ops.conv_transpose2d(Z((1, 1, 1, 1)), Z((1, 1, 1, 1)), padding=1),
        ValueError,
        r"conv_transpose2d: output size along spatial dim 0 would be -1",
    ),
    (
        lambda: ops.conv_transpose2d(X4, Z((4, 2, 3, 3)), bias=Z(4)),
        ValueError,
        r"conv_transpose2d: bias must have shape \(2,\)",
    ),
    (lambda: ops.conv_matrix(np.ones(3), (4, 4)), ValueError, r"conv_matrix: kernel must be"),
]


@pytest.mark.parametrize("call,exc,match", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_bad_inputs_raise_clear_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
