"""What a derivation calls things: parameters by their module (W⁽ˡ⁾, b⁽ˡ⁾, γ, β, W_hh), and
each forward definition in words ("convolution, stride 2, padding 1")."""

from __future__ import annotations

import re
from typing import Any

DEFINES = {
    "sigmoid": "sigmoid activation", "tanh": "tanh activation", "relu": "ReLU activation",
    "softmax": "softmax", "log_softmax": "log-softmax", "concat": "the steps' outputs side by side",
    "binary_cross_entropy": "binary cross-entropy, the mean over N terms",
    "binary_cross_entropy_with_logits": "binary cross-entropy on logits, the mean over N terms",
    "mse_loss": "mean squared error over N terms",
    "cross_entropy": "cross-entropy of softmax(z) with the labels t",
    "nll_loss": "negative log-likelihood of the labels t",
}  # fmt: skip


def defines(node: dict, b: Any) -> str:
    """What a forward definition is, in words."""
    op, a = node["op"], node["attrs"]
    if op.startswith("conv"):
        return f"convolution, stride {fmt_pair(a['stride'])}, padding {fmt_pair(a['padding'])}"
    if "pool" in op:
        kind = "max" if "max" in op else "average"
        if op.startswith("global"):
            return f"global {kind} pooling"
        if op.startswith("adaptive"):
            return f"adaptive average pooling to {fmt_pair(a['output_size'], '×')}"
        window = fmt_pair(a["kernel_size"], "×")
        return f"{kind} pooling, {window} windows, stride {fmt_pair(a['stride'])}"
    if op == "batch_norm":
        stats = "the batch's statistics" if a.get("training") else "running statistics"
        return f"batch norm with {stats}"
    folded = [v for v in node["inputs"] if v not in b.built.names and b.producer(v) >= 0]
    if op in ("add", "sub") and any(b.graph.node(b.producer(v))["op"] == "matmul" for v in folded):
        return "linear layer: weights times inputs, plus bias"
    return DEFINES.get(op, node["label"] or op)


def fmt_pair(v: Any, sep: str = ",") -> str:
    v = list(v) if isinstance(v, list | tuple) else [v]
    return str(v[0]) if len(set(v)) == 1 and sep == "," else sep.join(map(str, v))


def param_label(name: str, layers: dict[str, int], norm: bool) -> str:
    """'2.weight' -> W^(2), 'bn1.bias' -> β^(k), 'rnn.weight_hh_l0' -> W_hh, 'w1' -> w1."""
    prefix, _, attr = name.rpartition(".")
    m = re.fullmatch(r"(weight|bias)(_\d+)?", attr)
    if m:  # weight_1: the second module's weight, named apart by free_name
        prefix, attr = prefix + (m.group(2) or ""), m.group(1)
        layer = layers.setdefault(prefix, len(layers) + 1)
        letter = ("γ" if attr == "weight" else "β") if norm else ("W" if attr == "weight" else "b")
        return f"{letter}^({layer})"
    for long, short in (("weight", "W"), ("bias", "b")):
        if attr.startswith(long + "_"):  # weight_hh_l0 -> W_hh
            return f"{short}_{attr[len(long) + 1 :].split('_')[0]}"
        if attr.endswith("_" + long):  # in_proj_weight -> W_inproj
            return f"{short}_{attr[: -len(long) - 1].replace('_', '')}"
    return attr.replace(".", "_") or name
