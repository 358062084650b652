"""Run the benchmarks: `python benchmarks/run.py [--threads 1 2] [--only gemm,conv] [--quick]`.

Each thread count runs in its own process, with pygraph and the peers capped to the same
number of threads. Ratios are peer time / pygraph time: above 1 means pygraph is faster.
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FAMILIES = ["gemm", "conv", "pool", "eltwise", "norm", "shape"]


def worker(threads: int, only: list[str], quick: bool) -> None:
    sys.path[:0] = [str(HERE), str(HERE.parent)]
    import pygraph as pg
    from harness import measure, table

    pg.set_num_threads(threads)
    try:
        import torch

        torch.set_num_threads(threads)
    except ImportError:
        print("(torch not installed: its columns are missing)")
    print(f"\n## {threads} thread(s) — pygraph kernels at {pg.active_isa()}\n")
    for family in only:
        path = HERE / f"bench_{family}.py"
        if not path.exists():
            continue
        module = importlib.import_module(f"bench_{family}")
        results = [measure(c) for c in module.cases(quick)]
        print(f"### {family}\n\n{table(results)}\n", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--only", default=",".join(FAMILIES))
    p.add_argument("--quick", action="store_true", help="fewer, smaller cases")
    p.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    a = p.parse_args()
    only = [f for f in a.only.split(",") if f]
    if a.worker:
        worker(a.worker, only, a.quick)
        return
    for n in a.threads:
        env = dict(
            os.environ, OMP_NUM_THREADS=str(n), OPENBLAS_NUM_THREADS=str(n), MKL_NUM_THREADS=str(n)
        )
        cmd = [sys.executable, __file__, "--worker", str(n), "--only", ",".join(only)]
        subprocess.run(cmd + (["--quick"] if a.quick else []), env=env, check=True)


if __name__ == "__main__":
    main()
