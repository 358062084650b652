"""mlp: a multilayer perceptron, Flatten -> (Linear -> activation -> Dropout) * k -> Linear."""

from __future__ import annotations

from collections.abc import Sequence

from .. import nn
from ._registry import register

_ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "elu": nn.ELU,
    "selu": nn.SELU,
    "leaky_relu": nn.LeakyReLU,
}


def activation_layer(name: str, who: str) -> nn.Module:
    """A fresh activation module by name ("relu", "tanh", ...); who names the caller in errors."""
    if name not in _ACTIVATIONS:
        raise ValueError(f"{who}: activation must be one of {sorted(_ACTIVATIONS)}, got {name!r}")
    return _ACTIVATIONS[name]()


@register
def mlp(
    in_features: int = 784,
    hidden: Sequence[int] = (256,),
    num_classes: int = 10,
    activation: str = "relu",
    dropout: float = 0.0,
) -> nn.Sequential:
    """A fully connected classifier: (N, *) flattened to (N, in_features) -> (N, num_classes).

    Layers: Flatten, then per hidden width Linear, activation (and Dropout when dropout > 0),
    then the output Linear. Defaults: 784 -> 256 -> 10, 203,530 parameters.

    >>> import numpy as np, pygraph as pg
    >>> pg.models.mlp()(np.zeros((2, 1, 28, 28), np.float32)).shape
    (2, 10)
    """
    layers: list[nn.Module] = [nn.Flatten()]
    width = in_features
    for h in hidden:
        layers += [nn.Linear(width, h), activation_layer(activation, "mlp")]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = h
    layers.append(nn.Linear(width, num_classes))
    model = nn.Sequential(*layers)
    model.example_input_shape = (1, in_features)
    return model
