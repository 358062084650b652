"""pygraph.symbolic: SymPy rules per op (rules.py) and textbook derivations (derive.py).

Imported on first use (SymPy takes a while to load), so `import pygraph` stays fast.
"""

from __future__ import annotations

from typing import Any


def derive(y: Any, wrt: Any) -> Any:
    """The derivation of d(y)/d(wrt), step by step, checked against the engine.

    y: a scalar Tensor built from pygraph ops or modules; wrt: a parameter or input of its
    graph (a Tensor, an nn.Parameter, or its name). Returns a Derivation: `print(d)` reads like
    a textbook page, `d.latex()` is the same in LaTeX, `d.steps` the chain rule one factor at a
    time, `d.result` the gradient in index notation, `d.evaluate(**inputs)` its numbers from
    the formulas alone and `d.verify(**inputs)` their max abs difference from the engine's
    gradient (both in float64).
    """
    from .derivation import derive as _derive

    return _derive(y, wrt)
