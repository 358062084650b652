"""Small networks whose gradients a course derives by hand, each with random inputs:
`EXAMPLES[name]()` -> (loss, wrt, feeds). Used by `make demo`, the CLI's tests and the
derivation tests; notebooks/02 builds the same networks step by step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import nn
from ..functional import (
    avg_pool2d,
    binary_cross_entropy,
    conv2d,
    cross_entropy,
    flatten,
    max_pool2d,
    relu,
    sigmoid,
)
from ..graph import constant, input, manual_seed, new_graph, param

Example = tuple[Any, Any, dict[str, np.ndarray]]


def _start(seed: int = 0) -> np.random.Generator:
    new_graph()
    manual_seed(seed)
    return np.random.default_rng(seed)


def two_layer_sigmoid() -> Example:
    """x (4, 3) -> Linear 3→5 -> σ -> Linear 5→2 -> σ -> binary cross-entropy; d/d W⁽¹⁾."""
    rng = _start()
    x, t = input((4, 3), name="x"), input((4, 2), name="t")
    first, second = nn.Linear(3, 5), nn.Linear(5, 2)
    loss = binary_cross_entropy(sigmoid(second(sigmoid(first(x)))), t)
    return loss, first.weight, {"x": rng.normal(size=(4, 3)), "t": rng.uniform(size=(4, 2))}


def softmax_mlp() -> Example:
    """A 4-layer tanh MLP with softmax + cross-entropy; d/d W⁽¹⁾ (the layers recur)."""
    rng = _start()
    x, t = input((4, 3), name="x"), input((4,), dtype="int64", name="t")
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 5), nn.Tanh(),
                          nn.Linear(5, 5), nn.Tanh(), nn.Linear(5, 4))  # fmt: skip
    loss = cross_entropy(model(x), t)
    return loss, model[0].weight, {"x": rng.normal(size=(4, 3)), "t": rng.integers(0, 4, 4)}


def strided_conv(wrt: str = "w") -> Example:
    """A 3×3 convolution with stride 2 and padding 1, ReLU, a weighted sum; d/d w or d/d x."""
    rng = _start()
    x = input((2, 2, 7, 7), name="x")
    w = param((3, 2, 3, 3), init=rng.normal(size=(3, 2, 3, 3)) / 3, name="w")
    weights = constant(rng.normal(size=(2, 3, 4, 4)))
    loss = (relu(conv2d(x, w, stride=2, padding=1)) * weights).sum()
    return loss, wrt, {"x": rng.normal(size=(2, 2, 7, 7))}


def pooling() -> Example:
    """A 1×1 convolution, then 2×2 max pooling and 2×2 average pooling; d/d w."""
    rng = _start()
    x = input((2, 2, 4, 4), name="x")
    w = param((2, 2, 1, 1), init=rng.normal(size=(2, 2, 1, 1)), name="w")
    z = conv2d(x, w)
    weights = [constant(rng.normal(size=(2, 2, 2, 2))) for _ in range(2)]
    loss = (max_pool2d(z, 2) * weights[0]).sum() + (avg_pool2d(z, 2) * weights[1]).sum()
    return loss, w, {"x": rng.normal(size=(2, 2, 4, 4))}


def batch_norm(wrt: str = "x") -> Example:
    """BatchNorm2d in training mode, then a weighted sum; d/d x (or "weight", "bias")."""
    rng = _start()
    x = input((3, 2, 2, 2), name="x")
    bn = nn.BatchNorm2d(2)
    bn.weight.value = rng.uniform(0.5, 1.5, 2).astype(np.float32)
    loss = (bn(x) * constant(rng.normal(size=(3, 2, 2, 2)))).sum()
    return loss, wrt, {"x": rng.normal(size=(3, 2, 2, 2))}


def _recurrent(layer: type) -> Example:
    rng = _start()
    x = input((2, 4, 3), name="x")
    cell = layer(3, 4)
    out, _ = cell(x)
    loss = (out * constant(rng.normal(size=(2, 4, 4)))).sum()
    return loss, cell.weight_hh_l0, {"x": rng.normal(size=(2, 4, 3))}


def rnn() -> Example:
    """An Elman RNN (tanh) over 4 time steps, a weighted sum of its outputs; d/d W_hh."""
    return _recurrent(nn.RNN)


def lstm() -> Example:
    """An LSTM over 4 time steps (gates from one matmul, sliced), a weighted sum of its
    outputs; d/d W_hh."""
    return _recurrent(nn.LSTM)


def residual() -> Example:
    """A 3×3 stem, three identical residual blocks (conv-BN-ReLU-conv-BN + x, ReLU) and a
    linear head with cross-entropy; d/d the stem's kernel (the blocks repeat)."""
    from ..models.resnet import BasicBlock

    rng = _start()
    x, t = input((2, 2, 6, 6), name="x"), input((2,), dtype="int64", name="t")
    stem = nn.Conv2d(2, 3, 3, padding=1)
    blocks = nn.Sequential(*[BasicBlock(3, 3) for _ in range(3)])
    head = nn.Linear(3 * 6 * 6, 4)
    loss = cross_entropy(head(flatten(blocks(stem(x)))), t)
    return loss, stem.weight, {"x": rng.normal(size=(2, 2, 6, 6)), "t": np.array([0, 3])}


def lenet5(wrt: str = "features.0.weight") -> Example:
    """LeNet-5 with cross-entropy on a batch of 2; d/d its first convolution's kernel."""
    from ..models import lenet5 as build

    rng = _start()
    model = build()
    x, t = input((2, 1, 32, 32), name="x"), input((2,), dtype="int64", name="t")
    loss = cross_entropy(model(x), t)
    return loss, wrt, {"x": rng.normal(size=(2, 1, 32, 32)), "t": np.array([1, 7])}


EXAMPLES: dict[str, Callable[[], Example]] = {
    "two_layer_sigmoid": two_layer_sigmoid,
    "softmax_mlp": softmax_mlp,
    "strided_conv": strided_conv,
    "strided_conv_input": lambda: strided_conv("x"),
    "pooling": pooling,
    "batch_norm": batch_norm,
    "batch_norm_gamma": lambda: batch_norm("weight"),
    "rnn": rnn,
    "lstm": lstm,
    "residual": residual,
    "lenet5": lenet5,
}
