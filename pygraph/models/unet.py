"""U-Net (Ronneberger et al., 2015): a contracting path of double 3x3 convs and 2x2 max pools,
an expanding path of 2x2 stride-2 up-convolutions, each followed by concatenation with the
(center-cropped) encoder features of the same level and a double 3x3 conv; a 1x1 conv head.

padding="valid" is the paper (572x572 in, 388x388 out); padding="same" keeps the input size.
"""

from __future__ import annotations

from .. import functional as F
from .. import nn
from ..graph import Tensor
from ._registry import register


class DoubleConv(nn.Sequential):
    """(conv 3x3 -> [BN] -> ReLU) twice."""

    def __init__(self, cin: int, cout: int, padding: int, batch_norm: bool) -> None:
        layers: list[nn.Module] = []
        for c in (cin, cout):
            layers.append(nn.Conv2d(c, cout, 3, padding=padding, bias=not batch_norm))
            if batch_norm:
                layers.append(nn.BatchNorm2d(cout))
            layers.append(nn.ReLU())
        super().__init__(*layers)


def center_crop(x: Tensor, h: int, w: int) -> Tensor:
    """The central (h, w) window of x (N, C, H, W): the paper's crop of the skip features."""
    top, left = (x.shape[2] - h) // 2, (x.shape[3] - w) // 2
    return x[:, :, top : top + h, left : left + w]


def output_size(input_size: int, depth: int = 4, padding: str = "valid") -> int:
    """The output side for an input side (572 -> 388 at depth 4); raises when a pool would see
    an odd side (valid padding at depth 4 needs input_size = 16 k + 124, k >= 1)."""
    if padding == "same":
        if input_size % 2**depth:
            raise ValueError(
                f"unet: input size {input_size} must be divisible by 2**depth = {2**depth}"
            )
        return input_size
    s = input_size
    for level in range(depth):
        s -= 4
        if s <= 0 or s % 2:
            raise ValueError(
                f"unet: input size {input_size} gives an odd or empty side ({s}) before pool "
                f"{level + 1}; valid padding needs an even side before every pool (e.g. 572)"
            )
        s //= 2
    s -= 4
    for _ in range(depth):
        s = 2 * s - 4
    if s <= 0:
        raise ValueError(f"unet: input size {input_size} is too small for depth {depth}")
    return s


class UNet(nn.Module):
    """x (N, in_channels, H, W) -> per-pixel logits (N, num_classes, H', W') with H' =
    output_size(H) (H itself for padding="same").

    Modules: down (DoubleConvs of the contracting path and the bottom), up (ConvTranspose2d
    2x2/2 halving the channels), dec (DoubleConvs after each concat), head (1x1 conv).
    """

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 2,
        base_channels: int = 64,
        depth: int = 4,
        padding: str = "valid",
        batch_norm: bool = False,
    ) -> None:
        super().__init__()
        if padding not in ("valid", "same"):
            raise ValueError(f"unet: padding must be 'valid' or 'same', got {padding!r}")
        pad = 1 if padding == "same" else 0
        widths = [base_channels * 2**k for k in range(depth + 1)]
        self.down = nn.ModuleList(
            DoubleConv(c, w, pad, batch_norm) for c, w in zip([in_channels, *widths], widths)
        )
        self.pool = nn.MaxPool2d(2, 2)
        rev = widths[::-1]
        self.up = nn.ModuleList(nn.ConvTranspose2d(c, c // 2, 2, stride=2) for c in rev[:-1])
        self.dec = nn.ModuleList(DoubleConv(c, c // 2, pad, batch_norm) for c in rev[:-1])
        self.head = nn.Conv2d(base_channels, num_classes, 1)
        self.depth, self.padding = depth, padding
        side = 572 if padding == "valid" else 256
        self.example_input_shape = (1, in_channels, side, side)

    def forward(self, x: Tensor) -> Tensor:
        output_size(x.shape[2], self.depth, self.padding)  # a clear error for a bad size
        output_size(x.shape[3], self.depth, self.padding)
        skips = []
        for k, block in enumerate(self.down):
            x = block(x if k == 0 else self.pool(x))
            skips.append(x)
        skips.pop()  # the bottom has no skip connection
        for up, dec in zip(self.up, self.dec):
            x = up(x)
            skip = center_crop(skips.pop(), x.shape[2], x.shape[3])
            x = dec(F.concat([skip, x], axis=1))
        return self.head(x)


@register
def unet(
    in_channels: int = 1,
    num_classes: int = 2,
    base_channels: int = 64,
    depth: int = 4,
    padding: str = "valid",
    batch_norm: bool = False,
) -> UNet:
    """U-Net, the paper's layout by default: 31,030,658 parameters (encoder 18,842,048, up-convs
    2,786,240, decoder 9,402,240, head 130); 572x572 in, 388x388 out.

    >>> import numpy as np, pygraph as pg
    >>> m = pg.models.unet(base_channels=2, depth=2, padding="same")
    >>> m(np.zeros((1, 1, 8, 8), np.float32)).shape
    (1, 2, 8, 8)
    """
    return UNet(in_channels, num_classes, base_channels, depth, padding, batch_norm)
