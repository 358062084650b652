"""Convolution layers: Conv1d/2d/3d and ConvTranspose2d with torch.nn's arguments and layouts.

Conv weight (out_channels, in_channels/groups, *kernel_size); ConvTranspose weight
(in_channels, out_channels/groups, *kernel_size); bias (out_channels,). Default init as torch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import functional as F
from ..graph import Tensor
from . import init
from .module import Module
from .parameter import Parameter


def _tuple(v: Any, nd: int) -> tuple:
    return tuple(int(x) for x in v) if isinstance(v, (tuple, list)) else (int(v),) * nd


class _ConvNd(Module):
    nd = 2
    transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        output_padding: Any = 0,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{name}: in_channels ({in_channels}) and out_channels "
                f"({out_channels}) must be divisible by groups ({groups})"
            )
        if padding_mode != "zeros":
            raise ValueError(
                f"{name}: only padding_mode='zeros' is supported, got {padding_mode!r}"
            )
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _tuple(kernel_size, self.nd)
        self.stride, self.dilation = _tuple(stride, self.nd), _tuple(dilation, self.nd)
        self.padding = padding if isinstance(padding, str) else _tuple(padding, self.nd)
        self.output_padding = _tuple(output_padding, self.nd)
        chans = (
            (in_channels, out_channels // groups)
            if self.transposed
            else (out_channels, in_channels // groups)
        )
        self.weight = Parameter(np.zeros(chans + self.kernel_size, np.float32))
        bias_p = Parameter(np.zeros(out_channels, np.float32)) if bias else None
        self.register_parameter("bias", bias_p)
        init.default_linear_(self.weight, self.bias)

    def extra_repr(self) -> str:
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * self.nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self.nd:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        return s + ("" if self.bias is not None else ", bias=False")

    def forward(self, x: Tensor) -> Tensor:
        conv = getattr(F, f"conv{self.nd}d")
        return conv(
            x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
        )


class Conv1d(_ConvNd):
    """(N, C_in, L) -> (N, C_out, L_out)."""

    nd = 1


class Conv2d(_ConvNd):
    """(N, C_in, H, W) -> (N, C_out, H_out, W_out); padding may be 'same' or 'valid'."""

    nd = 2


class Conv3d(_ConvNd):
    """(N, C_in, D, H, W) -> (N, C_out, D_out, H_out, W_out)."""

    nd = 3


class ConvTranspose2d(_ConvNd):
    """(N, C_in, H, W) -> (N, C_out, H_out, W_out), H_out = (H - 1)*stride - 2*padding +
    dilation*(kH - 1) + output_padding + 1."""

    nd = 2
    transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        padding_mode: str = "zeros",
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            output_padding,
        )

    def forward(self, x: Tensor) -> Tensor:
        return F.conv_transpose2d(
            x,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.output_padding,
            self.groups,
            self.dilation,
        )
