"""DOT text and the Diagram object: writing Graphviz source and running the `dot` binary.

Knows nothing about models or graphs; the views (layers.py, opgraph.py) decide what to draw.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any, Callable

FORMATS = {".dot": None, ".gv": None, ".svg": "svg", ".png": "png", ".pdf": "pdf"}


def quote(text: str) -> str:
    """A DOT string literal."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def html(text: Any) -> str:
    """Text escaped for an HTML-like label."""
    s = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace('"', "&quot;")


def attrs(values: dict[str, Any]) -> str:
    """[k=v, ...] in the given order; labels starting with '<' are HTML-like and stay raw."""
    parts = []
    for k, v in values.items():
        if v is None:
            continue
        raw = isinstance(v, str) and k == "label" and v.startswith("<") and v.endswith(">")
        parts.append(f"{k}=<{v[1:-1]}>" if raw else f"{k}={quote(v)}")
    return f" [{', '.join(parts)}]" if parts else ""


class Dot:
    """Accumulates DOT lines; clusters nest with open_cluster / close_cluster."""

    def __init__(self, graph_attrs: dict[str, Any], node_attrs: dict[str, Any],
                 edge_attrs: dict[str, Any]) -> None:  # fmt: skip
        self.lines = ["digraph G {"]
        self.lines += [f"  {k}={quote(v)};" for k, v in graph_attrs.items() if v is not None]
        self.lines.append(f"  node{attrs(node_attrs)};")
        self.lines.append(f"  edge{attrs(edge_attrs)};")
        self.indent = 1
        self.clusters = 0

    def _add(self, line: str) -> None:
        self.lines.append("  " * self.indent + line)

    def node(self, nid: str, **a: Any) -> None:
        self._add(f"{nid}{attrs(a)};")

    def edge(self, src: str, dst: str, **a: Any) -> None:
        self._add(f"{src} -> {dst}{attrs(a)};")

    def open_cluster(self, **a: Any) -> None:
        self._add(f"subgraph cluster_{self.clusters} {{")
        self.clusters += 1
        self.indent += 1
        for k, v in a.items():
            if v is not None:
                self._add(f"{k}={('<' + v[1:-1] + '>') if _is_html(k, v) else quote(v)};")

    def close_cluster(self) -> None:
        self.indent -= 1
        self._add("}")

    def same_rank(self, ids: list[str]) -> None:
        self._add("{rank=same; " + "; ".join(ids) + ";}")

    def source(self) -> str:
        return "\n".join(self.lines + ["}"]) + "\n"


def _is_html(k: str, v: Any) -> bool:
    return k == "label" and isinstance(v, str) and v.startswith("<") and v.endswith(">")


def run_dot(source: str, fmt: str, timeout: float = 120.0) -> bytes:
    """The `dot` binary's output in fmt (svg, png, pdf); a clear error when it is missing."""
    exe = shutil.which("dot")
    if exe is None:
        raise RuntimeError(
            "render: Graphviz's `dot` is not installed (apt-get install graphviz, brew install "
            "graphviz); the DOT source is available as Diagram.source"
        )
    done = subprocess.run([exe, f"-T{fmt}"], input=source.encode(), capture_output=True,
                          timeout=timeout, check=False)  # fmt: skip
    if done.returncode != 0 or b"Error: lost" in done.stderr:  # an edge left out
        raise RuntimeError(f"render: dot -T{fmt} failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


class Diagram:
    """A rendered view: `.source` is the DOT text; save(path) writes .dot/.gv/.svg/.png/.pdf.

    Jupyter shows it inline (SVG). The SVG is made once and kept.
    """

    def __init__(self, source: str, title: str = "", notes: list[str] | None = None,
                 fallback: Callable[[], str] | None = None) -> None:  # fmt: skip
        self.source, self.title = source, title
        # the same picture with fewer layout constraints, for when dot's edge router fails
        # (Graphviz 2.43: "triangulation failed" on flat edges between nested clusters)
        self.fallback = fallback
        self.notes = list(notes or [])  # what the view did on its own (e.g. collapsed a depth)
        self._svg: str | None = None

    def pipe(self, fmt: str) -> bytes:
        """The diagram in Graphviz format fmt (svg, png, pdf, ...) as bytes."""
        try:
            return run_dot(self.source, fmt)
        except RuntimeError:
            if self.fallback is None:
                raise
            self.source, self.fallback = self.fallback(), None  # what was drawn
            return run_dot(self.source, fmt)

    def svg(self) -> str:
        if self._svg is None:
            self._svg = self.pipe("svg").decode()
        return self._svg

    def save(self, path: str | Path) -> Path:
        """Write by suffix: .dot/.gv (source), .svg, .png, .pdf. Returns the path."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in FORMATS:
            raise ValueError(f"render: unknown file suffix {path.suffix!r} in {str(path)!r}; "
                             f"use one of {', '.join(FORMATS)}")  # fmt: skip
        fmt = FORMATS[suffix]
        data = self.source.encode() if fmt is None else self.pipe(fmt)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        return {"image/svg+xml": self.svg(), "text/plain": repr(self)}

    def __repr__(self) -> str:
        n = self.source.count("->")
        return f"Diagram({self.title!r}, {n} edges)"

    def __str__(self) -> str:
        return self.source
