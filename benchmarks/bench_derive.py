"""How long pg.derive takes (the issue's budget: under 2 s for an MLP or a LeNet-5
parameter), and evaluate/verify on the examples. Medians of repeated runs; no peer exists
(no other tool derives a network's gradients), so these are absolute times.

    python benchmarks/bench_derive.py
"""

from __future__ import annotations

import statistics
import time

from pygraph.symbolic.examples import EXAMPLES


def median_time(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    import pygraph as pg

    pg.derive(*EXAMPLES["two_layer_sigmoid"]()[:2])  # SymPy's first import is not derive's
    print(f"{'example':<22} {'derive':>9} {'verify':>9}  steps")
    for name, build in EXAMPLES.items():
        loss, wrt, feeds = build()
        derive = median_time(lambda: pg.derive(loss, wrt))  # noqa: B023
        d = pg.derive(loss, wrt)
        verify = median_time(lambda: d.verify(**feeds))  # noqa: B023
        print(f"{name:<22} {derive * 1e3:7.0f} ms {verify * 1e3:7.0f} ms  {len(d.steps)}")


if __name__ == "__main__":
    main()
