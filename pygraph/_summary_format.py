"""Text and HTML renderings of a pg.summary table (rows and footer); no numbers are made here."""

from __future__ import annotations

import html as _html
from typing import Any

COLUMNS = ("Layer", "Type", "Output shape", "Params", "Non-trainable", "MACs", "RF", "Jump",
           "Activations", "Connected to")  # fmt: skip
NUMERIC = {"Params", "Non-trainable", "MACs", "Activations"}  # right-aligned


def _count(n: int) -> str:
    return f"{n:,}" if n else "--"


def _scaled(n: int, units: tuple[str, str, str, str], digits: int) -> str:
    """n in the largest of (G, M, k) units it reaches, else as is: 1814073344 -> '1.814 G'."""
    for unit, scale in zip(units, (1e9, 1e6, 1e3)):
        if n >= scale:
            return f"{n / scale:.{digits}f} {unit}"
    return f"{n} {units[3]}".rstrip()


def nbytes(n: int) -> str:
    """Decimal units as torchinfo: 1234567 -> '1.23 MB'."""
    return _scaled(n, ("GB", "MB", "kB", "B"), 2) if n else "--"


def macs(n: int) -> str:
    return _scaled(n, ("G", "M", "K", ""), 3)


def _axes(values: tuple | None) -> str:
    if values is None:
        return ""
    parts = [str(v) for v in values]
    return parts[0] if len(set(parts)) == 1 else "×".join(parts)


def _shape(shape: Any) -> str:
    if isinstance(shape, list):
        return " ".join(_shape(s) for s in shape)
    return "(" + ", ".join(str(d) for d in shape) + ")"


def cells(row: Any) -> list[str]:
    """The row's cells, in COLUMNS order (the layer name not yet indented)."""
    return [row.name, row.type, _shape(row.output_shape), _count(row.params),
            _count(row.non_trainable), _count(row.macs), _axes(row.receptive_field),
            _axes(row.jump), nbytes(row.activation_bytes), ", ".join(row.connected_to)]  # fmt: skip


def footer(s: Any) -> list[str]:
    """The totals and the conventions behind each column."""
    shapes = ", ".join(_shape(x) for x in s.input_shape)
    return [
        f"Input: {shapes} {s.dtype}; rows to depth {s.depth}, deeper layers rolled up",
        f"Params: {s.total_params:,} (trainable {s.trainable_params:,}) = model.parameters()",
        f"Non-trainable: {s.non_trainable_params:,}: buffers (BatchNorm running mean, var and "
        "batch count), shown as non-trainable as Keras does, outside the total as torch counts",
        f"MACs: {s.total_macs:,} ({macs(s.total_macs)}): multiply-accumulates of conv, linear and "
        "matmul, bias excluded, as torchvision counts them (ResNet-18 at 224×224 = 1.814 G)",
        f"Activations: {nbytes(s.activation_bytes)}: bytes of each innermost layer's (and "
        "merge's) output for this input shape",
        "RF: receptive field of an output element in input pixels; Jump: input pixels between "
        "neighbouring outputs (product of strides); at merges the max over paths",
    ]


def text(s: Any) -> str:
    """A fixed-width table: names indented two spaces per depth."""
    grid = []
    for row in s.rows:
        c = cells(row)
        c[0] = "  " * row.depth + c[0]
        grid.append(c)
    widths = [max([len(h)] + [len(r[k]) for r in grid]) for k, h in enumerate(COLUMNS)]

    def line(values: list[str] | tuple[str, ...]) -> str:
        out = [
            v.rjust(w) if h in NUMERIC else v.ljust(w) for v, w, h in zip(values, widths, COLUMNS)
        ]
        return "  ".join(out).rstrip()

    rule = "=" * len(line(["x" * w for w in widths]))
    body = [line(r) for r in grid]
    return "\n".join([rule, line(COLUMNS), rule, *body, rule, *footer(s), rule])


def html(s: Any) -> str:
    """An HTML table for Jupyter: indentation by padding, the footer as a list."""
    esc = _html.escape
    head = "".join(f"<th>{esc(h)}</th>" for h in COLUMNS)
    body = []
    for row in s.rows:
        c = [esc(v) for v in cells(row)]
        tds = [f'<td style="padding-left:{0.3 + 1.2 * row.depth:.1f}em">{c[0]}</td>']
        tds += [
            f'<td style="text-align:{"right" if h in NUMERIC else "left"}">{v}</td>'
            for h, v in zip(COLUMNS[1:], c[1:])
        ]
        body.append("<tr>" + "".join(tds) + "</tr>")
    notes = "".join(f"<li>{esc(x)}</li>" for x in footer(s))
    return (
        f"<div><b>{esc(s.model_name)}</b><table><thead><tr>{head}</tr></thead><tbody>"
        + "".join(body)
        + f"</tbody></table><ul>{notes}</ul></div>"
    )
