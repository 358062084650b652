"""SymPy functions with textbook derivatives: σ(x) with σ' = σ(1−σ), and the scalar forms.

A rule builds its formula from these, so `diff` yields the forms students learn; `_imp_`
lets `lambdify` evaluate them with numpy.
"""

from __future__ import annotations

import functools

import numpy as np
import sympy as sp


class sigmoid(sp.Function):  # noqa: N801 (SymPy's naming for functions)
    """σ(x) = 1 / (1 + e^−x), whose derivative SymPy writes as σ(x)(1 − σ(x))."""

    _imp_ = staticmethod(lambda x: 1.0 / (1.0 + np.exp(-x)))

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        s = sigmoid(self.args[0])
        return s * (1 - s)

    @classmethod
    def eval(cls, x: sp.Expr):
        if x.is_Number:
            return 1 / (1 + sp.exp(-x))
        return None

    def _eval_rewrite_as_exp(self, x: sp.Expr, **kwargs) -> sp.Expr:
        return 1 / (1 + sp.exp(-x))

    def _latex(self, printer, exp=None) -> str:
        arg = printer._print(self.args[0])
        base = rf"\sigma\left({arg}\right)"
        return base if exp is None else rf"{base}^{{{exp}}}"

    def _sympystr(self, printer) -> str:
        return f"σ({printer._print(self.args[0])})"

    def _pretty(self, printer):
        return printer._print_Function(self, func_name="σ")


class maximum(sp.Function):  # noqa: N801
    """max(x_1, ..., x_n), left unevaluated: SymPy's Max compares every pair of its arguments
    when built and differentiates into nested Max, too slow for a pooling window or a
    reduction. ∂max/∂x_i = step(x_i − max of the others), exact away from ties."""

    _imp_ = staticmethod(lambda *xs: functools.reduce(np.maximum, xs))
    _pick, _name = max, "max"

    @classmethod
    def eval(cls, *xs: sp.Expr):
        if len(xs) == 1:
            return xs[0]
        if all(x.is_Number for x in xs):
            return cls._pick(xs)
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        xs = self.args
        others = type(self)(*xs[: argindex - 1], *xs[argindex:])
        gap = xs[argindex - 1] - others
        # unevaluated: Heaviside would ask SymPy's assumptions for the sign of the gap, which
        # costs more than the whole derivative and cannot decide it anyway
        return sp.Heaviside(gap if self._name == "max" else -gap, 0, evaluate=False)

    def _latex(self, printer, exp=None) -> str:
        args = ", ".join(printer._print(a) for a in self.args)
        base = rf"\{self._name}\left({args}\right)"
        return base if exp is None else rf"{base}^{{{exp}}}"

    def _sympystr(self, printer) -> str:
        return f"{self._name}({', '.join(printer._print(a) for a in self.args)})"


class minimum(maximum):  # noqa: N801
    """min(x_1, ..., x_n); ∂min/∂x_i = step(min of the others − x_i) away from ties."""

    _imp_ = staticmethod(lambda *xs: functools.reduce(np.minimum, xs))
    _pick, _name = min, "min"


def relu(x: sp.Expr) -> sp.Expr:
    return sp.Max(0, x)


def step(x: sp.Expr) -> sp.Expr:
    """1 where x > 0, else 0 (relu's derivative)."""
    return sp.Heaviside(x, 0)


def softplus(x: sp.Expr, beta: float = 1.0, threshold: float = 20.0) -> sp.Expr:
    bx = beta * x
    return sp.Piecewise((x, bx > threshold), (sp.log(1 + sp.exp(bx)) / beta, True))


def elu(x: sp.Expr, alpha: float = 1.0) -> sp.Expr:
    return sp.Piecewise((x, x > 0), (alpha * (sp.exp(x) - 1), True))


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def selu(x: sp.Expr) -> sp.Expr:
    return SELU_SCALE * elu(x, SELU_ALPHA)


def gelu(x: sp.Expr, approximate: str = "none") -> sp.Expr:
    if approximate == "tanh":
        return x / 2 * (1 + sp.tanh(sp.sqrt(2 / sp.pi) * (x + sp.Rational(44715, 10**6) * x**3)))
    return x / 2 * (1 + sp.erf(x / sp.sqrt(2)))


def leaky_relu(x: sp.Expr, slope: float = 0.01) -> sp.Expr:
    return sp.Piecewise((x, x > 0), (slope * x, True))


# fused_elementwise's instruction codes (kernels::Unary, in its X-macro order)
UNARY = [
    relu, leaky_relu, elu, selu, gelu, lambda x: gelu(x, "tanh"), lambda x: x * sigmoid(x),
    sigmoid, sp.tanh, sp.erf, softplus, sp.exp, sp.log, sp.sqrt, lambda x: -x, sp.Abs,
]  # fmt: skip
BINARY = [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b]


def _dirac(x, *order):
    """δ(x) off its kink is 0; at the kink it is not a number, so a check there fails."""
    return np.where(np.asarray(x) == 0, np.inf, 0.0)


# lambdify's modules for rule expressions: the derivative of a step is δ (0 away from kinks)
LAMBDIFY_MODULES = [{"DiracDelta": _dirac}, "scipy", "numpy"]
