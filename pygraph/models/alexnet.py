"""AlexNet (Krizhevsky et al., 2012) in torchvision's single-tower layout (its module names)."""

from __future__ import annotations

from .. import functional as F
from .. import nn
from ..graph import Tensor
from ._registry import register


class AlexNet(nn.Module):
    """features (5 convs, 3 max pools) -> avgpool to 6x6 -> classifier (dropout, 4096, 4096).

    x (N, in_channels, H, W) with H, W >= 63 -> logits (N, num_classes).
    """

    def __init__(self, in_channels: int = 3, num_classes: int = 1000, dropout: float = 0.5) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 64, 11, stride=4, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(3, 2),
            nn.Conv2d(64, 192, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(3, 2),
            nn.Conv2d(192, 384, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(384, 256, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(256, 256, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(3, 2),
        )
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(dropout),
            nn.Linear(256 * 6 * 6, 4096),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(),
            nn.Linear(4096, num_classes),
        )
        self.example_input_shape = (1, in_channels, 224, 224)

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(F.flatten(self.avgpool(self.features(x)), 1))


@register
def alexnet(in_channels: int = 3, num_classes: int = 1000, dropout: float = 0.5) -> AlexNet:
    """AlexNet, torchvision layout: 61,100,840 parameters with the defaults (224x224 input).

    >>> import pygraph as pg
    >>> sum(p.numel() for p in pg.models.alexnet(num_classes=10).parameters())
    57044810
    """
    return AlexNet(in_channels, num_classes, dropout)
