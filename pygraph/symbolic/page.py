"""A derivation as a page: Unicode text or LaTeX, with repeated structure folded.

Layers and time steps repeat the same step with the numbers shifted: δa⁽³⁾ = Σ W⁽⁴⁾ δz⁽⁴⁾,
then δa⁽²⁾ = Σ W⁽³⁾ δz⁽³⁾. Two steps have the same shape when their printed forms agree
except for numbers that are either equal or shifted by the layer difference; a run of such
periods prints once, with the shifted numbers written from l (δa⁽ˡ⁾ = Σ W⁽ˡ⁺¹⁾ δz⁽ˡ⁺¹⁾).
A sum of same-shaped terms (a weight shared by every time step) prints as Σ over l.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import sympy as sp

from .notation import latex, text

NUMBER = re.compile(r"[0-9]+|[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
FROM_SUP = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
TO_SUP = str.maketrans("0123456789+-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻")
LAYER = {text: re.compile("⁽([⁰¹²³⁴⁵⁶⁷⁸⁹]+)⁾"), latex: re.compile(r"\^\{\((\d+)\)\}")}


def layer(s: str, fmt: Callable) -> int | None:
    m = LAYER[fmt].search(s)
    return int(m.group(1).translate(FROM_SUP)) if m else None


def numbers(s: str) -> tuple[list[str], list[tuple[int, bool]]]:
    """The text between numbers, and each number with whether it is a superscript."""
    found = NUMBER.findall(s)
    return NUMBER.split(s), [(int(m.translate(FROM_SUP)), not m.isascii()) for m in found]


def shifted(a: str, b: str, diff: int) -> list[bool] | None:
    """Which numbers of a move with the layer when b is a's text diff layers lower."""
    (pa, na), (pb, nb) = numbers(a), numbers(b)
    if pa != pb or len(na) != len(nb):
        return None
    mask = []
    for (x, sa), (y, sb) in zip(na, nb):
        if sa != sb or (x != y and x - y != diff):
            return None
        mask.append(x != y)
    return mask


def write(s: str, own: int, mask: list[bool], fmt: Callable) -> str:
    """s with the numbers that move written relative to l = own."""
    parts, nums = numbers(s)
    out = [parts[0]]
    for (value, sup), moves, part in zip(nums, mask, parts[1:]):
        off = value - own
        if not moves:
            out.append(str(value).translate(TO_SUP) if sup else str(value))
        elif sup:
            out.append("ˡ" + (f"{off:+d}".translate(TO_SUP) if off else ""))
        else:
            out.append("l" + (f"{off:+d}".replace("-", "−" if fmt is text else "-") if off else ""))
        out.append(part)
    return "".join(out)


def step_text(line, fmt: Callable) -> str:
    return f"{fmt(line.lhs)} = {fmt(line.chain)} | {line.says}"


def runs(steps: list, fmt: Callable) -> list[tuple[list, int, list]]:
    """Steps grouped into (lines, period, masks): a run of ≥ 2 periods, each one layer lower
    than the last, or a single step (period 0)."""
    texts = [step_text(s, fmt) for s in steps]
    layers = [layer(fmt(s.lhs), fmt) for s in steps]
    out, k = [], 0
    while k < len(steps):
        best = None
        for period in range(1, 5):
            masks = _run(texts, layers, steps, k, period)
            if masks and (best is None or len(masks[1]) > len(best[1]) * best[0]):
                best = (period, masks[1], masks[0])
        if best is None:
            out.append(([steps[k]], 0, []))
            k += 1
        else:
            period, reps, masks = best
            out.append((steps[k : k + len(reps) * period], period, masks))
            k += len(reps) * period
    return out


def _run(texts, layers, steps, k, period):
    """(masks of the first period, the list of repetitions) when ≥ 2 periods repeat at k."""
    if k + 2 * period > len(texts) or any(layers[k + j] is None for j in range(period)):
        return None
    if not any(s.chain.has(sp.Indexed) for s in steps[k : k + period]):
        return None  # only numbers: nothing to learn from a recurrence
    masks = [shifted(texts[k + j], texts[k + period + j], 1) for j in range(period)]
    if any(m is None or not any(m) for m in masks):
        return None
    reps = [0]
    while k + (len(reps) + 1) * period <= len(texts):
        r = len(reps)
        at = k + r * period
        if not all(_agrees(texts[k + j], texts[at + j], r, masks[j]) for j in range(period)):
            break
        reps.append(r)
    return (masks, reps) if len(reps) >= 2 else None


def _agrees(a: str, b: str, r: int, mask: list[bool]) -> bool:
    (pa, na), (pb, nb) = numbers(a), numbers(b)
    if pa != pb or len(na) != len(nb):
        return False
    return all((x - y == r) if m else x == y for (x, _), (y, _), m in zip(na, nb, mask))


def folded_sum(expr: sp.Basic, fmt: Callable) -> str:
    """expr printed, with a sum of ≥ 3 same-shaped terms written as Σ over l."""
    if not isinstance(expr, sp.Add) or len(expr.args) < 3:
        return fmt(expr)
    from .derivation import rebind
    from .notation import Indices

    terms = [
        fmt(rebind(t, Indices({str(x) for x in t.free_symbols}), keep=False)) for t in expr.args
    ]
    keyed = sorted((layer(t, fmt) or 0, t) for t in terms)
    first, last = keyed[0], keyed[-1]
    masks = [shifted(b, a, lb - la) for (la, a), (lb, b) in zip(keyed, keyed[1:])]
    if any(m is None for m in masks) or any(m != masks[0] for m in masks) or not any(masks[0]):
        return fmt(expr)
    if [lb - la for (la, _), (lb, _) in zip(keyed, keyed[1:])] != [1] * (len(keyed) - 1):
        return fmt(expr)
    body = write(first[1], first[0], masks[0], fmt)
    if fmt is text:
        return f"Σ_(l={first[0]}…{last[0]}) {body}"
    return rf"\sum_{{l={first[0]}}}^{{{last[0]}}} {body}"
