"""Run the benchmarks: `python benchmarks/run.py [--threads 1 2] [--only gemm,conv] [--quick]`.

Every implementation (pygraph, numpy, torch) runs in its own worker process with the same
thread count; the parent asks the workers in turn (A B C A B C ...) for timed blocks, so load
from neighbours hits all of them alike, and reports medians and the median of the per-round
ratios peer time / pygraph time (above 1 means pygraph is faster).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
FAMILIES = ["gemm", "conv", "pool", "eltwise", "norm", "shape", "graph", "train"]
IMPLS = ["pygraph", "numpy", "torch"]
# Idle thread pools spin before they sleep (OpenBLAS ~2^28 cycles, libgomp a while longer):
# with more than one thread, wait this long before a block so that the previous worker's
# spinning threads do not steal a core.
SETTLE = 0.25


def _load_cases(only: list[str], quick: bool) -> list:
    sys.path[:0] = [str(HERE), str(HERE.parent)]
    cases = []
    for family in only:
        if (HERE / f"bench_{family}.py").exists():
            for case in importlib.import_module(f"bench_{family}").cases(quick):
                case.group = family
                cases.append(case)
    return cases


def serve(threads: int, only: list[str], quick: bool) -> None:
    """Worker: answers `list`, `cal I IMPL`, `run I IMPL N` on stdin, one JSON line each."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.stdout = sys.stderr  # whatever the benchmarks print stays off the protocol channel
    cases = _load_cases(only, quick)
    import pygraph as pg
    from harness import calls_per_block, time_block

    pg.set_num_threads(threads)
    try:
        import torch

        torch.set_num_threads(threads)
    except ImportError:
        pass
    for line in sys.stdin:
        cmd, *args = line.split()
        if cmd == "list":
            reply = [[c.name, c.group, list(c.impls), c.flops, c.nbytes] for c in cases]
        elif cmd == "cal":
            reply = calls_per_block(cases[int(args[0])].impls[args[1]], 0.03)
        else:
            reply = time_block(cases[int(args[0])].impls[args[1]], int(args[2]))
        out.write(json.dumps(reply) + "\n")
        out.flush()


class Worker:
    def __init__(self, threads: int, only: list[str], quick: bool) -> None:
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
                   MKL_NUM_THREADS=str(threads))  # fmt: skip
        cmd = [sys.executable, __file__, "--serve", str(threads), "--only", ",".join(only)]
        cmd += ["--quick"] if quick else []
        self.proc = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)  # fmt: skip

    def ask(self, *words: object):
        self.proc.stdin.write(" ".join(map(str, words)) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"benchmark worker died on {words}")
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def run(threads: int, only: list[str], quick: bool, rounds: int) -> None:
    from harness import Case, summarize, table

    workers = {impl: Worker(threads, only, quick) for impl in IMPLS}
    listing = workers["pygraph"].ask("list")
    import pygraph as pg

    print(f"\n## {threads} thread(s) — pygraph kernels at {pg.active_isa()}\n", flush=True)
    for family in only:
        results = []
        for i, (name, group, impls, flops, nbytes) in enumerate(listing):
            if group != family:
                continue
            counts = {k: workers[k].ask("cal", i, k) for k in impls}
            samples: dict[str, list[float]] = {k: [] for k in impls}
            for _ in range(rounds):
                for k in impls:
                    if threads > 1:
                        time.sleep(SETTLE)
                    samples[k].append(workers[k].ask("run", i, k, counts[k]))
            results.append(summarize(Case(name, {}, flops, nbytes), samples))
        if results:
            print(f"### {family}\n\n{table(results)}\n", flush=True)
    for w in workers.values():
        w.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--only", default=",".join(FAMILIES))
    p.add_argument("--quick", action="store_true", help="fewer, smaller cases")
    p.add_argument("--rounds", type=int, default=9)
    p.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    a = p.parse_args()
    only = [f for f in a.only.split(",") if f]
    if a.serve:
        serve(a.serve, only, a.quick)
        return
    sys.path[:0] = [str(HERE), str(HERE.parent)]
    for n in a.threads:
        run(n, only, a.quick, a.rounds)


if __name__ == "__main__":
    main()
