"""Eager elementwise ops: activations and broadcasting arithmetic, numpy in, numpy out.

Names, argument order and defaults follow torch.nn.functional (and torch.add/sub/mul/div).
Each `<op>_backward(grad_output, <forward inputs>, <same attributes>)` returns a tuple with
the gradient of every array input. float32 runs the SIMD kernels; float64 (all inputs float64)
runs the double-precision reference. Empty arrays give empty results.

>>> import numpy as np
>>> relu(np.array([-1.0, 2.0]))
array([0., 2.])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _core
from ._args import floats, ints

__all__ = [
    "relu", "leaky_relu", "prelu", "elu", "selu", "gelu", "silu", "swish", "sigmoid", "tanh",
    "erf", "softplus", "maxout", "exp", "log", "sqrt", "neg", "abs",
    "add", "sub", "mul", "div",
    "relu_backward", "leaky_relu_backward", "prelu_backward", "elu_backward", "selu_backward",
    "gelu_backward", "silu_backward", "swish_backward", "sigmoid_backward", "tanh_backward",
    "erf_backward", "softplus_backward", "maxout_backward", "exp_backward", "log_backward",
    "sqrt_backward",
    "neg_backward", "abs_backward",
    "add_backward", "sub_backward", "mul_backward", "div_backward",
]  # fmt: skip


def _real(v: Any, op: str, arg: str) -> float:
    real = isinstance(v, (int, float, np.integer, np.floating))
    if isinstance(v, (bool, np.bool_)) or not real:
        raise TypeError(f"{op}: {arg} must be a real number, got {v!r}")
    return float(v)


def _scalar(out: np.ndarray, *inputs: Any) -> np.ndarray:
    """0-d in, 0-d out (the shared conversion turns 0-d arrays into shape (1,))."""
    return out.reshape(()) if all(np.ndim(v) == 0 for v in inputs) else out


def _fwd(name: str, input: Any, **attrs: float) -> np.ndarray:
    (x,) = floats(name, input=input)
    return _scalar(getattr(_core, name)(x, **attrs), input)


def _bwd(name: str, grad_output: Any, input: Any, **attrs: float) -> tuple[np.ndarray]:
    op = f"{name}_backward"
    g, x = floats(op, grad_output=grad_output, input=input)
    return (_scalar(getattr(_core, op)(g, x, **attrs), grad_output, input),)


# ---- activations: forward and backward side by side ----


def relu(input: Any) -> np.ndarray:
    """max(x, 0), any shape. NaN stays NaN."""
    return _fwd("relu", input)


def relu_backward(grad_output: Any, input: Any) -> tuple[np.ndarray]:
    """(grad_input,) = grad_output * (input > 0)."""
    return _bwd("relu", grad_output, input)


def leaky_relu(input: Any, negative_slope: float = 0.01) -> np.ndarray:
    """x if x > 0 else negative_slope * x."""
    return _fwd("leaky_relu", input, alpha=_real(negative_slope, "leaky_relu", "negative_slope"))


def leaky_relu_backward(
    grad_output: Any, input: Any, negative_slope: float = 0.01
) -> tuple[np.ndarray]:
    """(grad_output * (1 if x > 0 else negative_slope),)."""
    a = _real(negative_slope, "leaky_relu_backward", "negative_slope")
    return _bwd("leaky_relu", grad_output, input, alpha=a)


def prelu(input: Any, weight: Any) -> np.ndarray:
    """x if x > 0 else weight[c] * x; input (N, C, ...), weight (1,) or (C,) along axis 1.

    >>> prelu(np.array([[-2.0, 3.0]]), np.array([0.5, 0.1]))
    array([[-1.,  3.]])
    """
    x, w = floats("prelu", input=input, weight=weight)
    return _core.prelu(x, w)


def prelu_backward(grad_output: Any, input: Any, weight: Any) -> tuple[np.ndarray, np.ndarray]:
    """(grad_input, grad_weight); grad_weight sums grad_output * x over x <= 0 per channel."""
    g, x, w = floats("prelu_backward", grad_output=grad_output, input=input, weight=weight)
    return tuple(_core.prelu_backward(g, x, w))


def elu(input: Any, alpha: float = 1.0) -> np.ndarray:
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return _fwd("elu", input, alpha=_real(alpha, "elu", "alpha"))


def elu_backward(grad_output: Any, input: Any, alpha: float = 1.0) -> tuple[np.ndarray]:
    """(grad_output * (1 if x > 0 else alpha * exp(x)),)."""
    return _bwd("elu", grad_output, input, alpha=_real(alpha, "elu_backward", "alpha"))


def selu(input: Any) -> np.ndarray:
    """scale * elu(x, alpha) with the self-normalising constants (1.0507..., 1.6732...)."""
    return _fwd("selu", input)


def selu_backward(grad_output: Any, input: Any) -> tuple[np.ndarray]:
    """(grad_output * selu'(x),)."""
    return _bwd("selu", grad_output, input)


def _gelu_name(approximate: Any, op: str) -> str:
    if approximate == "none":
        return "gelu"
    if approximate == "tanh":
        return "gelu_tanh"
    raise ValueError(f"{op}: approximate must be 'none' or 'tanh', got {approximate!r}")


def gelu(input: Any, approximate: str = "none") -> np.ndarray:
    """x * Phi(x) (Phi the normal CDF, via erf), or its tanh approximation.

    >>> round(float(gelu(np.array([1.0]))[0]), 12)  # 0.5 * (1 + erf(1/sqrt(2)))
    0.841344746069
    """
    return _fwd(_gelu_name(approximate, "gelu"), input)


def gelu_backward(grad_output: Any, input: Any, approximate: str = "none") -> tuple[np.ndarray]:
    """(grad_output * (Phi(x) + x * phi(x)),), or the tanh form's derivative."""
    return _bwd(_gelu_name(approximate, "gelu_backward"), grad_output, input)


def silu(input: Any) -> np.ndarray:
    """x * sigmoid(x) (also called swish)."""
    return _fwd("silu", input)


def silu_backward(grad_output: Any, input: Any) -> tuple[np.ndarray]:
    """(grad_output * s * (1 + x * (1 - s)),) with s = sigmoid(x)."""
    return _bwd("silu", grad_output, input)


swish = silu
swish_backward = silu_backward


def sigmoid(input: Any) -> np.ndarray:
    """1 / (1 + exp(-x)), without overflow for any x."""
    return _fwd("sigmoid", input)


def sigmoid_backward(grad_output: Any, input: Any) -> tuple[np.ndarray]:
    """(grad_output * s * (1 - s),) with s = sigmoid(input)."""
    return _bwd("sigmoid", grad_output, input)


def tanh(input: Any) -> np.ndarray:
    """The hyperbolic tangent, (e^x - e^-x) / (e^x + e^-x)."""
    return _fwd("tanh", input)


def tanh_backward(grad_output: Any, input: Any) -> tuple[np.ndarray]:
    """(grad_output * (1 - tanh(input)^2),), computed without cancellation."""
    return _bwd("tanh", grad_output, input)


def erf(input: Any) -> np.ndarray:
    """The error function, 2/sqrt(pi) * integral of exp(-t^2) from 0 to x."""
    return _fwd("erf", input)


def erf_backward(grad_output: Any, input: Any) -> tuple[np.ndarray]:
    """(grad_output * 2/sqrt(pi) * exp(-x^2),)."""
    return _bwd("erf", grad_output, input)


def softplus(input: Any, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    """log(1 + exp(beta x)) / beta, and x itself where beta * x > threshold."""
    b, t = _real(beta, "softplus", "beta"), _real(threshold, "softplus", "threshold")
    if b == 0:
        raise ValueError("softplus: beta must be nonzero")
    return _fwd("softplus", input, beta=b, threshold=t)


def softplus_backward(
    grad_output: Any, input: Any, beta: float = 1.0, threshold: float = 20.0
) -> tuple[np.ndarray]:
    """(grad_output * sigmoid(beta * x),), and grad_output past the threshold."""
    op = "softplus_backward"
    b, t = _real(beta, op, "beta"), _real(threshold, op, "threshold")
    return _bwd("softplus", grad_output, input, beta=b, threshold=t)


def maxout(input: Any, pieces: int, axis: int = 1) -> np.ndarray:
    """The max over each group of `pieces` consecutive channels along `axis`.

    input (N, C, ...) -> (N, C / pieces, ...).
    >>> maxout(np.array([[1.0, 5.0, 2.0, 0.0]]), 2)
    array([[5., 2.]])
    """
    (x,) = floats("maxout", input=input)
    p, a = ints(pieces, 1, "maxout", "pieces")[0], ints(axis, 1, "maxout", "axis")[0]
    return _core.maxout(x, p, a)


def maxout_backward(grad_output: Any, input: Any, pieces: int, axis: int = 1) -> tuple[np.ndarray]:
    """(grad_input,): each group's grad_output goes to its (first) argmax."""
    op = "maxout_backward"
    g, x = floats(op, grad_output=grad_output, input=input)
    p, a = ints(pieces, 1, op, "pieces")[0], ints(axis, 1, op, "axis")[0]
    return (_core.maxout_backward(g, x, p, a),)


# ---- plain math ----


def exp(input: Any) -> np.ndarray:
    """e^x, elementwise."""
    return _fwd("exp", input)


def exp_backward(grad_output: Any, input: Any) -> tuple[np.ndarray]:
    """(grad_output * exp(x),)."""
    return _bwd("exp", grad_output, input)


def log(input: Any) -> np.ndarray:
    """The natural logarithm, elementwise."""
    return _fwd("log", input)


def log_backward(grad_output: Any, input: Any) -> tuple[np.ndarray]:
    """(grad_output / x,)."""
    return _bwd("log", grad_output, input)


def sqrt(input: Any) -> np.ndarray:
    """The square root, elementwise."""
    return _fwd("sqrt", input)


def sqrt_backward(grad_output: Any, input: Any) -> tuple[np.ndarray]:
    """(grad_output / (2 sqrt(x)),)."""
    return _bwd("sqrt", grad_output, input)


def neg(input: Any) -> np.ndarray:
    """-x, elementwise."""
    return _fwd("neg", input)


def neg_backward(grad_output: Any, input: Any) -> tuple[np.ndarray]:
    """(-grad_output,)."""
    return _bwd("neg", grad_output, input)


def abs(input: Any) -> np.ndarray:  # noqa: A001 (torch.abs)
    """|x|, elementwise."""
    return _fwd("abs", input)


def abs_backward(grad_output: Any, input: Any) -> tuple[np.ndarray]:
    """(grad_output * sign(input),), 0 at 0."""
    return _bwd("abs", grad_output, input)


# ---- arithmetic with numpy broadcasting ----


def _binary(name: str, input: Any, other: Any) -> np.ndarray:
    a, b = floats(name, input=input, other=other)
    return _scalar(getattr(_core, name)(a, b), input, other)


def _binary_bwd(name: str, grad_output: Any, input: Any, other: Any) -> tuple[np.ndarray, ...]:
    op = f"{name}_backward"
    g, a, b = floats(op, grad_output=grad_output, input=input, other=other)
    ga, gb = getattr(_core, op)(g, a, b)
    return _scalar(ga, input), _scalar(gb, other)


def add(input: Any, other: Any) -> np.ndarray:
    """input + other with numpy broadcasting, e.g. (8, 64, 56, 56) + (64, 1, 1).

    >>> add(np.ones((2, 3)), np.array([1.0, 2.0, 3.0]))[1]
    array([2., 3., 4.])
    """
    return _binary("add", input, other)


def add_backward(grad_output: Any, input: Any, other: Any) -> tuple[np.ndarray, np.ndarray]:
    """(grad_input, grad_other): grad_output summed over the broadcast dims of each."""
    return _binary_bwd("add", grad_output, input, other)


def sub(input: Any, other: Any) -> np.ndarray:
    """input - other, with numpy broadcasting."""
    return _binary("sub", input, other)


def sub_backward(grad_output: Any, input: Any, other: Any) -> tuple[np.ndarray, np.ndarray]:
    """(grad_input, grad_other) of input - other, summed over broadcast dims."""
    return _binary_bwd("sub", grad_output, input, other)


def mul(input: Any, other: Any) -> np.ndarray:
    """input * other, with numpy broadcasting."""
    return _binary("mul", input, other)


def mul_backward(grad_output: Any, input: Any, other: Any) -> tuple[np.ndarray, np.ndarray]:
    """(grad_input, grad_other) of input * other, summed over broadcast dims."""
    return _binary_bwd("mul", grad_output, input, other)


def div(input: Any, other: Any) -> np.ndarray:
    """input / other, with numpy broadcasting."""
    return _binary("div", input, other)


def div_backward(grad_output: Any, input: Any, other: Any) -> tuple[np.ndarray, np.ndarray]:
    """(grad_input, grad_other) of input / other, summed over broadcast dims."""
    return _binary_bwd("div", grad_output, input, other)
