"""Graph functions of the conv family: convolutions (1-D, 2-D, 3-D, transposed) and pooling.

Names and arguments follow torch.nn.functional; an int attribute means one value per spatial
dim (stride=2 -> (2, 2)). Each call adds one node; its gradient is a backward node.

>>> import numpy as np, pygraph as pg
>>> x = pg.input((1, 1, 4, 4), name="x_doc_conv")
>>> w = pg.param((2, 1, 3, 3), init="ones", name="w_doc_conv")
>>> y = pg.max_pool2d(pg.conv2d(x, w, padding=1), 2)
>>> y.shape
(1, 2, 2, 2)
>>> float(pg.compile(y)(x_doc_conv=np.ones((1, 1, 4, 4))).max())
9.0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union

from ..graph import Tensor, _as_tensor, _emit, _origin
from ..ops._args import ints
from ..ops.conv import _groups, _padding
from ..ops.pool import _window

Ints = Union[int, Sequence[int]]  # an int or one per spatial dim: 2 or (2, 2)


def _emit_all(op: str, x: Tensor, **attrs) -> list[Tensor]:
    """_emit for ops with several outputs (max_pool: values and indices)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: input must be a graph Tensor, got {type(x).__name__}")
    ids = [_as_tensor(x, x.graph, x.dtype).id]
    return [Tensor(x.graph, v) for v in x.graph.add(op, ids, attrs, _origin())]


def _inputs(input: Tensor, weight: Tensor, bias: Tensor | None) -> tuple[Tensor, ...]:  # noqa: A002
    return (input, weight) if bias is None else (input, weight, bias)


def _conv(nd: int, input, weight, bias, stride, padding, dilation, groups) -> Tensor:  # noqa: A002
    op = f"conv{nd}d"
    pad, mode = _padding(padding, nd, op)
    return _emit(
        op,
        *_inputs(input, weight, bias),
        stride=ints(stride, nd, op, "stride"),
        padding=pad,
        dilation=ints(dilation, nd, op, "dilation"),
        groups=_groups(groups, op),
        padding_mode=mode or None,
    )


def conv1d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Ints = 1,
    padding: Ints | str = 0,
    dilation: Ints = 1,
    groups: int = 1,
) -> Tensor:
    """1-D convolution: input (N, C, L), weight (K, C/groups, kL), bias (K,) -> (N, K, L_out).
    padding: ints, "same" (stride 1) or "valid"."""
    return _conv(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Ints = 1,
    padding: Ints | str = 0,
    dilation: Ints = 1,
    groups: int = 1,
) -> Tensor:
    """2-D convolution: input (N, C, H, W), weight (K, C/groups, kH, kW), bias (K,)
    -> (N, K, P, Q) with P = (H + 2*padding - dilation*(kH - 1) - 1) // stride + 1.
    padding: ints, "same" (stride 1) or "valid"."""
    return _conv(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Ints = 1,
    padding: Ints | str = 0,
    dilation: Ints = 1,
    groups: int = 1,
) -> Tensor:
    """3-D convolution: input (N, C, D, H, W), weight (K, C/groups, kD, kH, kW), bias (K,)
    -> (N, K, D_out, P, Q). padding: ints, "same" (stride 1) or "valid"."""
    return _conv(3, input, weight, bias, stride, padding, dilation, groups)


def _tconv(nd, input, weight, bias, stride, padding, output_padding, groups, dilation) -> Tensor:  # noqa: A002
    op = f"conv_transpose{nd}d"
    return _emit(
        op,
        *_inputs(input, weight, bias),
        stride=ints(stride, nd, op, "stride"),
        padding=ints(padding, nd, op, "padding"),
        output_padding=ints(output_padding, nd, op, "output_padding"),
        dilation=ints(dilation, nd, op, "dilation"),
        groups=_groups(groups, op),
    )


def conv_transpose1d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Ints = 1,
    padding: Ints = 0,
    output_padding: Ints = 0,
    groups: int = 1,
    dilation: Ints = 1,
) -> Tensor:
    """Transposed 1-D convolution: input (N, C_in, L), weight (C_in, C_out/groups, kL),
    bias (C_out,) -> (N, C_out, L_out)."""
    return _tconv(1, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Ints = 1,
    padding: Ints = 0,
    output_padding: Ints = 0,
    groups: int = 1,
    dilation: Ints = 1,
) -> Tensor:
    """Transposed 2-D convolution (the input gradient of conv2d): input (N, C_in, H, W),
    weight (C_in, C_out/groups, kH, kW), bias (C_out,) -> (N, C_out, H_out, W_out) with
    H_out = (H - 1)*stride - 2*padding + dilation*(kH - 1) + output_padding + 1."""
    return _tconv(2, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose3d(
    input: Tensor,  # noqa: A002
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Ints = 1,
    padding: Ints = 0,
    output_padding: Ints = 0,
    groups: int = 1,
    dilation: Ints = 1,
) -> Tensor:
    """Transposed 3-D convolution: input (N, C_in, D, H, W), weight (C_in, C_out/groups, kD,
    kH, kW), bias (C_out,) -> (N, C_out, D_out, H_out, W_out)."""
    return _tconv(3, input, weight, bias, stride, padding, output_padding, groups, dilation)


def _max_pool(nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):  # noqa: A002
    op = f"max_pool{nd}d"
    k, s, p, d = _window(op, nd, kernel_size, stride, padding, dilation)
    values, indices = _emit_all(
        op, input, kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=bool(ceil_mode)
    )
    return (values, indices) if return_indices else values


def max_pool1d(
    input: Tensor,  # noqa: A002
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    dilation: Ints = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """Max over sliding windows of (N, C, W) -> (N, C, Q); stride defaults to kernel_size.
    With return_indices, also the int64 argmax positions (flat in each plane)."""
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(
    input: Tensor,  # noqa: A002
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    dilation: Ints = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """Max over sliding windows of (N, C, H, W) -> (N, C, P, Q); stride defaults to
    kernel_size. With return_indices, also the int64 argmax positions (flat in each H*W plane),
    which max_unpool2d takes. The gradient goes to the saved argmaxes."""
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _avg_pool(nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor):  # noqa: A002
    op = f"avg_pool{nd}d"
    k, s, p, _ = _window(op, nd, kernel_size, stride, padding)
    div = None if divisor is None else ints(divisor, 1, op, "divisor_override")[0]
    return _emit(
        op,
        input,
        kernel_size=k,
        stride=s,
        padding=p,
        ceil_mode=bool(ceil_mode),
        count_include_pad=bool(count_include_pad),
        divisor_override=div,
    )


def avg_pool1d(
    input: Tensor,  # noqa: A002
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """Mean over sliding windows of (N, C, W) -> (N, C, Q); stride defaults to kernel_size."""
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(
    input: Tensor,  # noqa: A002
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over sliding windows of (N, C, H, W) -> (N, C, P, Q); stride defaults to
    kernel_size. divisor_override replaces the window size as the divisor."""
    return _avg_pool(
        2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override
    )


def _adaptive(nd: int, input: Tensor, output_size) -> Tensor:  # noqa: A002
    op = f"adaptive_avg_pool{nd}d"
    if nd == 2 and isinstance(output_size, Sequence) and len(output_size) == 2:
        # None keeps that input dimension, as torch
        output_size = [input.shape[2 + i] if v is None else v for i, v in enumerate(output_size)]
    return _emit(op, input, output_size=ints(output_size, nd, op, "output_size"))


def adaptive_avg_pool1d(input: Tensor, output_size: Ints) -> Tensor:  # noqa: A002
    """Mean over output_size windows of (N, C, W) -> (N, C, output_size); window i spans
    [floor(i*W/n), ceil((i+1)*W/n))."""
    return _adaptive(1, input, output_size)


def adaptive_avg_pool2d(input: Tensor, output_size: Ints | Sequence[int | None]) -> Tensor:  # noqa: A002
    """Mean over an output_size grid of windows of (N, C, H, W) -> (N, C, *output_size);
    None in output_size keeps that input dim."""
    return _adaptive(2, input, output_size)


def global_avg_pool2d(input: Tensor) -> Tensor:  # noqa: A002
    """Mean of each (H, W) plane: (N, C, H, W) -> (N, C, 1, 1)."""
    return _emit("global_avg_pool2d", input)


def global_max_pool2d(input: Tensor) -> Tensor:  # noqa: A002
    """Max of each (H, W) plane: (N, C, H, W) -> (N, C, 1, 1); the gradient goes to each
    plane's first maximum."""
    return _emit("global_max_pool2d", input)


def max_unpool2d(
    input: Tensor,  # noqa: A002
    indices: Tensor,
    kernel_size: Ints,
    stride: Ints | None = None,
    padding: Ints = 0,
    output_size: Sequence[int] | None = None,
) -> Tensor:
    """Partial inverse of max_pool2d: input (N, C, H, W) placed at its int64 indices (as
    max_pool2d(..., return_indices=True) gives) in (N, C, Ho, Wo), zeros elsewhere. Default
    Ho = (H - 1)*stride - 2*padding + kernel_size; output_size ((Ho, Wo) or (N, C, Ho, Wo))
    may differ from it by less than a stride."""
    op = "max_unpool2d"
    k, s, p, _ = _window(op, 2, kernel_size, stride, padding)
    size = None
    if output_size is not None:
        out = tuple(output_size)
        size = ints(out[-2:] if len(out) == 4 else out, 2, op, "output_size")
    return _emit(op, input, indices, kernel_size=k, stride=s, padding=p, output_size=size)


__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
           "adaptive_avg_pool1d", "adaptive_avg_pool2d", "global_avg_pool2d", "global_max_pool2d",
           "max_unpool2d"]  # fmt: skip
