"""Sequence layers: Embedding, sinusoidal PositionalEncoding, MultiheadAttention (scaled
dot-product) and TransformerEncoderLayer, with torch.nn's parameter names and layouts.

Sequences are batch-first, (N, T, E): batch_first=True is the default here (torch's is False),
and batch_first=False is not supported.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import functional as F
from ..graph import Tensor, _as_tensor
from . import init
from .linear import Linear
from .module import Module
from .norm import Dropout, LayerNorm
from .parameter import Parameter


def _batch_first(name: str, batch_first: bool) -> None:
    if not batch_first:
        raise ValueError(f"{name}: only batch_first=True, (N, T, E), is supported")


class Embedding(Module):
    """A table of num_embeddings rows: int64 indices (*) -> (*, embedding_dim). weight ~ N(0, 1).

    >>> import numpy as np, pygraph as pg
    >>> pg.nn.Embedding(10, 3)(np.array([[1, 2], [3, 4]])).shape
    (2, 2, 3)
    """

    def __init__(
        self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None
    ) -> None:
        super().__init__()
        if padding_idx is not None:
            raise ValueError("Embedding: padding_idx is not supported")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = Parameter(np.zeros((num_embeddings, embedding_dim), np.float32))
        init.normal_(self.weight)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return F.embedding(input, self.weight)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"


def sinusoid_table(max_len: int, d_model: int) -> np.ndarray:
    """pe[pos, 2i] = sin(pos / 10000^(2i/d)), pe[pos, 2i+1] = cos(...) (Vaswani et al.)."""
    pos = np.arange(max_len, dtype=np.float64)[:, None]
    div = np.exp(np.arange(0, d_model, 2, dtype=np.float64) * (-math.log(10000.0) / d_model))
    pe = np.zeros((max_len, d_model))
    pe[:, 0::2] = np.sin(pos * div)
    pe[:, 1::2] = np.cos(pos * div)[:, : d_model // 2]
    return pe.astype(np.float32)


class PositionalEncoding(Module):
    """x (N, T, d_model) + the sinusoidal table's first T rows, then dropout (no parameters)."""

    def __init__(self, d_model: int, dropout: float = 0.1, max_len: int = 5000) -> None:
        super().__init__()
        self.d_model, self.max_len = d_model, max_len
        self.dropout = Dropout(dropout)
        object.__setattr__(self, "pe", sinusoid_table(max_len, d_model))  # a constant, not state

    def forward(self, x: Tensor) -> Tensor:
        t = x.shape[-2]
        if t > self.max_len or x.shape[-1] != self.d_model:
            raise ValueError(
                f"PositionalEncoding({self.d_model}, max_len={self.max_len}): "
                f"input has shape {x.shape}"
            )
        return self.dropout(x + self.pe[:t].astype(x.dtype))

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, max_len={self.max_len}"


def _additive(mask: Any, like: Tensor) -> Any:
    """A mask as an additive float: bool True (masked) -> -inf; floats are added as they are."""
    if mask is None or isinstance(mask, Tensor):
        return mask
    m = np.asarray(mask)
    if m.dtype == bool:
        m = np.where(m, -np.inf, 0.0)
    return _as_tensor(m.astype(like.dtype), like.graph, like.dtype)


class MultiheadAttention(Module):
    """Multi-head scaled dot-product attention: softmax(q k^T / sqrt(d)) v per head.

    query (N, L, E), key and value (N, S, E) -> (output (N, L, E), weights (N, L, S) averaged
    over heads, or None when need_weights=False). Parameters as torch: in_proj_weight (3E, E),
    in_proj_bias (3E,), out_proj (Linear E -> E). attn_mask (L, S) and key_padding_mask (N, S):
    bool (True = masked) or additive floats; numpy or graph Tensors.
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        batch_first: bool = True,
    ) -> None:
        super().__init__()
        _batch_first("MultiheadAttention", batch_first)
        if embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by "
                f"num_heads ({num_heads})"
            )
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.batch_first = True
        self.in_proj_weight = Parameter(np.zeros((3 * embed_dim, embed_dim), np.float32))
        in_bias = Parameter(np.zeros(3 * embed_dim, np.float32)) if bias else None
        self.register_parameter("in_proj_bias", in_bias)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias)
        init.xavier_uniform_(self.in_proj_weight)
        if bias:
            init.zeros_(self.out_proj.bias)

    def _heads(self, x: Tensor) -> Tensor:
        n, t, _ = x.shape
        h = self.num_heads
        return F.permute(x.reshape(n, t, h, self.embed_dim // h), (0, 2, 1, 3))  # (N, H, T, d)

    def _project(self, q: Tensor, k: Tensor, v: Tensor) -> list[Tensor]:
        w = self.in_proj_weight.in_graph(q.graph)
        b = None if self.in_proj_bias is None else self.in_proj_bias.in_graph(q.graph)
        e = self.embed_dim
        return [
            self._heads(
                F.linear(x, w[i * e : (i + 1) * e], None if b is None else b[i * e : (i + 1) * e])
            )
            for i, x in enumerate((q, k, v))
        ]

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Any = None,
        need_weights: bool = True,
        attn_mask: Any = None,
        average_attn_weights: bool = True,
    ) -> tuple[Tensor, Tensor | None]:
        if query.ndim != 3 or query.shape[-1] != self.embed_dim or key.shape != value.shape:
            raise ValueError(
                f"MultiheadAttention(embed_dim={self.embed_dim}): query {query.shape}"
                f", key {key.shape}, value {value.shape}; expected (N, L, E) and "
                "(N, S, E)"
            )
        q, k, v = self._project(query, key, value)
        scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.embed_dim // self.num_heads))
        if attn_mask is not None:
            scores = scores + _additive(attn_mask, scores)
        if key_padding_mask is not None:
            pad = _additive(key_padding_mask, scores)
            scores = scores + pad.reshape(pad.shape[0], 1, 1, pad.shape[1])
        attn = F.softmax(scores, axis=-1)  # (N, H, L, S)
        if self.training and self.dropout > 0:
            attn = F.dropout(attn, self.dropout)
        out = F.permute(attn @ v, (0, 2, 1, 3))  # (N, L, H, d)
        out = self.out_proj(out.reshape(query.shape[0], query.shape[1], self.embed_dim))
        if not need_weights:
            return out, None
        return out, (attn.mean(axis=1) if average_attn_weights else attn)

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, batch_first=True"


MultiHeadAttention = MultiheadAttention


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block, each with a residual and LayerNorm:
    post-norm by default (x = norm1(x + sa(x)); x = norm2(x + ff(x))), norm_first=True for
    pre-norm. (N, T, d_model) -> (N, T, d_model). activation: "relu" or "gelu"."""

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = True,
        norm_first: bool = False,
        bias: bool = True,
    ) -> None:
        super().__init__()
        _batch_first("TransformerEncoderLayer", batch_first)
        if activation not in ("relu", "gelu"):
            raise ValueError(
                f"TransformerEncoderLayer: activation must be 'relu' or 'gelu', got {activation!r}"
            )
        self.self_attn = MultiheadAttention(d_model, nhead, dropout, bias)
        self.linear1 = Linear(d_model, dim_feedforward, bias)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias)
        self.norm_first, self.activation = norm_first, activation
        self.norm1 = LayerNorm(d_model, layer_norm_eps, bias=bias)
        self.norm2 = LayerNorm(d_model, layer_norm_eps, bias=bias)
        self.dropout1, self.dropout2 = Dropout(dropout), Dropout(dropout)

    def _sa(self, x: Tensor, mask: Any, pad: Any) -> Tensor:
        out, _ = self.self_attn(x, x, x, key_padding_mask=pad, need_weights=False, attn_mask=mask)
        return self.dropout1(out)

    def _ff(self, x: Tensor) -> Tensor:
        act = F.relu if self.activation == "relu" else F.gelu
        return self.dropout2(self.linear2(self.dropout(act(self.linear1(x)))))

    def forward(
        self, src: Tensor, src_mask: Any = None, src_key_padding_mask: Any = None
    ) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa(self.norm1(x), src_mask, src_key_padding_mask)
            return x + self._ff(self.norm2(x))
        x = self.norm1(x + self._sa(x, src_mask, src_key_padding_mask))
        return self.norm2(x + self._ff(x))
