"""LeNet-5 (LeCun et al., 1998) as taught: two conv/pool stages, then three fully connected layers.

Modern defaults (ReLU, max pooling); activation="tanh" and pool="avg" give the 1998 flavour
(without its sparse C3 connections or RBF output layer).
"""

from __future__ import annotations

from .. import nn
from ..graph import Tensor
from ._registry import register
from .mlp import activation_layer


class LeNet5(nn.Module):
    """features (conv 5x5 -> 6, pool, conv 5x5 -> 16, pool) -> flatten -> classifier (120, 84).

    x (N, in_channels, input_size, input_size) -> logits (N, num_classes).
    """

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 10,
        input_size: int = 32,
        activation: str = "relu",
        pool: str = "max",
    ) -> None:
        super().__init__()
        if pool not in ("max", "avg"):
            raise ValueError(f"lenet5: pool must be 'max' or 'avg', got {pool!r}")
        # 28x28 (MNIST) gets padding 2 on the first conv, as in the lecture variant, so the
        # network is exactly the 32x32 one; other sizes keep valid convs and size the first FC.
        pad = 2 if input_size == 28 else 0
        side = ((input_size + 2 * pad - 4) // 2 - 4) // 2
        if side < 1:
            raise ValueError(f"lenet5: input_size {input_size} is too small (needs >= 16)")
        pool_cls = nn.MaxPool2d if pool == "max" else nn.AvgPool2d
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=pad),
            activation_layer(activation, "lenet5"),
            pool_cls(2),
            nn.Conv2d(6, 16, 5),
            activation_layer(activation, "lenet5"),
            pool_cls(2),
        )
        self.classifier = nn.Sequential(
            nn.Linear(16 * side * side, 120),
            activation_layer(activation, "lenet5"),
            nn.Linear(120, 84),
            activation_layer(activation, "lenet5"),
            nn.Linear(84, num_classes),
        )
        self.example_input_shape = (1, in_channels, input_size, input_size)

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x).reshape(x.shape[0], -1))


@register
def lenet5(
    in_channels: int = 1,
    num_classes: int = 10,
    input_size: int = 32,
    activation: str = "relu",
    pool: str = "max",
) -> LeNet5:
    """LeNet-5: 61,706 parameters with the defaults (conv 156 + 2,416, FC 48,120 + 10,164 + 850).

    input_size=28 pads the first conv by 2 (same network, same count); any other size keeps
    the valid convs and adapts the first FC layer's input (16 * s * s).

    >>> import numpy as np, pygraph as pg
    >>> pg.models.lenet5(input_size=28)(np.zeros((2, 1, 28, 28), np.float32)).shape
    (2, 10)
    """
    return LeNet5(in_channels, num_classes, input_size, activation, pool)
