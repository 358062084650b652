"""The notation of a derivation: named tensors, index letters, and the two printers.

A tensor is a SymPy IndexedBase whose label is a `Name`: "z^(2)" prints as z⁽²⁾ in text and
z^{(2)} in LaTeX, "δz^(2)" as δz⁽²⁾ and \\delta z^{(2)}. Sums print without their bounds
(Σ_{n,k}), as textbooks write them; the bounds stay in the expression for evaluation.
`Maximum` is a max over a window, `Indicator` the Iverson bracket 𝟙[condition].
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

SUPERSCRIPT = str.maketrans("0123456789+-()lt", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ˡᵗ")
GREEK = {"δ": r"\delta ", "σ": r"\sigma", "γ": r"\gamma", "β": r"\beta", "μ": r"\mu",
         "ε": r"\varepsilon", "x̂": r"\hat{x}", "Σ": r"\Sigma"}  # fmt: skip


def _split(name: str) -> tuple[str, str, str]:
    """ "δz^(2)_hh" -> ("δz", "2", "hh")."""
    m = re.fullmatch(r"(.*?)(?:\^\((.+?)\))?(?:_(\w+))?", name)
    return m.group(1), m.group(2) or "", m.group(3) or ""


def unicode_name(name: str) -> str:
    base, sup, sub = _split(name)
    text = base + (f"⁽{sup.translate(SUPERSCRIPT)}⁾" if sup else "")
    return text + (f"_{sub}" if sub else "")


def latex_name(name: str) -> str:
    base, sup, sub = _split(name)
    for k, v in GREEK.items():
        base = base.replace(k, v)
    base = base.replace("²", "^{2}").strip()
    if sup and "^" in base:
        base = "{" + base + "}"
    if base.startswith(r"\delta ") and len(base) > len(r"\delta "):
        base = r"\delta " + "{" + base[len(r"\delta ") :] + "}"
    text = base + (f"^{{({sup})}}" if sup else "")
    return text + (rf"_{{\mathrm{{{sub}}}}}" if sub else "")


class Name(sp.Symbol):
    """A tensor's name; its printed forms follow from the name alone."""

    def _sympystr(self, printer) -> str:
        return unicode_name(self.name)

    def _latex(self, printer) -> str:
        return latex_name(self.name)


def tensor(name: str, ndim: int) -> sp.Basic:
    """A named tensor: an IndexedBase, or a plain symbol for a scalar."""
    label = Name(name, real=True)
    return sp.IndexedBase(label) if ndim else label


def index(name: str) -> sp.Symbol:
    return sp.Symbol(name, integer=True)


class Indices:
    """Fresh index letters for one formula, preferring the letters textbooks use."""

    LETTERS = "nijkcopqmrsuvabdefg"

    def __init__(self, used: set[str] | None = None):
        self.used = set(used or ())

    def take(self, prefer: str = "") -> sp.Symbol:
        for letter in prefer + self.LETTERS:
            if letter not in self.used:
                self.used.add(letter)
                return index(letter)
        k = 1
        while f"i{k}" in self.used:
            k += 1
        self.used.add(f"i{k}")
        return index(f"i{k}")

    def many(self, count: int, prefer: str = "") -> list[sp.Symbol]:
        return [self.take(prefer[k] if k < len(prefer) else "") for k in range(count)]


class Maximum(sp.Sum):
    """max over the limits' range (a pooling window); printed max_{p,q}; never summed."""


class Indicator(sp.Function):
    """The Iverson bracket 𝟙[condition]: 1 where the condition holds, else 0."""

    nargs = 1


def limits_of(expr: sp.Sum) -> str:
    names = [str(lim[0]) for lim in expr.limits]
    return names[0] if len(names) == 1 else "{" + ",".join(names) + "}"


class TextPrinter(StrPrinter):
    def _print_Sum(self, expr) -> str:
        return f"Σ_{limits_of(expr)} {self.parenthesize(expr.function, 45)}"

    def _print_Maximum(self, expr) -> str:
        return f"max_{limits_of(expr)} {self.parenthesize(expr.function, 45)}"

    def _print_Indicator(self, expr) -> str:
        return f"𝟙[{self._print(expr.args[0])}]"

    def _print_Heaviside(self, expr) -> str:
        return f"𝟙[{self._print(expr.args[0])} > 0]"

    def _print_KroneckerDelta(self, expr) -> str:
        return f"𝟙[{self._print(expr.args[0])} = {self._print(expr.args[1])}]"

    def _print_Indexed(self, expr) -> str:
        return f"{self._print(expr.base.label)}[{', '.join(self._print(i) for i in expr.indices)}]"

    def _print_floor(self, expr) -> str:
        return f"⌊{self._print(expr.args[0])}⌋"

    def _print_Mod(self, expr) -> str:
        return f"({self._print(expr.args[0])} mod {self._print(expr.args[1])})"

    def _print_Equality(self, expr) -> str:
        return f"{self._print(expr.lhs)} = {self._print(expr.rhs)}"

    def _print_Max(self, expr) -> str:
        return f"max({', '.join(self._print(a) for a in expr.args)})"

    def _print_exp(self, expr) -> str:
        return f"e^({self._print(expr.args[0])})"


class TexPrinter(LatexPrinter):
    def _print_Sum(self, expr) -> str:
        names = ",".join(self._print(lim[0]) for lim in expr.limits)
        return rf"\sum_{{{names}}} {self.parenthesize(expr.function, 45)}"

    def _print_Maximum(self, expr) -> str:
        names = ",".join(self._print(lim[0]) for lim in expr.limits)
        return rf"\max_{{{names}}} {self.parenthesize(expr.function, 45)}"

    def _print_Indicator(self, expr) -> str:
        return rf"\mathbb{{1}}\left[{self._print(expr.args[0])}\right]"

    def _print_Heaviside(self, expr, exp=None) -> str:
        return rf"\mathbb{{1}}\left[{self._print(expr.args[0])} > 0\right]"

    def _print_KroneckerDelta(self, expr, exp=None) -> str:
        a, b = (self._print(x) for x in expr.args)
        return rf"\mathbb{{1}}\left[{a} = {b}\right]"

    def _print_Mod(self, expr, exp=None) -> str:
        a, b = (self._print(x) for x in expr.args)
        return rf"\left({a} \bmod {b}\right)"


def text(expr: sp.Basic) -> str:
    s = TextPrinter().doprint(expr)
    return s.replace("**", "^").replace("*", "·")


def latex(expr: sp.Basic) -> str:
    return TexPrinter({"mul_symbol": "dot"}).doprint(expr)
