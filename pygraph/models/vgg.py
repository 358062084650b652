"""VGG (Simonyan & Zisserman, 2014) in torchvision's layout: configurations A (vgg11),
B (vgg13), D (vgg16), E (vgg19), each optionally with batch norm after every conv.

Initialization as torchvision: conv kaiming_normal_(fan_out, relu) with zero bias, Linear
N(0, 0.01) with zero bias, BatchNorm weight 1 and bias 0.
"""

from __future__ import annotations

from .. import functional as F
from .. import nn
from ..graph import Tensor
from ._registry import register

# numbers are conv widths (3x3, padding 1), "M" a 2x2 max pool
CONFIGS = {
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512,
              "M"],
    "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
              512, 512, 512, 512, "M"],
}  # fmt: skip


def _features(config: list, in_channels: int, batch_norm: bool) -> nn.Sequential:
    layers: list[nn.Module] = []
    c = in_channels
    for v in config:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
            continue
        layers.append(nn.Conv2d(c, v, 3, padding=1))
        if batch_norm:
            layers.append(nn.BatchNorm2d(v))
        layers.append(nn.ReLU())
        c = v
    return nn.Sequential(*layers)


def init_torchvision(model: nn.Module) -> None:
    """torchvision's VGG/ResNet init: conv He-normal (fan_out), Linear N(0, 0.01), BN (1, 0)."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.01)
            nn.init.zeros_(m.bias)


class VGG(nn.Module):
    """features (3x3 convs and 2x2 max pools) -> avgpool to 7x7 -> classifier (4096, 4096).

    x (N, in_channels, H, W) with H, W >= 32 -> logits (N, num_classes).
    """

    def __init__(
        self,
        config: list,
        in_channels: int = 3,
        num_classes: int = 1000,
        batch_norm: bool = False,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        self.features = _features(config, in_channels, batch_norm)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(
            nn.Linear(512 * 7 * 7, 4096),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(4096, num_classes),
        )
        init_torchvision(self)
        self.example_input_shape = (1, in_channels, 224, 224)

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(F.flatten(self.avgpool(self.features(x)), 1))


def _vgg(name: str, batch_norm: bool, **kw: object) -> VGG:
    return VGG(CONFIGS[name], batch_norm=batch_norm, **kw)  # type: ignore[arg-type]


@register
def vgg11(in_channels: int = 3, num_classes: int = 1000, dropout: float = 0.5) -> VGG:
    """VGG-11 (config A): 132,863,336 parameters with the defaults."""
    return _vgg("vgg11", False, in_channels=in_channels, num_classes=num_classes, dropout=dropout)


@register
def vgg11_bn(in_channels: int = 3, num_classes: int = 1000, dropout: float = 0.5) -> VGG:
    """VGG-11 with batch norm: 132,868,840 parameters with the defaults."""
    return _vgg("vgg11", True, in_channels=in_channels, num_classes=num_classes, dropout=dropout)


@register
def vgg13(in_channels: int = 3, num_classes: int = 1000, dropout: float = 0.5) -> VGG:
    """VGG-13 (config B): 133,047,848 parameters with the defaults."""
    return _vgg("vgg13", False, in_channels=in_channels, num_classes=num_classes, dropout=dropout)


@register
def vgg16(in_channels: int = 3, num_classes: int = 1000, dropout: float = 0.5) -> VGG:
    """VGG-16 (config D): 138,357,544 parameters with the defaults.

    >>> import pygraph as pg
    >>> m = pg.models.vgg16(num_classes=10)
    >>> [type(m.features[k]).__name__ for k in range(3)]
    ['Conv2d', 'ReLU', 'Conv2d']
    """
    return _vgg("vgg16", False, in_channels=in_channels, num_classes=num_classes, dropout=dropout)


@register
def vgg16_bn(in_channels: int = 3, num_classes: int = 1000, dropout: float = 0.5) -> VGG:
    """VGG-16 with batch norm: 138,365,992 parameters with the defaults."""
    return _vgg("vgg16", True, in_channels=in_channels, num_classes=num_classes, dropout=dropout)


@register
def vgg19(in_channels: int = 3, num_classes: int = 1000, dropout: float = 0.5) -> VGG:
    """VGG-19 (config E): 143,667,240 parameters with the defaults."""
    return _vgg("vgg19", False, in_channels=in_channels, num_classes=num_classes, dropout=dropout)
