"""A derivation as a page: Unicode text or LaTeX, with repeated structure folded.

Layers and time steps repeat the same step with the numbers shifted: δa⁽³⁾ = Σ W⁽⁴⁾ δz⁽⁴⁾,
then δa⁽²⁾ = Σ W⁽³⁾ δz⁽³⁾. Two steps have the same shape when their printed forms agree
except for numbers that are either equal or shifted by the layer difference; a run of such
periods prints once, with the shifted numbers written from l (δa⁽ˡ⁾ = Σ W⁽ˡ⁺¹⁾ δz⁽ˡ⁺¹⁾).
A sum of same-shaped terms (a weight shared by every time step) prints as Σ over l. A run
of steps that repeats an earlier run with its layer numbers renamed one to one (a ResNet's
residual blocks, not adjacent and shifted by several layers) prints as a reference to it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from .notation import latex, text

# numbers in the text, superscript ones only as layer numbers ⁽…⁾ (not σ²'s square)
NUMBER = re.compile(r"[0-9]+|(?<=⁽)[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
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


@dataclass
class Group:
    """Steps printed together: one step (period 0); a recurrence in l (period > 0, `masks` say
    which numbers move with l); or a block the same as `same` earlier groups (`renamed`)."""

    lines: list
    period: int = 0
    masks: list = field(default_factory=list)
    same: tuple[int, int] | None = None  # (first group, count), 0-based
    renamed: dict = field(default_factory=dict)


def runs(steps: list, fmt: Callable) -> list[Group]:
    """Steps grouped: runs of ≥ 2 periods, each one layer lower than the last, as one
    recurrence; then blocks that repeat earlier ones (a ResNet's residual blocks) as a
    reference; other steps alone."""
    texts = [step_text(s, fmt) for s in steps]
    layers = [layer(fmt(s.lhs), fmt) for s in steps]
    out, k = [], 0
    while k < len(steps):
        best = None
        for period in range(1, 5):
            found = _run(texts, layers, steps, k, period)
            if found and (best is None or len(found[1]) * period > len(best[1]) * best[0]):
                best = (period, found[1], found[0])
        if best is None:
            out.append(Group([steps[k]]))
            k += 1
        else:
            period, reps, masks = best
            out.append(Group(steps[k : k + len(reps) * period], period, masks))
            k += len(reps) * period
    return blocks(out, dict(zip(map(id, steps), texts)))


def blocks(groups: list[Group], texts: dict) -> list[Group]:
    """Runs of single steps that repeat an earlier run with the layer numbers renamed become
    one reference to it (the longest such run first, at least 3 steps). `texts`: each step's
    printed form, by id."""
    out: list[Group] = []
    k = 0
    while k < len(groups):
        found = None
        for size in range(min(16, len(groups) - k), 2, -1):
            here = groups[k : k + size]
            if any(g.period or g.same for g in here):
                continue
            for start in range(0, len(out) - size + 1):
                there = out[start : start + size]
                if any(g.period or g.same for g in there):
                    continue
                renamed = renaming([texts[id(g.lines[0])] for g in there],
                                   [texts[id(g.lines[0])] for g in here])  # fmt: skip
                if renamed is not None:
                    found = Group([g.lines[0] for g in here], same=(start, size), renamed=renamed)
                    break
            if found:
                break
        if found:
            out.append(found)
            k += len(found.lines)
        else:
            out.append(groups[k])
            k += 1
    return out


KEY = re.compile(r"(\w[\u0302²]?)(?:⁽|_)$")


def _plain(s: str) -> str:
    """The first count M written M_1, so that it renames to M_2 like the others."""
    return s.replace("M·", "M_1·").replace("M)", "M_1)")


def renaming(a: list[str], b: list[str]) -> dict | None:
    """How b's layer numbers map from a's, when b is a with its layer numbers renamed (per
    letter, one to one, at least one changed); otherwise None."""
    forward: dict = {}
    backward: dict = {}
    for x, y in zip(a, b):
        (px, nx), (py, ny) = numbers(_plain(x)), numbers(_plain(y))
        if px != py or len(nx) != len(ny):
            return None
        for before, (u, _), (v, _) in zip(px, nx, ny):
            m = KEY.search(before)
            if not m:
                if u != v:
                    return None
                continue
            key = m.group(0)  # the name and its ⁽ or _, as printed
            if forward.setdefault((key, u), v) != v or backward.setdefault((key, v), u) != u:
                return None
    changed = {k: v for k, v in forward.items() if k[1] != v}
    return changed or None


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
