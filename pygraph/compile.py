"""pg.compile: turn graph outputs into a callable that runs in C++, fed by input name.

>>> import numpy as np, pygraph as pg
>>> a = pg.input((2, 2), name="a_doc")
>>> f = pg.compile(pg.relu(a) * 3.0)
>>> f(a_doc=np.array([[-1, 2], [3, -4]], np.float32)).tolist()
[[0.0, 6.0], [9.0, 0.0]]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _core
from .graph import Tensor

PASSES: tuple[str, ...] = tuple(_core.pass_names())  # the compiler's passes, in their order


class Compiled:
    """A compiled graph: call it with numpy arrays by input name; numpy out.

    Feeds are converted to their input's dtype, as numpy's astype would (float64 data for a
    float32 input, ints for a float input; values out of float32 range become inf), except
    that float data for an int64 input (class labels) is refused with a TypeError. Shapes must
    match exactly: no broadcasting of feeds.
    """

    def __init__(
        self,
        outputs: Tensor | Sequence[Tensor],
        optimize: bool | Sequence[str] = True,
        trace: bool = False,
        updates: Sequence[tuple[Tensor, Tensor]] = (),
    ) -> None:
        self._single = isinstance(outputs, Tensor)
        self._structure: Any = None
        self.outputs = [outputs] if self._single else list(outputs)
        updates = list(updates)
        if not self.outputs and not updates:
            raise ValueError("compile: no outputs given")
        first = (self.outputs + [v for _, v in updates])[0]
        self.graph = first.graph if isinstance(first, Tensor) else None
        # nn.Parameters in update pairs are their params in this graph
        updates = [(_resolve(p, self.graph), v) for p, v in updates]
        every = self.outputs + [t for pair in updates for t in pair]
        for t in every:
            if not isinstance(t, Tensor) or t.graph is not self.graph:
                raise ValueError(f"compile: every output must be a Tensor of one graph, got {t!r}")
        updates += _state_updates(self.graph, every, updates)
        # the passes see outputs, update values and the updated params (so they stay in)
        n, m = len(self.outputs), len(updates)
        ids = [t.id for t in self.outputs] + [v.id for _, v in updates] + [p.id for p, _ in updates]
        self.ir_built = self.graph.print(ids) if trace else None
        if isinstance(optimize, bool):
            passes = list(PASSES) if optimize else []
        elif isinstance(optimize, str):
            raise TypeError(f"compile: optimize must be a bool or a list of pass names, got "
                            f"{optimize!r}")  # fmt: skip
        else:
            passes = list(optimize)
        compiled = _core.compile_program(self.graph, ids, passes, trace)
        self.program, out_ids, self.passes, self._plan = compiled
        self._out_ids = list(out_ids[:n])
        self._kept_ids = list(out_ids)  # outputs, update values, params: never in the arena
        pairs = list(zip(out_ids[n + m :], out_ids[n : n + m]))
        self._pairs = pairs
        self._exe = _core.Executable(self.program, self._out_ids, pairs, self._plan)
        self.input_names = [self.program.value(v)["name"] for v in self._exe.inputs]
        # the dtype each feed is converted to, by name (every input of the graph may be fed)
        infos = [self.program.value(v) for v in self.program.inputs()]
        self._feed_dtypes = {info["name"]: info["dtype"] for info in infos}

    def __call__(self, *args: Any, **feeds: Any) -> np.ndarray | list[np.ndarray]:
        """Feed inputs by name, or positionally in the order of `.input_names`."""
        if len(args) > len(self.input_names):
            raise TypeError(f"compiled graph: takes {len(self.input_names)} inputs "
                            f"{self.input_names}, got {len(args)} positional")  # fmt: skip
        for name, value in zip(self.input_names, args):
            if name in feeds:
                raise TypeError(f"compiled graph: input '{name}' given twice")
            feeds[name] = value
        arrays = {}
        for name, value in feeds.items():
            dtype = self._feed_dtypes.get(name, "float32")  # unknown names: the executor says so
            given = np.asarray(value)
            if dtype == "int64" and given.dtype.kind not in "iub":
                raise TypeError(f"compiled graph: input '{name}' holds int64 (class labels), "
                                f"got {given.dtype}")  # fmt: skip
            arrays[name] = np.asarray(given, dtype=dtype, order="C")  # 0-d stays 0-d
        out = self._exe.run(arrays)
        if self._single:
            return out[0]
        if self._structure is not None:
            return _unflatten(self._structure, list(out))
        return list(out)

    @property
    def ir(self) -> str:
        """The IR this object runs (after the passes)."""
        return self.program.print(self._out_ids)

    @property
    def memory_plan(self) -> list[dict[str, Any]]:
        """Where plan_memory put each intermediate value in the arena (empty: no plan).

        One dict per value: value (id in `.program`), op (the node that makes it), offset and
        bytes in the arena, first and last (the steps that make it and last read it), and
        inplace_of (the input whose bytes it overwrites, or None).
        """
        if self._plan is None:
            return []
        rows = self._plan.values
        for row in rows:
            row["op"] = self.program.node(self.program.value(row["value"])["producer"])["op"]
        return rows

    @property
    def memory(self) -> dict[str, int] | None:
        """The plan's totals: arena_bytes (its peak) against naive_bytes (every intermediate
        in its own buffer), values in place, and how many node outputs so far landed in their
        planned slot or fell back to their own buffer. None without a plan (optimize=False)."""
        if self._plan is None:
            return None
        landed, fallback = self._exe.plan_stats
        return {
            "arena_bytes": self._plan.arena_bytes,
            "naive_bytes": self._plan.naive_bytes,
            "values": len(self._plan.values),
            "inplace": self._plan.inplace,
            "landed": landed,
            "fallback": fallback,
        }

    def report(self) -> str:
        """What each pass did: nodes before and after, and every rewrite."""
        lines = []
        for r in self.passes:
            lines.append(f"{r['pass']}: {r['nodes_before']} -> {r['nodes_after']} nodes")
            lines += [f"  {line}" for line in r["log"]]
        return "\n".join(lines)

    def render_pass(self, name: str, path: Any = None, **kw: Any) -> Any:
        """Pass `name` drawn before and after, side by side (needs trace=True); the same as
        pg.render(self, path, pass_name=name, **kw). See pygraph.viz.render."""
        from .viz import render

        return render(self, path, pass_name=name, **kw)

    def __repr__(self) -> str:
        return f"Compiled(inputs={self.input_names}, outputs={len(self.outputs)})"


def _resolve(p: Any, graph: Any) -> Any:
    return p.in_graph(graph) if hasattr(p, "in_graph") and graph is not None else p


def _state_updates(graph: Any, every: list[Tensor], updates: list[tuple]) -> list[tuple]:
    """The buffer updates modules recorded on the graph (BatchNorm's running statistics in
    training mode) whose module output these outputs need, unless already given."""
    from .nn.parameter import recorded_updates

    given = {p.id for p, _ in updates}
    pairs = recorded_updates(graph, [t.id for t in every])
    return [(b, v) for b, v in pairs if b.id not in given]


def _compile_module(module: Any, input_shape: Any, input_dtype: str, **kw: Any) -> Compiled:
    """A module on fresh graph inputs: "x" for one input shape, "x0", "x1", ... for several."""
    shapes = [input_shape] if np.ndim(input_shape[0]) == 0 else list(input_shape)
    graph = _core.Graph()
    names = ["x"] if len(shapes) == 1 else [f"x{k}" for k in range(len(shapes))]
    xs = [Tensor(graph, graph.input(n, [int(d) for d in s], input_dtype))
          for n, s in zip(names, shapes)]  # fmt: skip
    out = module(*xs)
    if isinstance(out, Tensor):
        return Compiled(out, **kw)
    flat: list[Tensor] = []
    structure = _flatten(out, flat)
    compiled = Compiled(flat, **kw)
    compiled._structure = structure  # outputs come back as the module returned them
    return compiled


def _flatten(out: Any, flat: list[Tensor]) -> Any:
    """Tensors of nested tuples/lists into flat; returns the structure with their positions."""
    if isinstance(out, Tensor):
        flat.append(out)
        return len(flat) - 1
    if isinstance(out, (tuple, list)):
        return tuple(_flatten(o, flat) for o in out)
    if out is None:
        return None
    raise TypeError(f"compile: a module returned {type(out).__name__}; expected Tensors")


def _unflatten(structure: Any, values: list[np.ndarray]) -> Any:
    if isinstance(structure, int):
        return values[structure]
    if structure is None:
        return None
    return tuple(_unflatten(s, values) for s in structure)


def compile(  # noqa: A001
    outputs: Tensor | Sequence[Tensor] | Any,
    optimize: bool | Sequence[str] = True,
    trace: bool = False,
    updates: Sequence[tuple[Tensor, Tensor]] = (),
    input_shape: Sequence[int] | Sequence[Sequence[int]] | None = None,
    input_dtype: str = "float32",
) -> Compiled:
    """Compile the nodes these outputs need; the inputs are found in the graph.

    outputs may also be a pg.nn.Module with input_shape: the module runs on a fresh graph input
    named "x" (several shapes: "x0", "x1", ...) and the result is called positionally,
    `pg.compile(model, input_shape=(64, 1, 32, 32))(X)`.

    updates: (param, new value) pairs, assigned after every call once all values are computed
    (a training step: see pygraph.optim); a param may be a pg.nn.Parameter. The buffer updates
    that modules recorded on the graph (BatchNorm's running statistics in training mode) are
    added when the outputs need the module's output (see pygraph.nn.parameter).

    optimize=False runs the graph as built (every pass off); a list of pass names runs just
    those, in their written order (pg.PASSES: simplify, fuse, plan_memory), e.g. to see what
    one pass changes. trace=True keeps the IR as built
    (`.ir_built`) and after each pass (`.passes[k]["ir"]`); `.report()` says what each pass
    did, `.render_pass("fuse")` draws a pass's program before and after, and
    PYGRAPH_LOG=passes prints each rewrite as it happens.
    """
    if hasattr(outputs, "named_parameters"):  # a pg.nn.Module
        if input_shape is None:
            raise ValueError("compile: a module needs input_shape, e.g. input_shape=(1, 3, 32, 32)")
        kw = {"optimize": optimize, "trace": trace}
        return _compile_module(outputs, input_shape, input_dtype, **kw)
    return Compiled(outputs, optimize=optimize, trace=trace, updates=updates)
