"""Colours and shapes of the diagrams: by layer family (architecture view) and by op category
or value kind (op view). One palette, so a conv is the same blue in every picture."""

from __future__ import annotations

FONT = "Helvetica"

# layer families, matched against the module's type name (first match wins)
FAMILIES = [
    ("conv", "#cfe2f3"),  # Conv1d/2d/3d, ConvTranspose2d
    ("linear", "#d9d2e9"),
    ("norm", "#fff2cc"),  # BatchNorm, LayerNorm
    ("pool", "#fce5cd"),
    ("attention", "#f4cccc"),
    ("lstm", "#f4cccc"),
    ("rnn", "#f4cccc"),
    ("embedding", "#d0e0e3"),
    ("dropout", "#eeeeee"),
    ("flatten", "#eeeeee"),
    ("identity", "#eeeeee"),
]
ACTIVATIONS = ("relu", "sigmoid", "tanh", "elu", "selu", "gelu", "silu", "swish", "softmax",
               "softplus", "maxout", "hardtanh", "mish", "prelu", "leaky")  # fmt: skip
ACTIVATION_FILL = "#d9ead3"
BLOCK_FILL = "#e8e8e8"  # a module drawn collapsed (depth limit, repeats)
OP_FILL = "#ffffff"
SKIP_COLOR = "#c0392b"  # skip connections: residual adds, dense concats, copy-and-crop

# op view: values by kind, ops by the registry's category
VALUE_STYLE = {
    "input": {"fillcolor": "#b6d7a8", "shape": "box", "style": "rounded,filled"},
    "param": {"fillcolor": "#ffe599", "shape": "box", "style": "rounded,filled"},
    "const": {"fillcolor": "#eeeeee", "shape": "box", "style": "rounded,filled"},
    "output": {"fillcolor": "#a4c2f4", "shape": "box", "style": "rounded,filled,bold"},
}
CATEGORY_FILL = {
    "fused": "#f6b26b",
    "conv": "#cfe2f3",
    "matmul": "#d9d2e9",
    "norm": "#fff2cc",
    "pool": "#fce5cd",
    "loss": "#ea9999",
    "activation": ACTIVATION_FILL,
}
GRAD_FILL = "#f4cccc"  # ops of the backward pass
GRAD_EDGE = "#a61c00"
CLUSTER_COLOR = "#999999"
# a pass's before/after view: what the pass removed, added, or kept with new attributes
MARK_STYLE = {
    "removed": {"color": "#cc0000", "penwidth": "2", "style": "rounded,filled,dashed",
                "fontcolor": "#777777"},
    "added": {"color": "#38761d", "penwidth": "2.5"},
    "changed": {"color": "#e69138", "penwidth": "2.5"},
}  # fmt: skip


def layer_fill(type_name: str) -> str:
    low = type_name.lower()
    if any(a in low for a in ACTIVATIONS):
        return ACTIVATION_FILL
    for key, fill in FAMILIES:
        if key in low:
            return fill
    return OP_FILL


def op_fill(category: str, grad: bool) -> str:
    if grad:
        return GRAD_FILL
    return CATEGORY_FILL.get(category, OP_FILL)
