"""DenseNet-BC (Huang et al., 2017) in torchvision's layout and module names: dense blocks whose
layers see the concatenation of all earlier feature maps, a 1x1 bottleneck (bn_size * k
channels) before each 3x3 conv, and transitions that compress the channels (by 0.5) and pool.
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import functional as F
from .. import nn
from ..graph import Tensor
from ._registry import register


class DenseLayer(nn.Module):
    """BN-ReLU-conv1x1 (bn_size * growth_rate) -> BN-ReLU-conv3x3 (growth_rate new channels)."""

    def __init__(self, cin: int, growth_rate: int, bn_size: int, drop_rate: float) -> None:
        super().__init__()
        mid = bn_size * growth_rate
        self.norm1, self.relu1 = nn.BatchNorm2d(cin), nn.ReLU()
        self.conv1 = nn.Conv2d(cin, mid, 1, bias=False)
        self.norm2, self.relu2 = nn.BatchNorm2d(mid), nn.ReLU()
        self.conv2 = nn.Conv2d(mid, growth_rate, 3, padding=1, bias=False)
        self.dropout = nn.Dropout(drop_rate)

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv1(self.relu1(self.norm1(x)))
        return self.dropout(self.conv2(self.relu2(self.norm2(x))))


class DenseBlock(nn.Module):
    """num_layers DenseLayers; out = concat(input, every layer's growth_rate channels)."""

    def __init__(
        self, num_layers: int, cin: int, growth_rate: int, bn_size: int, drop_rate: float
    ) -> None:
        super().__init__()
        for i in range(num_layers):
            layer = DenseLayer(cin + i * growth_rate, growth_rate, bn_size, drop_rate)
            self.add_module(f"denselayer{i + 1}", layer)

    def forward(self, x: Tensor) -> Tensor:
        features = [x]
        for layer in self.children():
            x = features[0] if len(features) == 1 else F.concat(features, axis=1)
            features.append(layer(x))
        return F.concat(features, axis=1)


class Transition(nn.Sequential):
    """BN-ReLU-conv1x1 (cin -> cout) -> 2x2 average pool."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.norm, self.relu = nn.BatchNorm2d(cin), nn.ReLU()
        self.conv = nn.Conv2d(cin, cout, 1, bias=False)
        self.pool = nn.AvgPool2d(2, stride=2)


class DenseNet(nn.Module):
    """features (stem, dense blocks with transitions between, norm5) -> relu -> global average
    pool -> classifier. stem "imagenet": conv 7x7/2 + BN + ReLU + max pool 3x3/2 (torchvision);
    "cifar": one 3x3 conv (Huang et al.'s CIFAR networks).

    x (N, in_channels, H, W) -> logits (N, num_classes).
    """

    def __init__(
        self,
        growth_rate: int = 12,
        block_config: Sequence[int] = (16, 16, 16),
        num_init_features: int = 24,
        bn_size: int = 4,
        compression: float = 0.5,
        drop_rate: float = 0.0,
        in_channels: int = 3,
        num_classes: int = 10,
        stem: str = "cifar",
    ) -> None:
        super().__init__()
        self.features = _stem(stem, in_channels, num_init_features)
        c = num_init_features
        for i, n in enumerate(block_config):
            self.features.add_module(
                f"denseblock{i + 1}", DenseBlock(n, c, growth_rate, bn_size, drop_rate)
            )
            c += n * growth_rate
            if i != len(block_config) - 1:
                cout = int(c * compression)
                self.features.add_module(f"transition{i + 1}", Transition(c, cout))
                c = cout
        self.features.add_module("norm5", nn.BatchNorm2d(c))
        self.relu, self.avgpool = nn.ReLU(), nn.AdaptiveAvgPool2d((1, 1))
        self.classifier = nn.Linear(c, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight)
            elif isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)
        side = 224 if stem == "imagenet" else 32
        self.example_input_shape = (1, in_channels, side, side)

    def forward(self, x: Tensor) -> Tensor:
        x = self.avgpool(self.relu(self.features(x)))
        return self.classifier(F.flatten(x, 1))


def _stem(stem: str, in_channels: int, width: int) -> nn.Sequential:
    if stem == "cifar":
        return nn.Sequential({"conv0": nn.Conv2d(in_channels, width, 3, padding=1, bias=False)})
    if stem != "imagenet":
        raise ValueError(f"densenet: stem must be 'cifar' or 'imagenet', got {stem!r}")
    return nn.Sequential(
        {
            "conv0": nn.Conv2d(in_channels, width, 7, stride=2, padding=3, bias=False),
            "norm0": nn.BatchNorm2d(width),
            "relu0": nn.ReLU(),
            "pool0": nn.MaxPool2d(3, stride=2, padding=1),
        }
    )


@register
def densenet(
    in_channels: int = 3,
    num_classes: int = 10,
    growth_rate: int = 12,
    block_config: Sequence[int] = (16, 16, 16),
    num_init_features: int = 24,
    bn_size: int = 4,
    compression: float = 0.5,
    drop_rate: float = 0.0,
    stem: str = "cifar",
) -> DenseNet:
    """A small DenseNet-BC for 32x32 images: DenseNet-BC-100 with k = 12 (Huang et al.): stem
    3x3 conv 3 -> 24, three blocks of 16 layers (24 -> 216, 108 -> 300, 150 -> 342 channels),
    transitions halving the channels, BN, fc. 769,162 parameters with the defaults.

    >>> import numpy as np, pygraph as pg
    >>> m = pg.models.densenet(growth_rate=4, block_config=(2, 2), num_init_features=8)
    >>> m.eval()(np.zeros((1, 3, 8, 8), np.float32)).shape
    (1, 10)
    """
    return DenseNet(
        growth_rate, block_config, num_init_features, bn_size, compression, drop_rate,
        in_channels, num_classes, stem,
    )  # fmt: skip


@register
def densenet121(in_channels: int = 3, num_classes: int = 1000) -> DenseNet:
    """DenseNet-121, torchvision layout (k = 32, blocks 6, 12, 24, 16, 64 stem features,
    ImageNet stem): 7,978,856 parameters with the defaults."""
    return DenseNet(32, (6, 12, 24, 16), 64, 4, 0.5, 0.0, in_channels, num_classes, "imagenet")
