"""im2col / col2im kernels (the data movement of the im2col + GEMM convolution): every ISA
variant bit-exact against numpy, at output widths around the vector widths 8 and 16."""

from __future__ import annotations

import numpy as np
import pytest

import pygraph as pg

core = pg._core


def _geometry(x_shape, k, stride, padding, dilation):
    return [
        (x_shape[2 + i] + 2 * padding[i] - dilation[i] * (k[i] - 1) - 1) // stride[i] + 1
        for i in range(len(k))
    ]


def np_im2col(x, k, stride, padding, dilation, groups):
    """col[n, g, (c, tap), o] = x_padded[n, g*Cg + c, o*s + tap*d] (zero in the padding)."""
    out = _geometry(x.shape, k, stride, padding, dilation)
    xp = np.pad(x, [(0, 0), (0, 0), *[(p, p) for p in padding]])
    N, C = x.shape[:2]
    Cg = C // groups
    rows = []
    for c in range(Cg):
        for tap in np.ndindex(*k):
            sl = tuple(
                slice(t * d, t * d + (o - 1) * s + 1, s)
                for t, d, o, s in zip(tap, dilation, out, stride)
            )
            patch = xp[(slice(None), slice(None)) + sl]  # (N, C, *out)
            rows.append(patch[:, c::Cg].reshape(N, groups, -1))  # channels g*Cg + c
    return np.stack(rows, axis=2)  # (N, G, Cg*prod(k), prod(out))


def np_col2im(col, x_shape, k, stride, padding, dilation, groups):
    """The adjoint, in float32, adding row by row in (channel, tap) order as the kernels do."""
    out = _geometry(x_shape, k, stride, padding, dilation)
    N, C = x_shape[:2]
    Cg = C // groups
    dxp = np.zeros((N, C, *[n + 2 * p for n, p in zip(x_shape[2:], padding)]), np.float32)
    row = 0
    for c in range(Cg):
        for tap in np.ndindex(*k):
            sl = tuple(
                slice(t * d, t * d + (o - 1) * s + 1, s)
                for t, d, o, s in zip(tap, dilation, out, stride)
            )
            for g in range(groups):
                dxp[(slice(None), g * Cg + c) + sl] += col[:, g, row].reshape(N, *out)
            row += 1
    return dxp[
        (slice(None), slice(None)) + tuple(slice(p, p + n) for p, n in zip(padding, x_shape[2:]))
    ]


def _case(rng, nd, w_out, k, stride, padding, dilation, groups, channels=4, n=2):
    """An input whose last output dim is exactly w_out; leading dims small."""
    tup = lambda v: (v,) * nd if isinstance(v, int) else tuple(v)  # noqa: E731
    k, s, p, d = tup(k), tup(stride), tup(padding), tup(dilation)
    outs = [3] * (nd - 1) + [w_out]
    spatial = [
        max(1, (o - 1) * si + di * (ki - 1) + 1 - 2 * pi)
        for o, si, di, ki, pi in zip(outs, s, d, k, p)
    ]
    assert _geometry((n, channels, *spatial), k, s, p, d) == outs
    x = rng.standard_normal((n, channels, *spatial)).astype(np.float32)
    w = np.zeros((groups, channels // groups, *k), np.float32)
    return x, w, list(s), list(p), list(d)


WIDTHS = [1, 7, 8, 9, 15, 16, 17, 28, 33, 65, 100]  # 65+: more steps than AVX-512 premasks
GEOMS = [  # nd, kernel, padding, dilation, groups
    (2, 3, 1, 1, 1),
    (2, 5, 2, 1, 2),  # LeNet-like with padding
    (2, (2, 3), (0, 2), (1, 2), 4),
    (1, 4, 3, 2, 1),
    (1, 35, 17, 1, 1),  # more taps than col2im keeps per row: the plain walk
    (3, (2, 2, 3), (1, 0, 1), 1, 2),
]


@pytest.mark.parametrize("w_out", WIDTHS)
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("nd,k,padding,dilation,groups", GEOMS)
def test_im2col_col2im_bit_exact_every_isa(
    isa, rng, w_out, stride, nd, k, padding, dilation, groups
):
    x, w, s, p, d = _case(rng, nd, w_out, k, stride, padding, dilation, groups)
    col = core.im2col(x, w, s, p, d, groups)
    want = np_im2col(x, w.shape[2:], s, p, d, groups)
    assert col.shape == want.shape
    np.testing.assert_array_equal(col, want)
    g = rng.standard_normal(col.shape).astype(np.float32)
    dx = core.col2im(g, x, w, s, p, d, groups)
    np.testing.assert_array_equal(dx, np_col2im(g, x.shape, w.shape[2:], s, p, d, groups))


@pytest.mark.parametrize("r0,r1", [(0, 1), (2, 7), (4, 9), (8, 9)])
def test_row_bands_are_slices_of_the_whole(isa, rng, r0, r1):
    # 3-D: rows r = od*Ho + oh cross od boundaries (Ho = 3)
    x, w, s, p, d = _case(rng, 3, 17, 3, 1, 1, 1, 1)
    full = core.im2col(x, w, s, p, d, 1)
    band = core.im2col(x, w, s, p, d, 1, r0, r1)
    np.testing.assert_array_equal(band, full[..., r0 * 17 : r1 * 17])
    g = rng.standard_normal(band.shape).astype(np.float32)
    padded = np.zeros_like(full)
    padded[..., r0 * 17 : r1 * 17] = g
    np.testing.assert_array_equal(
        core.col2im(g, x, w, s, p, d, 1, r0, r1), core.col2im(padded, x, w, s, p, d, 1)
    )


def test_the_variant_of_the_level_runs(isa, rng):
    x, w, s, p, d = _case(rng, 2, 9, 3, 1, 1, 1, 1)
    core.set_kernel_tracing(True)
    try:
        core.take_kernel_trace()
        core.im2col(x, w, s, p, d, 1)
        ran = core.take_kernel_trace()
    finally:
        core.set_kernel_tracing(False)
    want = f"im2col_f32_{isa}"
    assert ran == [want]
    assert pg.kernel_variants("im2col")[0] == want


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda x, w: core.im2col(x, w, [1, 1], [0, 0], [1, 1], 1, 3, 2), "0 <= r0 <= r1"),
        (lambda x, w: core.im2col(x, w, [1, 1], [0, 0], [1, 1], 1, 0, 99), "0 <= r0 <= r1"),
        (
            lambda x, w: core.col2im(
                np.zeros((1, 1, 9, 5), np.float32), x, w, [1, 1], [0, 0], [1, 1], 1
            ),
            "col",
        ),
        (lambda x, w: core.im2col(x, w[:, :2], [1, 1], [0, 0], [1, 1], 1), "input channels"),
    ],
)
def test_bad_arguments_raise(call, match):
    x = np.zeros((1, 3, 6, 6), np.float32)
    w = np.zeros((1, 3, 3, 3), np.float32)
    with pytest.raises(ValueError, match=match):
        call(x, w)


def test_float64_input_is_rejected():
    with pytest.raises(TypeError, match="im2col: input must be float32"):
        core.im2col(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 2, 2)), [1, 1], [0, 0], [1, 1], 1)
