"""Weight initializers, as torch.nn.init: they fill a Parameter in place and return it.

Numbers come from pygraph's generator (pg.manual_seed), so the same seed gives the same model.
Fans follow torch's layout: weight (out, in, *kernel) -> fan_in = in * prod(kernel).

>>> import numpy as np, pygraph as pg
>>> pg.manual_seed(0)
>>> w = pg.nn.init.kaiming_uniform_(pg.nn.Parameter(np.zeros((64, 100), np.float32)))
>>> bool(np.abs(w.value).max() <= np.sqrt(6 / 100))
True
"""

from __future__ import annotations

import math

import numpy as np

from ..graph import _state
from .parameter import Parameter

__all__ = [
    "calculate_gain",
    "uniform_",
    "normal_",
    "constant_",
    "zeros_",
    "ones_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
]


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (torch.nn.init.calculate_gain)."""
    linear = (
        "linear",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
        "sigmoid",
    )
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    if len(shape) < 2:
        raise ValueError(f"init: fan in and fan out need at least 2 dims, got shape {shape}")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def _fill(p: Parameter, values: np.ndarray) -> Parameter:
    p.value = values.astype(p.dtype, copy=False)
    return p


# float32 parameters draw float32 numbers directly: no float64 copy of a 100 M-weight layer
# (VGG's first Linear), which keeps building the big models to a couple of seconds.
def uniform_(p: Parameter, a: float = 0.0, b: float = 1.0) -> Parameter:
    rng = _state["rng"]
    if p.dtype != "float32":
        return _fill(p, rng.uniform(a, b, p.shape))
    v = rng.random(p.shape, dtype=np.float32)
    v *= np.float32(b - a)
    v += np.float32(a)
    return _fill(p, v)


def normal_(p: Parameter, mean: float = 0.0, std: float = 1.0) -> Parameter:
    rng = _state["rng"]
    if p.dtype != "float32":
        return _fill(p, rng.normal(mean, std, p.shape))
    v = rng.standard_normal(p.shape, dtype=np.float32)
    v *= np.float32(std)
    v += np.float32(mean)
    return _fill(p, v)


def constant_(p: Parameter, val: float) -> Parameter:
    return _fill(p, np.full(p.shape, val))


def zeros_(p: Parameter) -> Parameter:
    return constant_(p, 0.0)


def ones_(p: Parameter) -> Parameter:
    return constant_(p, 1.0)


def xavier_uniform_(p: Parameter, gain: float = 1.0) -> Parameter:
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""
    fan_in, fan_out = _fans(p.shape)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(p, -a, a)


def xavier_normal_(p: Parameter, gain: float = 1.0) -> Parameter:
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(p.shape)
    return normal_(p, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def _kaiming_std(p: Parameter, a: float, mode: str, nonlinearity: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(p.shape)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    p: Parameter, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Parameter:
    """U(-b, b) with b = gain * sqrt(3 / fan) (He et al., 2015); a is leaky_relu's slope."""
    bound = math.sqrt(3.0) * _kaiming_std(p, a, mode, nonlinearity)
    return uniform_(p, -bound, bound)


def kaiming_normal_(
    p: Parameter, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Parameter:
    """N(0, std^2) with std = gain / sqrt(fan)."""
    return normal_(p, 0.0, _kaiming_std(p, a, mode, nonlinearity))


def default_linear_(weight: Parameter, bias: Parameter | None) -> None:
    """torch's Linear/Conv default: kaiming_uniform_(a=sqrt(5)), bias U(+-1/sqrt(fan_in))."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = _fans(weight.shape)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        uniform_(bias, -bound, bound)
