"""The Derivation that pg.derive returns: its steps, its result, its text and LaTeX pages,
and its numbers — evaluated from the printed formulas with numpy (evaluate.py) and compared
with the engine's own gradient, computed in float64 (verify)."""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from .derive import Builder, Built, Line
from .evaluate import evaluate as eval_formula
from .notation import Indices, latex, latex_name, text
from .page import TO_SUP, Group, folded_sum, layer, runs, shifted, step_text, write


class Derivation:
    """d(y)/d(wrt), derived step by step. `steps` are (explanation, SymPy equation) pairs,
    from y back to wrt; `result` is the gradient in index notation."""

    def __init__(self, built: Built, graph: Any):
        self._b, self._graph = built, graph
        self.wrt = built.names[built.wrt]
        self.definitions = [n.definition for n in built.defs]
        self.steps: list[Line] = built.steps
        self._groups: dict = {}
        folds = any(g.period or g.same for g in self.groups(text))
        last = built.steps[-1]
        self.result: sp.Basic = last.result if folds else expand(last, built.adjoints)

    # ---- numbers ----

    def evaluate(self, **feeds: Any) -> np.ndarray:
        """The derived gradient's value, computed from the formulas alone (float64), at the
        parameters' current values and these inputs."""
        data = {}
        for named in self._b.names.values():
            if named.data is not None:
                data[label(named.tensor)] = named.data
        for sym, (value, _) in self._b.counts.items():
            data[sym] = np.asarray(float(value))
        for name, value in feeds.items():
            data[label(self._input(name).tensor)] = np.asarray(value)
        leaves = [n for n in self._b.names.values() if n.data is None and n.definition is None]
        missing = [n.name for n in leaves if label(n.tensor) not in data]
        if missing:
            raise ValueError(f"derive.evaluate: feed the inputs {missing}")
        for named in self._b.defs:
            data[label(named.tensor)] = _values(named.definition, named.shape, data)
        for step in self.steps:
            data[label(step.lhs)] = _values(step, self._shape_of(step), data)
        return data[label(self.steps[-1].lhs)]

    def verify(self, **feeds: Any) -> float:
        """Max abs difference between evaluate() and the engine's gradient, both in float64."""
        from .engine import engine_gradient

        engine = engine_gradient(self._b, self._graph, feeds)
        return float(np.max(np.abs(self.evaluate(**feeds) - engine)))

    def _input(self, name: str):
        for named in self._b.names.values():
            if named.name == name and named.data is None and named.definition is None:
                return named
        raise ValueError(f"derive: the graph has no input named {name!r}")

    def _shape_of(self, step: Line) -> tuple:
        for named in self._b.names.values():
            if "δ" + named.name == label(step.lhs).name:
                return named.shape
        raise KeyError(step.lhs)

    # ---- pages ----

    def _page(self, fmt) -> list[str]:
        top = fmt(self._b.names[self._b.y.id].tensor)
        wrt = fmt(self.wrt.tensor)
        head = f"∂{top}/∂{wrt}, by the chain rule (δv means ∂{top}/∂v; n runs over the batch)"
        lines = [head, "", "Forward:"]
        for sym, (value, says) in self._b.counts.items():
            lines.append(f"  {fmt(sym)} = {value}    [{says}]")
        for d in self.definitions:
            lines.append(f"  {fmt(d.lhs)} = {fmt(d.result)}    [{d.says}]")
        lines += ["", f"Backward, from {top} to {wrt}:"]
        for k, group in enumerate(self.groups(fmt), 1):
            lines += group_lines(k, group, fmt)
        result = f"∂{top}/∂{fmt(self.steps[-1].lhs)[1:]} = {folded_sum(self.result, fmt)}"
        lines += ["", "Result:", f"  {result}"]
        return lines

    def groups(self, fmt) -> list:
        """The steps grouped as the text page groups them (LaTeX reuses that grouping)."""
        if text not in self._groups:
            self._groups[text] = runs(self.steps, text)
        if fmt not in self._groups:
            self._groups[fmt] = [g2 for g in self._groups[text] for g2 in regroup(g, fmt)]
        return self._groups[fmt]

    def __str__(self) -> str:
        return "\n".join(self._page(text))

    def __repr__(self) -> str:
        top = text(self._b.names[self._b.y.id].tensor)
        return f"Derivation(∂{top}/∂{text(self.wrt.tensor)}, {len(self.steps)} steps)"

    def latex(self) -> str:
        """The derivation as a LaTeX align* block."""
        rows = [r"\text{Forward:} & \\"]
        for sym, (value, says) in self._b.counts.items():
            rows.append(rf"{latex(sym)} &= {value} && \text{{{tex_text(says)}}} \\")
        for d in self.definitions:
            rows.append(rf"{latex(d.lhs)} &= {latex(d.result)} && \text{{{tex_text(d.says)}}} \\")
        rows.append(r"\text{Backward:} & \\")
        for k, group in enumerate(self.groups(latex), 1):
            rows += group_lines(k, group, latex, tex=True)
        top = latex(self._b.names[self._b.y.id].tensor)
        lhs = latex(self.steps[-1].lhs).replace(r"\delta ", "", 1)
        result = folded_sum(self.result, latex)
        rows.append(rf"\frac{{\partial {top}}}{{\partial {lhs}}} &= {result}")
        return "\\begin{align*}\n" + "\n".join(rows) + "\n\\end{align*}"

    def _repr_latex_(self) -> str:
        return "$$" + self.latex().replace("align*", "aligned") + "$$"


def label(t: Any) -> sp.Symbol:
    return t.base.label if isinstance(t, sp.Indexed) else getattr(t, "label", t)


def _values(line: Line, shape: tuple, data: dict) -> np.ndarray:
    ranges = {i: (0, n) for i, n in zip(line.idx, shape)}
    v = eval_formula(line.result, data, ranges)
    return np.broadcast_to(v.aligned(tuple(line.idx)), shape).astype(np.float64)


def expand(step: Line, adjoints: dict, limit: int = 600) -> sp.Basic:
    """The last step with the earlier adjoints substituted back, while it stays readable."""
    steps = {label(s.lhs): s for s in adjoints.values()}
    steps.pop(label(step.lhs), None)
    expr = step.result
    for _ in range(len(steps)):
        found = [e for e in expr.atoms(sp.Indexed) if e.base.label in steps]
        found += [e for e in expr.atoms(sp.Symbol) if e in steps]
        if not found:
            break
        used = {s.name for s in expr.atoms(sp.Symbol)}
        fresh = Indices(used)
        mapping = {}
        for e in found:
            s = steps[label(e)]
            inner = rebind(s.result, fresh)
            mapping[e] = inner.xreplace(dict(zip(s.idx, getattr(e, "indices", ()))))
        new = expr.xreplace(mapping)
        if len(text(new)) > limit:
            return expr
        expr = new
    return expr


def rebind(expr: sp.Basic, fresh: Indices, keep: bool = True) -> sp.Basic:
    """expr with every summation index renamed to a fresh letter (its own, if free)."""
    if isinstance(expr, sp.Sum):
        mapping, limits = {}, []
        for v, lo, hi in expr.limits:
            nv = fresh.take(v.name if keep and len(v.name) == 1 else "")
            mapping[v] = nv
            limits.append((nv, lo, hi))
        return type(expr)(rebind(expr.function, fresh, keep).xreplace(mapping), *limits)
    if expr.args and not isinstance(expr, sp.Indexed):
        return expr.func(*[rebind(a, fresh, keep) for a in expr.args])
    return expr


# ---- the page ----


def group_lines(k: int, group, fmt, tex: bool = False) -> list[str]:
    """One step, a recurrence, or a reference to an earlier block, as text or LaTeX rows."""
    if group.same:
        return _same_lines(k, group, fmt, tex)
    if not group.period:
        s = group.lines[0]
        eq = f"{fmt(s.lhs)} = {folded_sum(s.chain, fmt)}"
        if s.chain != s.result:
            eq += f" = {folded_sum(s.result, fmt)}"
        if tex:
            lhs, rhs = eq.split(" = ", 1)
            return [rf"{lhs} &= {rhs} && \text{{{tex_text(s.says)}}} \\"]
        return [f"  ({k}) {s.says}", f"      {eq}"]
    lines, period = group.lines, group.period
    layers = [layer(fmt(s.lhs), fmt) for s in lines[::period]]
    plural = "s" if period > 1 else ""
    head = f"for l = {', '.join(map(str, layers))}, the same step{plural} each layer:"
    out = [rf"\text{{{head}}} & \\"] if tex else [f"  ({k}) {head}"]
    for s, mask in zip(lines[:period], group.masks):
        own = layer(fmt(s.lhs), fmt)
        lhs, rhs = write(step_text(s, fmt), own, mask, fmt).rsplit(" | ", 1)[0].split(" = ", 1)
        if tex:
            out.append(rf"{lhs} &= {rhs} && \text{{{tex_text(s.says)}}} \\")
        else:
            out += [f"      {s.says}", f"      {lhs} = {rhs}"]
    return out


def regroup(group: Group, fmt) -> list[Group]:
    """A text group for another format: a recurrence's moving numbers found again in that
    format's text (single steps if they cannot be)."""
    if not group.period:
        return [group]
    lines, p = group.lines, group.period
    masks = [shifted(step_text(lines[j], fmt), step_text(lines[j + p], fmt), 1) for j in range(p)]
    if any(m is None for m in masks):
        return [Group([s]) for s in lines]
    return [Group(lines, p, masks)]


def _same_lines(k: int, group, fmt, tex: bool) -> list[str]:
    start, count = group.same
    arrow = r" \to " if tex else "→"
    names = ", ".join(f"{_named(key, u, fmt)}{arrow}{_named(key, v, fmt)}"
                      for (key, u), v in list(group.renamed.items())[:6])  # fmt: skip
    more = (", …" if fmt is text else r", \ldots") if len(group.renamed) > 6 else ""
    values = ", ".join(fmt(s.lhs) for s in group.lines)
    head = f"the same {count} steps as ({start + 1})–({start + count}), layer numbers renamed"
    if tex:
        return [rf"\text{{({k}) {tex_text(head)}: }} & {names}{more} \\",
                rf"& \text{{for }} {values} \\"]  # fmt: skip
    return [f"  ({k}) {head} ({names}{more}),", f"      for {values}"]


def _named(key: str, n: int, fmt) -> str:
    """A renamed tensor as printed: z⁽³⁾ (z^{(3)}) or M_3 from its key "z⁽" or "M_"."""
    base = key[:-1]
    if key.endswith("_"):
        return f"{base}_{n}" if fmt is text else f"{base}_{{{n}}}"
    if fmt is text:
        return f"{base}⁽{str(n).translate(TO_SUP)}⁾"
    return latex_name(f"{base}^({n})")


TEX_WORDS = {"σ′": "sigma'", "σ": "sigma", "′": "'", "−": "-", "²": "^2", "x̂": "x-hat", "δ": "d",
             "γ": "gamma", "β": "beta", "Σ": "sum", "×": "x", "·": "*", "–": "--"}  # fmt: skip


def tex_text(s: str) -> str:
    """A sentence for \\text{}: plain characters only."""
    for k, v in TEX_WORDS.items():
        s = s.replace(k, v)
    return s


def derive(y: Any, wrt: Any) -> Derivation:
    """Derive dy/d(wrt) step by step (see pg.derive)."""
    from .engine import resolve

    graph, v = resolve(y, wrt)
    b = Builder(y, v)
    b.define()
    b.backward()
    return Derivation(b.built, graph)


__all__ = ["Derivation", "derive"]
