"""GoogLeNet-style inception (Szegedy et al., 2014): four parallel branches concatenated on
channels, in torchvision's module names (branch1..4, each conv a BasicConv2d: conv, bn, relu).

Like torchvision, convs have batch norm (eps 0.001) and no bias; unlike torchvision, branch3
uses the paper's 5x5 conv (torchvision's has 3x3 there).
"""

from __future__ import annotations

from typing import Any

from .. import functional as F
from .. import nn
from ..graph import Tensor
from ._registry import register


class BasicConv2d(nn.Module):
    """relu(bn(conv(x))), the conv without bias (BN has one)."""

    def __init__(self, cin: int, cout: int, kernel_size: int, **kw: Any) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel_size, bias=False, **kw)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)
        self.relu = nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        return self.relu(self.bn(self.conv(x)))


class Inception(nn.Module):
    """concat(1x1, 1x1 -> 3x3, 1x1 -> 5x5, maxpool 3x3 -> 1x1) along channels.

    x (N, in_channels, H, W) -> (N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W).
    """

    def __init__(
        self,
        in_channels: int,
        ch1x1: int,
        ch3x3red: int,
        ch3x3: int,
        ch5x5red: int,
        ch5x5: int,
        pool_proj: int,
    ) -> None:
        super().__init__()
        self.branch1 = BasicConv2d(in_channels, ch1x1, 1)
        self.branch2 = nn.Sequential(
            BasicConv2d(in_channels, ch3x3red, 1), BasicConv2d(ch3x3red, ch3x3, 3, padding=1)
        )
        self.branch3 = nn.Sequential(
            BasicConv2d(in_channels, ch5x5red, 1), BasicConv2d(ch5x5red, ch5x5, 5, padding=2)
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1), BasicConv2d(in_channels, pool_proj, 1)
        )
        self.out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj
        self.example_input_shape = (1, in_channels, 28, 28)

    def forward(self, x: Tensor) -> Tensor:
        branches = (self.branch1, self.branch2, self.branch3, self.branch4)
        return F.concat([b(x) for b in branches], axis=1)


@register
def inception(
    in_channels: int = 192,
    ch1x1: int = 64,
    ch3x3red: int = 96,
    ch3x3: int = 128,
    ch5x5red: int = 16,
    ch5x5: int = 32,
    pool_proj: int = 32,
) -> Inception:
    """One inception block; the defaults are GoogLeNet's 3a (192 -> 256 channels at 28x28),
    164,064 parameters (each conv's weights plus its BN's 2 * out): 1x1 12,416, 3x3 branch
    18,624 + 110,848, 5x5 branch 3,104 + 12,864, pool branch 6,208.

    >>> import numpy as np, pygraph as pg
    >>> pg.models.inception(8, 4, 4, 8, 2, 4, 4)(np.zeros((1, 8, 6, 6), np.float32)).shape
    (1, 20, 6, 6)
    """
    return Inception(in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj)


# (in, 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool proj) per block; "M" a 3x3/2 max pool
SMALL_GOOGLENET = [
    (64, 32, 48, 64, 8, 16, 16),  # -> 128
    (128, 64, 64, 96, 16, 48, 32),  # -> 240
    "M",
    (240, 96, 48, 104, 8, 24, 32),  # -> 256
    (256, 80, 56, 112, 12, 32, 32),  # -> 256
    "M",
    (256, 128, 80, 160, 16, 64, 64),  # -> 416
]


class GoogLeNet(nn.Module):
    """A GoogLeNet for small images: stem (3x3 conv to 64) -> inception blocks with 3x3/2 max
    pools between -> global average pool -> dropout -> fc.

    x (N, in_channels, H, W) -> logits (N, num_classes).
    """

    def __init__(
        self,
        in_channels: int = 3,
        num_classes: int = 10,
        config: list = SMALL_GOOGLENET,
        dropout: float = 0.2,
        input_size: int = 32,
    ) -> None:
        super().__init__()
        stem_out = next(c for c in config if c != "M")[0]
        self.stem = BasicConv2d(in_channels, stem_out, 3, padding=1)
        blocks: list[nn.Module] = []
        for c in config:
            blocks.append(nn.MaxPool2d(3, stride=2, padding=1) if c == "M" else Inception(*c))
        self.blocks = nn.Sequential(*blocks)
        width = [c for c in config if c != "M"][-1]
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(_out(width), num_classes)
        self.example_input_shape = (1, in_channels, input_size, input_size)

    def forward(self, x: Tensor) -> Tensor:
        x = self.blocks(self.stem(x))
        return self.fc(self.dropout(F.flatten(self.avgpool(x), 1)))


def _out(block: tuple) -> int:
    _, c1, _, c3, _, c5, cp = block
    return c1 + c3 + c5 + cp


@register
def googlenet_small(
    in_channels: int = 3, num_classes: int = 10, dropout: float = 0.2, input_size: int = 32
) -> GoogLeNet:
    """A small GoogLeNet for 32x32 images (layout in SMALL_GOOGLENET): stem 3x3 conv 3 -> 64,
    inception 128, 240, pool, 256, 256, pool, 416, global pool, fc. 564,402 parameters with
    the defaults (convs and BN of the stem and the five blocks, and fc 416 * 10 + 10).

    >>> import numpy as np, pygraph as pg
    >>> pg.models.googlenet_small().eval()(np.zeros((2, 3, 32, 32), np.float32)).shape
    (2, 10)
    """
    return GoogLeNet(in_channels, num_classes, SMALL_GOOGLENET, dropout, input_size)
