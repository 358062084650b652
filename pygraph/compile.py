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
        self.outputs = [outputs] if self._single else list(outputs)
        updates = list(updates)
        if not self.outputs and not updates:
            raise ValueError("compile: no outputs given")
        every = self.outputs + [t for pair in updates for t in pair]
        self.graph = every[0].graph
        for t in every:
            if not isinstance(t, Tensor) or t.graph is not self.graph:
                raise ValueError(f"compile: every output must be a Tensor of one graph, got {t!r}")
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

    def __call__(self, **feeds: Any) -> np.ndarray | list[np.ndarray]:
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

    def __repr__(self) -> str:
        return f"Compiled(inputs={self.input_names}, outputs={len(self.outputs)})"


def compile(  # noqa: A001
    outputs: Tensor | Sequence[Tensor],
    optimize: bool | Sequence[str] = True,
    trace: bool = False,
    updates: Sequence[tuple[Tensor, Tensor]] = (),
) -> Compiled:
    """Compile the nodes these outputs need; the inputs are found in the graph.

    updates: (param, new value) pairs, assigned after every call once all values are computed
    (a training step: see pygraph.optim).

    optimize=False runs the graph as built (every pass off); a list of pass names runs just
    those, in their written order (pg.PASSES: simplify, fuse, plan_memory), e.g. to see what
    one pass changes. trace=True keeps the IR as built
    (`.ir_built`) and after each pass (`.passes[k]["ir"]`); `.report()` says what each pass
    did, and PYGRAPH_LOG=passes prints each rewrite as it happens.
    """
    return Compiled(outputs, optimize=optimize, trace=trace, updates=updates)
