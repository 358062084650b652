"""Side-by-side timing: pygraph and its peers interleaved (A B A B ...), medians of ratios.

A benchmark module `bench_<family>.py` defines `cases(quick: bool) -> list[Case]`. Each Case
holds one callable per implementation ("pygraph" and peers such as "numpy", "torch"); inputs
are prepared outside the callables so that only the op is timed. run.py runs every
implementation in its own process (thread pools of different libraries fight when they share
one) and asks them in turn for timed blocks.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Case:
    name: str
    impls: dict[str, Callable[[], object]]
    flops: float | None = None  # floating-point operations of one call (2 per multiply-add)
    nbytes: float | None = None  # bytes a call must read and write at least
    group: str = ""


@dataclass
class Result:
    case: Case
    seconds: dict[str, float] = field(default_factory=dict)  # median time per call
    ratio: dict[str, float] = field(default_factory=dict)  # median of peer time / pygraph time


def calls_per_block(fn: Callable[[], object], target: float) -> int:
    """How many calls of `fn` take about `target` seconds (after warming it up)."""
    fn()  # first-call allocation, lazy initialisation
    n = 1
    while True:
        elapsed = time_block(fn, n) * n
        if elapsed >= target / 4 or n >= 1 << 16:
            return max(1, int(n * target / max(elapsed, 1e-9)))
        n *= 2


def time_block(fn: Callable[[], object], n: int) -> float:
    """Seconds per call over a block of n calls."""
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n


def summarize(case: Case, samples: dict[str, list[float]]) -> Result:
    """Medians of interleaved samples, and the median of the per-round ratios to pygraph."""
    result = Result(case, {k: statistics.median(v) for k, v in samples.items()})
    if "pygraph" in samples:
        for k, v in samples.items():
            if k != "pygraph":
                ratios = [peer / ours for peer, ours in zip(v, samples["pygraph"])]
                result.ratio[k] = statistics.median(ratios)
    return result


def _fmt_time(s: float) -> str:
    return f"{s * 1e6:.1f} µs" if s < 1e-3 else f"{s * 1e3:.2f} ms"


def table(results: list[Result]) -> str:
    """A markdown table: time per implementation, pygraph's rate, and speed-up over each peer."""
    peers = sorted({k for r in results for k in r.seconds if k != "pygraph"})
    head = ["case", "pygraph", *peers, "pygraph rate", *[f"× vs {p}" for p in peers]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        ours = r.seconds.get("pygraph")
        rate = ""
        if ours and r.case.flops:
            rate = f"{r.case.flops / ours / 1e9:.1f} GFLOP/s"
        elif ours and r.case.nbytes:
            rate = f"{r.case.nbytes / ours / 1e9:.1f} GB/s"
        cells = [r.case.name, _fmt_time(ours) if ours else "-"]
        cells += [_fmt_time(r.seconds[p]) if p in r.seconds else "-" for p in peers]
        cells += [rate] + [f"{r.ratio[p]:.2f}" if p in r.ratio else "-" for p in peers]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
