"""The `pygraph` command line: demo, bench."""

from __future__ import annotations

import argparse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pygraph", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="run a few ops through the engine and show which kernels ran")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import run

        run()
    return 0
