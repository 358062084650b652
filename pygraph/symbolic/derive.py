"""pg.derive(y, wrt): the chain rule through a graph, step by step, in index notation.

The graph's values get textbook names (x, W⁽¹⁾, z⁽¹⁾ = the pre-activation, a⁽¹⁾ = the
activation, m⁽¹⁾ = a pooled map, L = the loss). Movement ops, and a matmul feeding a bias add,
are folded into their neighbour's formula instead of getting a name. The forward pass becomes
one definition per named value (formulas.py); the backward pass walks from y back to `wrt`,
giving each named value on the way its adjoint δv = ∂y/∂v as one step: the sum, over the ops
that read v, of their backward formulas. An adjoint in closed element-by-element form (no
sums, no other adjoint) is substituted into the next step and simplified there, which is how
sigmoid + binary cross-entropy cancels to a − t.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from . import formulas_loss, formulas_nn, formulas_norm, formulas_pool, formulas_shape  # noqa: F401
from .formulas import FORMULAS, Access
from .naming import defines, param_label
from .notation import Indices, Maximum, tensor

FOLDED = {"transpose", "permute", "reshape", "flatten", "slice"}
LINEAR = {"matmul", "add", "sub", "conv1d", "conv2d", "conv3d"}
LETTER = {"matmul": "z", "add": "z", "sub": "z", "conv1d": "z", "conv2d": "z", "conv3d": "z",
          "max_pool1d": "m", "max_pool2d": "m", "avg_pool1d": "m", "avg_pool2d": "m",
          "global_avg_pool2d": "m", "batch_norm": "y", "softmax": "p", "log_softmax": "s",
          "concat": "o", "sum": "s", "mean": "s", "mul": "v", "div": "v"}  # fmt: skip
INDEX_LETTERS = {0: "", 1: "j", 2: "nj", 3: "ntj", 4: "nchw", 5: "ncdhw"}
PARAM_LETTERS = {1: "j", 2: "ji", 3: "ocp", 4: "ocpq", 5: "ocpqr"}


@dataclass
class Line:
    """One line of a derivation: lhs = chain (= result), with its sentence."""

    says: str
    lhs: sp.Basic
    chain: sp.Basic
    result: sp.Basic
    idx: tuple = ()

    def __iter__(self):  # unpacks as (explanation, SymPy equation)
        return iter((self.says, sp.Eq(self.lhs, self.result, evaluate=False)))


@dataclass
class Named:
    name: str
    tensor: Any
    shape: tuple
    definition: Line | None = None
    data: np.ndarray | None = None  # leaves: their value (params, constants)


@dataclass
class Built:
    y: Any
    wrt: int
    names: dict[int, Named]  # graph value -> its named tensor
    defs: list[Named] = field(default_factory=list)  # in evaluation order
    steps: list[Line] = field(default_factory=list)
    adjoints: dict[Any, Line] = field(default_factory=dict)  # δ tensor -> its step
    counts: dict[sp.Symbol, tuple[float, str]] = field(default_factory=dict)  # N, M, ε: sizes


class Ctx:
    """What a formula sees of one node."""

    def __init__(self, b: Builder, k: int):
        self.b, self.k = b, k
        node = b.graph.node(k)
        self.op, self.attrs = node["op"], dict(node["attrs"])
        self.ins = [b.forward(v) for v in node["inputs"]]
        out = node["outputs"][0]
        self.shape = b.shape(out)
        self.out, self.dout = b.forward(out), b.adjoint(out)

    @property
    def fresh(self) -> Indices:
        return self.b.fresh

    def aux(self, name: str, shape: tuple, at, says: str) -> Access:
        return self.b.aux((self.k, name), name, shape, at, says)

    def count(self, name: str, value: float, says: str) -> sp.Symbol:
        return self.b.count(name, value, says)


class Builder:
    def __init__(self, y: Any, wrt: int):
        self.graph, self.y, self.wrt = y.graph, y.id, wrt
        self.fresh = Indices()
        self.local = True  # substitute element-by-element adjoints
        self.order = self._ancestors()
        self.consumers = self._consumers()
        self.path = self._path()
        self.counts: dict[str, int] = {}
        self.built = Built(y, wrt, {})
        self._name_values()

    # ---- the graph ----

    def shape(self, v: int) -> tuple:
        return tuple(self.graph.value(v)["shape"])

    def producer(self, v: int) -> int:
        return self.graph.value(v)["producer"]

    def _ancestors(self) -> list[int]:
        """The nodes y needs, in creation order (which numbers the layers)."""
        return sorted(self.graph.needed([self.y]))

    def _consumers(self) -> dict[int, list[tuple[int, int]]]:
        out: dict[int, list] = {}
        for k in self.order:
            for slot, v in enumerate(self.graph.node(k)["inputs"]):
                out.setdefault(v, []).append((k, slot))
        return out

    def _path(self) -> set[int]:
        path = {self.wrt}
        for k in self.order:
            node = self.graph.node(k)
            if any(v in path for v in node["inputs"]):
                path.add(node["outputs"][0])
        if self.y not in path:
            raise ValueError("derive: y does not depend on wrt")
        return path

    # ---- names ----

    def _next(self, letter: str) -> str:
        self.counts[letter] = self.counts.get(letter, 0) + 1
        return f"{letter}^({self.counts[letter]})"

    def _folded(self, v: int, op: str) -> bool:
        if v == self.y or v == self.wrt:
            return False
        if op in FOLDED:
            return True
        readers = self.consumers.get(v, [])
        into_add = len(readers) == 1 and self.graph.node(readers[0][0])["op"] in ("add", "sub")
        return op in LINEAR and into_add

    def _name_values(self) -> None:
        layers: dict[str, int] = {}
        for k in self.order:
            node = self.graph.node(k)
            for v in node["inputs"]:
                if v not in self.built.names and self.producer(v) < 0:
                    self._name_leaf(v, layers)
            out = node["outputs"][0]
            if not self._folded(out, node["op"]):
                name = "L" if out == self.y else self._next(self._letter(out, node["op"]))
                shape = self.shape(out)
                self.built.names[out] = Named(name, tensor(name, len(shape)), shape)

    def _letter(self, v: int, op: str) -> str:
        readers = [self.graph.node(k)["op"] for k, _ in self.consumers.get(v, [])]
        if op in LINEAR and readers and set(readers) == {"slice"}:
            return "u"  # an RNN's input projections, read one time step at a time
        return LETTER.get(op, "a")

    def _name_leaf(self, v: int, layers: dict[str, int]) -> None:
        info = self.graph.value(v)
        shape = tuple(info["shape"])
        if info["kind"] == "input":
            name = info["name"]
        elif info["kind"] == "const" and int(np.prod(shape)) == 1:
            return  # a number, written in place
        elif info["kind"] == "const":
            name = self._next("C")
        else:
            name = param_label(info["name"], layers, self._feeds_norm(v))
        name = self._unique(name)
        data = None if info["kind"] == "input" else np.asarray(self.graph.data(v), dtype=np.float64)
        self.built.names[v] = Named(name, tensor(name, len(shape)), shape, data=data)

    def _unique(self, name: str) -> str:
        """name, or a numbered / primed variant when another tensor has it (two layers'
        in_proj_weight)."""
        taken = {n.name for n in self.built.names.values()}
        base, k = name, 1
        while name in taken:
            k += 1
            name = base + "′" * (k - 1) if "^(" in base else f"{base}^({k})"
        return name

    def _feeds_norm(self, v: int) -> bool:
        ops = {self.graph.node(k)["op"] for k, _ in self.consumers.get(v, [])}
        return bool(ops & {"batch_norm", "layer_norm"})

    # ---- accessors ----

    def forward(self, v: int) -> Access:
        shape, named = self.shape(v), self.built.names.get(v)
        if named is not None:
            return Access(shape, lambda idx: named.tensor[idx] if idx else named.tensor)
        k = self.producer(v)
        if k < 0:  # a one-element constant
            x = float(np.asarray(self.graph.data(v)).reshape(-1)[0])
            number = sp.Integer(int(x)) if x.is_integer() else sp.Float(x)
            return Access(shape, lambda idx: number)
        return Access(shape, lambda idx: FORMULAS[self._op(k)].forward(Ctx(self, k), idx))

    def adjoint(self, v: int) -> Access:
        if v == self.y:
            return Access((), lambda idx: sp.S.One)
        named = self.built.names.get(v)
        step = named and self.built.adjoints.get(named.name)
        if step is not None:
            if self.local and is_local(step):
                at = step.result
                return Access(named.shape, lambda idx: at.xreplace(dict(zip(step.idx, idx))))
            return Access(named.shape, lambda idx: step.lhs.base[idx] if idx else step.lhs)
        return Access(self.shape(v), lambda idx: self.gather(v, idx))

    def gather(self, v: int, idx: tuple) -> sp.Basic:
        """Σ over the ops that read v (on the way to y) of their backward formulas."""
        terms, before, used = [], set(self.fresh.used), set()
        for k, slot in self.consumers.get(v, []):
            if self.graph.node(k)["outputs"][0] in self.path:
                self.fresh.used = set(before)  # sibling terms may reuse summation letters
                terms.append(FORMULAS[self._op(k)].backward(Ctx(self, k), slot, idx))
                used |= self.fresh.used
        self.fresh.used = used | before
        return sp.Add(*terms)

    def _op(self, k: int) -> str:
        op = self.graph.node(k)["op"]
        if op not in FORMULAS:
            raise NotImplementedError(f"derive: the op {op!r} has no index-form formula yet")
        return op

    def aux(self, key: Any, name: str, shape: tuple, at, says: str) -> Access:
        named = self.built.names.get(key)
        if named is None:
            label = self._next(name)
            named = Named(label, tensor(label, len(shape)), shape)
            self.built.names[key] = named
            saved, self.fresh = self.fresh, Indices()
            idx = tuple(self.fresh.many(len(shape), INDEX_LETTERS.get(len(shape), "")))
            lhs = named.tensor[idx] if idx else named.tensor
            rhs = at(idx)
            named.definition = Line(says, lhs, rhs, rhs, idx)
            self.built.defs.append(named)
            self.fresh = saved
        return Access(shape, lambda idx: named.tensor[idx] if idx else named.tensor)

    def count(self, name: str, value: float, says: str) -> sp.Symbol:
        """A size written as a letter (N terms averaged), distinct per value."""
        for sym, (v, _) in self.built.counts.items():
            if v == value and sym.name.startswith(name):
                return sym
        taken = {s.name for s in self.built.counts}
        label = next(n for n in [name, *(f"{name}_{k}" for k in range(2, 99))] if n not in taken)
        sym = sp.Symbol(label, positive=True, integer=isinstance(value, int))
        self.built.counts[sym] = (value, says)
        return sym

    # ---- the two passes ----

    def define(self) -> None:
        for k in self.order:
            node = self.graph.node(k)
            named = self.built.names.get(node["outputs"][0])
            if named is None:
                continue
            self.fresh = Indices()
            idx = tuple(self.fresh.many(len(named.shape), INDEX_LETTERS.get(len(named.shape), "")))
            rhs = FORMULAS[self._op(k)].forward(Ctx(self, k), idx)
            lhs = named.tensor[idx] if idx else named.tensor
            named.definition = Line(defines(node, self), lhs, rhs, rhs, idx)
            self.built.defs.append(named)

    def backward(self) -> None:
        chain = [v for v in self.built.names if isinstance(v, int) and v in self.path]
        chain = [v for v in chain if v not in (self.y, self.wrt)]
        chain.sort(key=self.producer, reverse=True)
        for v in [*chain, self.wrt]:
            named = self.built.names[v]
            param = self.graph.value(v)["kind"] == "param"
            letters = PARAM_LETTERS if param and len(named.shape) > 1 else INDEX_LETTERS
            self.fresh = Indices()
            idx = tuple(self.fresh.many(len(named.shape), letters.get(len(named.shape), "")))
            self.local, used = False, set(self.fresh.used)
            plain = self.gather(v, idx)
            self.local, self.fresh = True, Indices(used)
            result = tidy(self.gather(v, idx))
            d = tensor("δ" + named.name, len(named.shape))
            line = Line(self._says(v), d[idx] if idx else d, plain, result, idx)
            self.built.adjoints[named.name] = line
            self.built.steps.append(line)

    def _says(self, v: int) -> str:
        says = self._reader_says(v)
        text = "; ".join(dict.fromkeys(says))
        paths = f" (summed over the {len(says)} paths that read it)" if len(says) > 1 else ""
        return text + paths

    def _reader_says(self, v: int) -> list[str]:
        """The sentences of the ops that read v, looking through folded ones (a transpose)."""
        out = []
        for k, slot in self.consumers.get(v, []):
            node = self.graph.node(k)
            if node["outputs"][0] not in self.path:
                continue
            if node["op"] in FOLDED and node["outputs"][0] not in self.built.names:
                out += self._reader_says(node["outputs"][0])
            else:
                out.append(FORMULAS[self._op(k)].saying(slot))
        return out


def is_local(step: Line) -> bool:
    """An element-by-element adjoint in closed form (no sums, no other adjoint, every tensor
    read at the step's own index): substituting it lets factors cancel, as σ′ does against
    binary cross-entropy's 1/(a(1 − a)). Adjoints that carry others along (an LSTM's cell
    state, step after step) stay named, or the expressions would grow with every step."""
    if step.result.has(sp.Sum, Maximum):
        return False
    reads = step.result.atoms(sp.Indexed)
    if any(str(e.base.label).startswith("δ") for e in reads):
        return False
    return all(tuple(e.indices) == step.idx for e in reads)


def tidy(expr: sp.Basic) -> sp.Basic:
    """The shortest of the expression, its cancelled and its factored forms."""
    if expr.has(sp.Sum, Maximum, sp.Piecewise):
        return expr
    forms = [expr, sp.cancel(expr), sp.factor(expr)]
    return min(forms, key=sp.count_ops)
