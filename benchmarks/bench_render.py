"""pg.render timings: ResNet-18's op graph with its backward (target: under 2 s, dot included),
and its architecture diagram. There is no peer tool in the same run: torchviz draws only the
backward and needs torch's autograd, so the figures stand alone.

python benchmarks/bench_render.py
"""

from __future__ import annotations

import shutil
import time
import warnings

import pygraph as pg


def _time(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    if shutil.which("dot") is None:
        raise SystemExit("bench_render: Graphviz's dot is not installed")
    model = pg.models.resnet18()
    warnings.simplefilter("ignore")
    cases = {
        "resnet18 op level + backward, DOT only": lambda: pg.render(model, level="op",
                                                                    backward=True),
        "resnet18 op level + backward, to SVG": lambda: pg.render(model, level="op",
                                                                  backward=True).svg(),
        "resnet18 architecture, to SVG": lambda: pg.render(model).svg(),
    }  # fmt: skip
    for name, fn in cases.items():
        print(f"{name:45s} {_time(fn):6.2f} s")


if __name__ == "__main__":
    main()
