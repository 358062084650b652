"""ResNet (He et al., 2015) in torchvision's layout and module names: BasicBlock for
resnet18/34, Bottleneck for resnet50. Init as torchvision (conv He-normal fan_out, BN 1/0).
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import functional as F
from .. import nn
from ..graph import Tensor
from ._registry import register


def conv3x3(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


def conv1x1(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 1, stride=stride, bias=False)


class BasicBlock(nn.Module):
    """relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)); shortcut = 1x1 conv + BN when the
    shape changes (stride 2 or new width), else x."""

    expansion = 1

    def __init__(self, cin: int, width: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1, self.bn1 = conv3x3(cin, width, stride), nn.BatchNorm2d(width)
        self.relu = nn.ReLU()
        self.conv2, self.bn2 = conv3x3(width, width), nn.BatchNorm2d(width)
        self.register_parameter("downsample", None)
        if stride != 1 or cin != width:
            self.downsample = nn.Sequential(conv1x1(cin, width, stride), nn.BatchNorm2d(width))

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.relu(out + shortcut)


class Bottleneck(nn.Module):
    """1x1 (width) -> 3x3 (width, stride) -> 1x1 (4 * width), each with BN; plus the shortcut."""

    expansion = 4

    def __init__(self, cin: int, width: int, stride: int = 1) -> None:
        super().__init__()
        cout = width * self.expansion
        self.conv1, self.bn1 = conv1x1(cin, width), nn.BatchNorm2d(width)
        self.conv2, self.bn2 = conv3x3(width, width, stride), nn.BatchNorm2d(width)
        self.conv3, self.bn3 = conv1x1(width, cout), nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.register_parameter("downsample", None)
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(conv1x1(cin, cout, stride), nn.BatchNorm2d(cout))

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        shortcut = x if self.downsample is None else self.downsample(x)
        return self.relu(out + shortcut)


class ResNet(nn.Module):
    """conv1 7x7/2 -> bn1 -> relu -> maxpool 3x3/2 -> layer1..4 (widths 64..512, strides
    1, 2, 2, 2) -> global average pool -> fc.

    x (N, in_channels, H, W) -> logits (N, num_classes). base_width scales every width (64
    as torchvision; smaller for quick experiments).
    """

    def __init__(
        self,
        block: type,
        layers: Sequence[int],
        in_channels: int = 3,
        num_classes: int = 1000,
        base_width: int = 64,
    ) -> None:
        super().__init__()
        w = base_width
        self.conv1 = nn.Conv2d(in_channels, w, 7, stride=2, padding=3, bias=False)
        self.bn1, self.relu = nn.BatchNorm2d(w), nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        cin = w
        for k, blocks in enumerate(layers):
            width, stride = w * 2**k, 1 if k == 0 else 2
            stage = []
            for b in range(blocks):
                stage.append(block(cin, width, stride if b == 0 else 1))
                cin = width * block.expansion
            setattr(self, f"layer{k + 1}", nn.Sequential(*stage))
        self.num_stages = len(layers)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(cin, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        self.example_input_shape = (1, in_channels, 224, 224)

    def forward(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for k in range(self.num_stages):
            x = getattr(self, f"layer{k + 1}")(x)
        return self.fc(F.flatten(self.avgpool(x), 1))


@register
def resnet18(in_channels: int = 3, num_classes: int = 1000, base_width: int = 64) -> ResNet:
    """ResNet-18, torchvision layout: 11,689,512 parameters with the defaults.

    >>> import numpy as np, pygraph as pg
    >>> m = pg.models.resnet18(num_classes=5, base_width=8).eval()
    >>> m(np.zeros((1, 3, 32, 32), np.float32)).shape
    (1, 5)
    """
    return ResNet(BasicBlock, (2, 2, 2, 2), in_channels, num_classes, base_width)


@register
def resnet34(in_channels: int = 3, num_classes: int = 1000, base_width: int = 64) -> ResNet:
    """ResNet-34, torchvision layout: 21,797,672 parameters with the defaults."""
    return ResNet(BasicBlock, (3, 4, 6, 3), in_channels, num_classes, base_width)


@register
def resnet50(in_channels: int = 3, num_classes: int = 1000, base_width: int = 64) -> ResNet:
    """ResNet-50 (bottleneck blocks), torchvision layout: 25,557,032 parameters."""
    return ResNet(Bottleneck, (3, 4, 6, 3), in_channels, num_classes, base_width)
