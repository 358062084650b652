"""Transformer models: a small encoder classifier for token sequences, and a vision transformer
(Dosovitskiy et al., 2020) in timm's layout and names (vit_tiny_patch16_224 by default).
"""

from __future__ import annotations

import math

import numpy as np

from .. import functional as F
from .. import nn
from ..graph import Tensor
from ._registry import register


class TransformerClassifier(nn.Module):
    """tokens (N, T) int64 -> embedding * sqrt(d_model) + sinusoidal positions -> num_layers
    post-norm encoder layers -> mean over T -> Linear: logits (N, num_classes)."""

    def __init__(
        self,
        vocab_size: int = 1000,
        num_classes: int = 2,
        d_model: int = 64,
        nhead: int = 4,
        num_layers: int = 2,
        dim_feedforward: int = 128,
        dropout: float = 0.1,
        max_len: int = 512,
        seq_len: int = 32,
    ) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, d_model)
        self.pos_encoder = nn.PositionalEncoding(d_model, dropout, max_len)
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout)
            for _ in range(num_layers)
        )
        self.fc = nn.Linear(d_model, num_classes)
        self.d_model = d_model
        self.example_input_shape, self.example_input_dtype = (1, seq_len), "int64"

    def forward(self, tokens: Tensor) -> Tensor:
        # the sqrt(d_model) scale keeps N(0, 1) embeddings and the +-1 positions comparable
        x = self.pos_encoder(self.embedding(tokens) * math.sqrt(self.d_model))
        for layer in self.layers:
            x = layer(x)
        return self.fc(x.mean(axis=1))


@register
def transformer_classifier(
    vocab_size: int = 1000,
    num_classes: int = 2,
    d_model: int = 64,
    nhead: int = 4,
    num_layers: int = 2,
    dim_feedforward: int = 128,
    dropout: float = 0.1,
    max_len: int = 512,
    seq_len: int = 32,
) -> TransformerClassifier:
    """A small encoder-only sequence classifier; seq_len is only the example input's length.
    Defaults: 64,000 embedding + 2 * 33,472 per layer + 130 = 131,074 parameters.

    >>> import numpy as np, pygraph as pg
    >>> m = pg.models.transformer_classifier(vocab_size=50).eval()
    >>> m(np.zeros((3, 7), np.int64)).shape
    (3, 2)
    """
    return TransformerClassifier(
        vocab_size, num_classes, d_model, nhead, num_layers, dim_feedforward, dropout,
        max_len, seq_len,
    )  # fmt: skip


class PatchEmbed(nn.Module):
    """(N, C, H, W) -> (N, (H/p)(W/p), D): a p x p stride-p conv, then flatten the grid."""

    def __init__(self, patch_size: int, in_channels: int, dim: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(in_channels, dim, patch_size, stride=patch_size)

    def forward(self, x: Tensor) -> Tensor:
        y = self.proj(x)  # (N, D, H/p, W/p)
        return F.permute(F.flatten(y, 2), (0, 2, 1))


class Attention(nn.Module):
    """timm's self-attention: one qkv Linear (D -> 3D), heads, softmax(q k^T / sqrt(d)) v, proj."""

    def __init__(self, dim: int, num_heads: int) -> None:
        super().__init__()
        if dim % num_heads:
            raise ValueError(f"vit: dim ({dim}) must be divisible by num_heads ({num_heads})")
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: Tensor) -> Tensor:
        n, t, d = x.shape
        h = self.num_heads
        qkv = F.permute(self.qkv(x).reshape(n, t, 3, h, d // h), (2, 0, 3, 1, 4))
        q, k, v = qkv[0], qkv[1], qkv[2]  # (N, H, T, d/h)
        attn = F.softmax((q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(d // h)), axis=-1)
        return self.proj(F.permute(attn @ v, (0, 2, 1, 3)).reshape(n, t, d))


class Mlp(nn.Module):
    """fc1 (D -> 4D), GELU, fc2 (4D -> D)."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    """Pre-norm encoder block: x + attn(norm1(x)), then x + mlp(norm2(x))."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float) -> None:
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(dim, eps=1e-6), Attention(dim, num_heads)
        self.norm2, self.mlp = nn.LayerNorm(dim, eps=1e-6), Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class VisionTransformer(nn.Module):
    """patch_embed -> prepend cls_token -> + pos_embed -> depth pre-norm blocks -> norm ->
    head on the cls token. x (N, in_channels, img_size, img_size) -> logits (N, num_classes).

    Names and init as timm (cls_token ~ N(0, 1e-6), pos_embed ~ N(0, 0.02)), so a timm
    state_dict of the same size loads with load_state_dict.
    """

    def __init__(
        self,
        img_size: int = 224,
        patch_size: int = 16,
        in_channels: int = 3,
        num_classes: int = 1000,
        embed_dim: int = 192,
        depth: int = 12,
        num_heads: int = 3,
        mlp_ratio: float = 4.0,
    ) -> None:
        super().__init__()
        if img_size % patch_size:
            raise ValueError(
                f"vit: img_size ({img_size}) must be divisible by patch_size ({patch_size})"
            )
        num_patches = (img_size // patch_size) ** 2
        self.patch_embed = PatchEmbed(patch_size, in_channels, embed_dim)
        self.cls_token = nn.Parameter(np.zeros((1, 1, embed_dim), np.float32))
        self.pos_embed = nn.Parameter(np.zeros((1, num_patches + 1, embed_dim), np.float32))
        nn.init.normal_(self.cls_token, 0.0, 1e-6)
        nn.init.normal_(self.pos_embed, 0.0, 0.02)
        self.blocks = nn.Sequential(*[Block(embed_dim, num_heads, mlp_ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(embed_dim, eps=1e-6)
        self.head = nn.Linear(embed_dim, num_classes)
        self.img_size = img_size
        self.example_input_shape = (1, in_channels, img_size, img_size)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or x.shape[2] != self.img_size or x.shape[3] != self.img_size:
            raise ValueError(
                f"vit(img_size={self.img_size}): input has shape {x.shape}; expected "
                f"(N, C, {self.img_size}, {self.img_size}) (pos_embed is sized for it)"
            )
        tokens = self.patch_embed(x)  # (N, P, D)
        n, _, d = tokens.shape
        # broadcast the one learned cls token to the batch (its gradient sums over N)
        cls = self.cls_token.in_graph(x.graph) + np.zeros((n, 1, d), np.float32)
        tokens = F.concat([cls, tokens], axis=1) + self.pos_embed.in_graph(x.graph)
        return self.head(self.norm(self.blocks(tokens))[:, 0])


@register
def vit_tiny(
    img_size: int = 224,
    patch_size: int = 16,
    in_channels: int = 3,
    num_classes: int = 1000,
    embed_dim: int = 192,
    depth: int = 12,
    num_heads: int = 3,
    mlp_ratio: float = 4.0,
) -> VisionTransformer:
    """ViT-Tiny/16 at 224 (timm's vit_tiny_patch16_224): 5,717,416 parameters with the
    defaults (patch embed 147,648, cls 192, pos 37,824, 12 blocks of 444,864, norm 384, head
    193,000). Smaller img_size, depth, embed_dim for quick runs.

    >>> import numpy as np, pygraph as pg
    >>> m = pg.models.vit_tiny(img_size=8, patch_size=4, depth=1, embed_dim=12, num_classes=3)
    >>> m(np.zeros((2, 3, 8, 8), np.float32)).shape
    (2, 3)
    """
    return VisionTransformer(
        img_size, patch_size, in_channels, num_classes, embed_dim, depth, num_heads, mlp_ratio
    )
