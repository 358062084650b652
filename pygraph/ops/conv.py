"""Eager convolutions (1-D, 2-D, 3-D, transposed) and their gradients: numpy in, numpy out.

Arguments follow torch.nn.functional: input (N, C, *spatial), weight (K, C/groups, *kernel),
bias (K,). float32 runs the fast kernels (im2col + GEMM, direct depthwise); float64 runs the
reference kernels in double. Also two teaching helpers: `conv_output_size` (the textbook
formula) and `conv_matrix` (a 2-D convolution written as one matrix product).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _core
from ._args import floats, ints

Array = np.ndarray


_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


def _floats(op: str, **arrays: Any) -> list[np.ndarray | None]:
    """`floats`, with a shortcut when every array already is C-contiguous float32 (or every
    one float64): the same result, without ~5 µs of conversion checks per call."""
    given = [a for a in arrays.values() if a is not None]
    if all(type(a) is np.ndarray and a.flags.c_contiguous for a in given):
        dtypes = {a.dtype for a in given}
        if dtypes == {_F32} or dtypes == {_F64}:
            return list(arrays.values())
    return floats(op, **arrays)


def _padding(padding: Any, nd: int, op: str) -> tuple[tuple[int, ...], str]:
    if isinstance(padding, str):
        return (0,) * nd, padding
    return ints(padding, nd, op, "padding"), ""


def _groups(groups: Any, op: str) -> int:
    if isinstance(groups, (int, np.integer)) and not isinstance(groups, bool):
        return int(groups)
    raise TypeError(f"{op}: groups must be an int, got {groups!r}")


def _conv(nd, input, weight, bias, stride, padding, dilation, groups):
    op = f"conv{nd}d"
    x, w, b = _floats(op, input=input, weight=weight, bias=bias)
    pad, mode = _padding(padding, nd, op)
    return getattr(_core, op)(
        x,
        w,
        b,
        ints(stride, nd, op, "stride"),
        pad,
        mode,
        ints(dilation, nd, op, "dilation"),
        _groups(groups, op),
    )


def _conv_backward(nd, grad_output, input, weight, bias, stride, padding, dilation, groups):
    op = f"conv{nd}d_backward"
    dy, x, w, b = _floats(op, grad_output=grad_output, input=input, weight=weight, bias=bias)
    pad, mode = _padding(padding, nd, op)
    return getattr(_core, op)(
        dy,
        x,
        w,
        b,
        ints(stride, nd, op, "stride"),
        pad,
        mode,
        ints(dilation, nd, op, "dilation"),
        _groups(groups, op),
    )


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Array:
    """1-D convolution: input (N, C, L), weight (K, C/groups, kL) -> (N, K, L_out).

    >>> conv1d(np.array([[[1., 2., 3.]]]), np.array([[[1., -1.]]]))
    array([[[-1., -1.]]])
    """
    return _conv(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Array:
    """2-D convolution (cross-correlation, as in torch): input (N, C, H, W),
    weight (K, C/groups, kH, kW), bias (K,) -> (N, K, P, Q).

    padding is an int, a pair, or "same"/"valid" ("same" needs stride 1; an odd total padding
    puts the extra row/column at the end, like torch).

    >>> x = np.arange(9.).reshape(1, 1, 3, 3)
    >>> conv2d(x, np.ones((1, 1, 2, 2)))[0, 0]
    array([[ 8., 12.],
           [20., 24.]])
    """
    return _conv(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Array:
    """3-D convolution: input (N, C, D, H, W), weight (K, C/groups, kD, kH, kW) -> (N, K, ...).

    >>> conv3d(np.ones((1, 1, 2, 2, 2)), np.ones((1, 1, 2, 2, 2))).ravel()
    array([8.])
    """
    return _conv(3, input, weight, bias, stride, padding, dilation, groups)


def conv1d_backward(
    grad_output, input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1
) -> tuple[Array, Array, Array | None]:
    """Gradients of conv1d: (grad_input, grad_weight, grad_bias or None when bias is None)."""
    return _conv_backward(1, grad_output, input, weight, bias, stride, padding, dilation, groups)


def conv2d_backward(
    grad_output, input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1
) -> tuple[Array, Array, Array | None]:
    """Gradients of conv2d given grad_output (N, K, P, Q):
    (grad_input (N, C, H, W), grad_weight (K, C/groups, kH, kW), grad_bias (K,) or None).

    >>> x, w = np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))
    >>> gx, gw, gb = conv2d_backward(np.ones((1, 1, 2, 2)), x, w, np.zeros(1))
    >>> float(gx[0, 0, 1, 1]), float(gw[0, 0, 0, 0]), float(gb[0])
    (4.0, 4.0, 4.0)
    """
    return _conv_backward(2, grad_output, input, weight, bias, stride, padding, dilation, groups)


def conv3d_backward(
    grad_output, input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1
) -> tuple[Array, Array, Array | None]:
    """Gradients of conv3d: (grad_input, grad_weight, grad_bias or None when bias is None)."""
    return _conv_backward(3, grad_output, input, weight, bias, stride, padding, dilation, groups)


def _tconv_args(nd, op, stride, padding, output_padding, groups, dilation):
    return (
        ints(stride, nd, op, "stride"),
        ints(padding, nd, op, "padding"),
        ints(output_padding, nd, op, "output_padding"),
        _groups(groups, op),
        ints(dilation, nd, op, "dilation"),
    )


def _tconv(nd, input, weight, bias, stride, padding, output_padding, groups, dilation):
    op = f"conv_transpose{nd}d"
    x, w, b = _floats(op, input=input, weight=weight, bias=bias)
    return getattr(_core, op)(
        x, w, b, *_tconv_args(nd, op, stride, padding, output_padding, groups, dilation)
    )


def _tconv_backward(
    nd, grad_output, input, weight, bias, stride, padding, output_padding, groups, dilation
):
    op = f"conv_transpose{nd}d_backward"
    dy, x, w, b = _floats(op, grad_output=grad_output, input=input, weight=weight, bias=bias)
    return getattr(_core, op)(
        dy, x, w, b, *_tconv_args(nd, op, stride, padding, output_padding, groups, dilation)
    )


def conv_transpose1d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
) -> Array:
    """Transposed 1-D convolution: input (N, C_in, L), weight (C_in, C_out/groups, kL)."""
    return _tconv(1, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose3d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
) -> Array:
    """Transposed 3-D convolution: input (N, C_in, D, H, W), weight (C_in, C_out/groups, kD,
    kH, kW)."""
    return _tconv(3, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose1d_backward(
    grad_output,
    input,
    weight,
    bias=None,
    stride=1,
    padding=0,
    output_padding=0,
    groups=1,
    dilation=1,
):
    """Gradients of conv_transpose1d: (grad_input, grad_weight, grad_bias or None)."""
    return _tconv_backward(
        1, grad_output, input, weight, bias, stride, padding, output_padding, groups, dilation
    )


def conv_transpose3d_backward(
    grad_output,
    input,
    weight,
    bias=None,
    stride=1,
    padding=0,
    output_padding=0,
    groups=1,
    dilation=1,
):
    """Gradients of conv_transpose3d: (grad_input, grad_weight, grad_bias or None)."""
    return _tconv_backward(
        3, grad_output, input, weight, bias, stride, padding, output_padding, groups, dilation
    )


def conv_transpose2d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
) -> Array:
    """Transposed 2-D convolution (the input gradient of conv2d): input (N, C_in, H, W),
    weight (C_in, C_out/groups, kH, kW) -> (N, C_out, H_out, W_out) with
    H_out = (H - 1)*stride - 2*padding + dilation*(kH - 1) + output_padding + 1.

    >>> conv_transpose2d(np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)))[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    """
    return _tconv(2, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d_backward(
    grad_output,
    input,
    weight,
    bias=None,
    stride=1,
    padding=0,
    output_padding=0,
    groups=1,
    dilation=1,
) -> tuple[Array, Array, Array | None]:
    """Gradients of conv_transpose2d: (grad_input, grad_weight, grad_bias or None)."""
    return _tconv_backward(
        2, grad_output, input, weight, bias, stride, padding, output_padding, groups, dilation
    )


def conv_output_size(
    input_size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """The textbook output length floor((i + 2p - d(k - 1) - 1) / s) + 1 along one dimension.

    >>> conv_output_size(32, 5), conv_output_size(224, 7, stride=2, padding=3)
    (28, 112)
    """
    op = "conv_output_size"
    i, k, s, p, d = (
        ints(v, 1, op, a)[0]
        for v, a in [
            (input_size, "input_size"),
            (kernel_size, "kernel_size"),
            (stride, "stride"),
            (padding, "padding"),
            (dilation, "dilation"),
        ]
    )
    for v, a in [(i, "input_size"), (k, "kernel_size"), (s, "stride"), (d, "dilation")]:
        if v <= 0:
            raise ValueError(f"{op}: {a} must be positive, got {v}")
    if p < 0:
        raise ValueError(f"{op}: padding must be >= 0, got {p}")
    out = (i + 2 * p - d * (k - 1) - 1) // s + 1
    if out < 1:
        raise ValueError(
            f"{op}: kernel_size {k} with dilation {d} spans {d * (k - 1) + 1} but the padded "
            f"input has only {i + 2 * p} (output size would be {out})"
        )
    return out


def conv_matrix(kernel, input_hw, stride=1, padding=0, dilation=1) -> Array:
    """The dense matrix M (P*Q, H*W) of a single-channel 2-D convolution with `kernel` (kH, kW):
    conv2d(x[None, None], kernel[None, None])[0, 0] == (M @ x.ravel()).reshape(P, Q), and
    M.T is the transposed convolution with the same kernel.

    >>> conv_matrix(np.array([[1., 2.]]), (1, 3))
    array([[1., 2., 0.],
           [0., 1., 2.]])
    """
    op = "conv_matrix"
    (k,) = _floats(op, kernel=kernel)
    if k.ndim != 2 or k.size == 0:
        raise ValueError(f"{op}: kernel must be a non-empty 2-D array (kH, kW), got {k.shape}")
    H, W = ints(input_hw, 2, op, "input_hw")
    (sh, sw), (ph, pw), (dh, dw) = (
        ints(v, 2, op, a)
        for v, a in [(stride, "stride"), (padding, "padding"), (dilation, "dilation")]
    )
    P = conv_output_size(H, k.shape[0], sh, ph, dh)
    Q = conv_output_size(W, k.shape[1], sw, pw, dw)
    M = np.zeros((P * Q, H * W), dtype=k.dtype)
    for p in range(P):
        for q in range(Q):
            for r in range(k.shape[0]):
                for s in range(k.shape[1]):
                    h, w = p * sh - ph + r * dh, q * sw - pw + s * dw
                    if 0 <= h < H and 0 <= w < W:  # taps in the zero padding contribute nothing
                        M[p * Q + q, h * W + w] += k[r, s]
    return M


__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv1d_backward",
    "conv2d_backward",
    "conv3d_backward",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "conv_transpose1d_backward",
    "conv_transpose2d_backward",
    "conv_transpose3d_backward",
    "conv_output_size",
    "conv_matrix",
]
