"""Eager matrix products: numpy in, numpy out, on pygraph's GEMM kernels."""

from __future__ import annotations

import numpy as np

from .. import _core
from ._args import floats

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _ready(a: object, b: object) -> bool:
    """Both already what the kernels take (same float dtype, C-contiguous, not scalars):
    skip the conversion, which costs more than a small product."""
    return (
        type(a) is np.ndarray
        and type(b) is np.ndarray
        and a.dtype == b.dtype
        and a.dtype in _FLOAT_DTYPES
        and a.ndim > 0
        and b.ndim > 0
        and a.flags.c_contiguous
        and b.flags.c_contiguous
    )


def _keep_ndim(converted: np.ndarray, original: object) -> np.ndarray:
    """floats() returns 0-d arrays as 1-d; give a scalar back its shape ()."""
    return converted.reshape(()) if np.ndim(original) == 0 else converted


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Matrix product with numpy's rules: a (..., M, K) @ b (..., K, N) -> (..., M, N).

    1-D operands are promoted to a row (a) or column (b) and the added dim is removed; leading
    batch dims broadcast against each other.

    >>> float(matmul(np.ones((2, 3), np.float32), np.ones((3, 4), np.float32))[0, 0])
    3.0
    """
    if not _ready(a, b):
        a, b = (_keep_ndim(x, o) for x, o in zip(floats("matmul", a=a, b=b), (a, b)))
    return _core.matmul(a, b)


def bmm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched product a (B, M, K) @ b (B, K, N) -> (B, M, N), like torch.bmm."""
    a, b = floats("bmm", a=a, b=b)
    return _core.bmm(a, b)


def gemm(
    a: np.ndarray,
    b: np.ndarray,
    c: np.ndarray | None = None,
    alpha: float = 1.0,
    beta: float = 0.0,
    trans_a: bool = False,
    trans_b: bool = False,
    bias: np.ndarray | None = None,
    bias_axis: int = 1,
    activation: str | None = None,
    negative_slope: float = 0.01,
) -> np.ndarray:
    """BLAS GEMM with a fused epilogue: act(alpha * op(a) @ op(b) + beta * c + bias).

    op(a) is a (M, K), or a.T when trans_a (a stored (K, M)); likewise op(b) (K, N). c (M, N)
    is optional (without it beta has nothing to scale). bias has length N (bias_axis=1, one per
    column, as in linear) or M (bias_axis=0, one per row, as in convolution). activation is
    None, "relu" or "leaky_relu" (with negative_slope). With beta == 0, c is never read.

    >>> gemm(np.eye(2), np.ones((2, 2)), bias=np.array([1.0, -5.0]), activation="relu")
    array([[2., 0.],
           [2., 0.]])
    """
    a, b, c, bias = floats("gemm", a=a, b=b, c=c, bias=bias)
    return _core.gemm(
        a,
        b,
        c,
        float(alpha),
        float(beta),
        bool(trans_a),
        bool(trans_b),
        bias,
        int(bias_axis),
        "none" if activation is None else str(activation),
        float(negative_slope),
    )


def linear(input: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
    """input (..., in) @ weight (out, in).T + bias (out,) -> (..., out), like F.linear."""
    input, weight, bias = floats("linear", input=input, weight=weight, bias=bias)
    return _core.linear(input, weight, bias)


def matmul_backward(
    grad_output: np.ndarray, a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Gradients (grad_a, grad_b) of matmul(a, b); broadcast batch dims are summed away."""
    raw = (grad_output, a, b)
    converted = floats("matmul_backward", grad_output=grad_output, a=a, b=b)
    grad_output, a, b = (_keep_ndim(x, o) for x, o in zip(converted, raw))
    return _core.matmul_backward(grad_output, a, b)


def bmm_backward(
    grad_output: np.ndarray, a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Gradients (grad_a, grad_b) of bmm(a, b): g @ b^T and a^T @ g for each batch entry."""
    for arg, x in (("a", a), ("b", b)):
        if np.ndim(x) != 3:
            raise ValueError(f"bmm_backward: {arg} must be 3-D (B, M, K), got shape {np.shape(x)}")
    return matmul_backward(grad_output, a, b)


def linear_backward(
    grad_output: np.ndarray,
    input: np.ndarray,
    weight: np.ndarray,
    bias: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Gradients (grad_input, grad_weight, grad_bias or None) of linear(input, weight, bias)."""
    grad_output, input, weight, bias = floats(
        "linear_backward", grad_output=grad_output, input=input, weight=weight, bias=bias
    )
    return _core.linear_backward(grad_output, input, weight, bias)


__all__ = ["bmm", "bmm_backward", "gemm", "linear", "linear_backward", "matmul", "matmul_backward"]
