"""One short line of a layer's hyper-parameters, as lecture slides write them:
"3→64, 7×7 /2 pad 3" for a convolution, "3×3 /2" for a pool, "512→10" for a linear layer."""

from __future__ import annotations

from typing import Any


def _dims(v: Any) -> str:
    t = tuple(v) if isinstance(v, (tuple, list)) else (v,)
    return str(t[0]) if len(set(t)) == 1 else "×".join(str(d) for d in t)


def _window(kernel: Any, stride: Any, padding: Any) -> str:
    k = kernel if isinstance(kernel, (tuple, list)) else (kernel, kernel)
    s = "×".join(str(d) for d in k)
    if stride is not None and _dims(stride) != "1":
        s += f" /{_dims(stride)}"
    if isinstance(padding, str) or (padding is not None and _dims(padding) != "0"):
        s += f" pad {_dims(padding)}"
    return s


def detail(mod: Any) -> str:
    """The line under a layer's type; falls back to its extra_repr, shortened."""
    a = mod.__dict__
    if "in_channels" in a and "kernel_size" in a:
        s = f"{a['in_channels']}→{a['out_channels']}, " + _window(
            a["kernel_size"], a.get("stride"), a.get("padding"))  # fmt: skip
        if _dims(a.get("dilation", 1)) != "1":
            s += f" dil {_dims(a['dilation'])}"
        if a.get("groups", 1) != 1:
            s += f" groups {a['groups']}"
        return s
    if "kernel_size" in a:
        return _window(a["kernel_size"], a.get("stride"), a.get("padding"))
    if "in_features" in a:
        return f"{a['in_features']}→{a['out_features']}"
    if "num_features" in a:
        return str(a["num_features"])
    if "output_size" in a:
        return f"→ {_dims(a['output_size'])}"
    if "normalized_shape" in a:
        return _dims(a["normalized_shape"])
    text = mod.extra_repr() if hasattr(mod, "extra_repr") else ""
    return text if len(text) <= 32 else text[:30] + "…"
