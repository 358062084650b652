"""Embedding, MultiheadAttention, TransformerEncoderLayer, RNN and LSTM against torch.nn
(batch_first), and the embedding op against numpy."""

from __future__ import annotations

import numpy as np
import pytest

import pygraph as pg
from tests.conftest import torch_or_skip
from tests.nn_torch import compare

nn = pg.nn


def test_embedding_op_against_numpy(rng):
    w = rng.standard_normal((5, 3)).astype(np.float32)
    idx = np.array([[0, 4, 4], [2, 2, 2]])
    np.testing.assert_array_equal(pg.ops.embedding(idx, w), w[idx])
    gy = rng.standard_normal((2, 3, 3)).astype(np.float32)
    want = np.zeros_like(w)
    np.add.at(want, idx, gy)  # repeated indices accumulate
    np.testing.assert_allclose(pg.ops.embedding_backward(gy, idx, 5)[0], want, rtol=1e-6)
    with pytest.raises(ValueError, match="embedding: input holds index 5"):
        pg.ops.embedding(np.array([5]), w)


def test_embedding_grad_of_grad_is_a_lookup(rng):
    # embedding_backward is linear in grad_output; its gradient is an embedding lookup
    w0 = rng.standard_normal((4, 2))
    ids = pg.input((3,), "int64", name="ids")
    w = pg.input((4, 2), "float64", name="w")
    y = pg.embedding(ids, w)
    (gw,) = pg.grad((y * y).sum(), [w])
    (ggw,) = pg.grad(gw.sum(), [w])
    idx = np.array([1, 1, 3])
    got = pg.compile([gw, ggw])(ids=idx, w=w0)
    want = np.zeros_like(w0)
    np.add.at(want, idx, 2 * w0[idx])
    np.testing.assert_allclose(got[0], want)
    count = np.bincount(idx, minlength=4)[:, None] * np.ones((1, 2))
    np.testing.assert_allclose(got[1], 2 * count)


def test_embedding_module_matches_torch(rng):
    torch = torch_or_skip()
    idx = rng.integers(0, 10, (3, 4))
    compare(nn.Embedding(10, 5), torch.nn.Embedding(10, 5), idx)


@pytest.mark.parametrize("mask", [None, "causal", "padding"])
def test_multihead_attention_matches_torch(mask, rng):
    torch = torch_or_skip()
    torch.manual_seed(0)
    tmod = torch.nn.MultiheadAttention(8, 2, batch_first=True)
    pmod = nn.MultiheadAttention(8, 2)
    q, k = (rng.standard_normal(s).astype(np.float32) for s in ((2, 3, 8), (2, 5, 8)))
    kw = {}
    if mask == "causal":
        kw["attn_mask"] = np.triu(np.ones((3, 5), bool), 1)
    elif mask == "padding":
        kw["key_padding_mask"] = np.array([[0, 0, 0, 1, 1], [0, 0, 0, 0, 1]], bool)
    tkw = {n: torch.tensor(m) for n, m in kw.items()}

    class Wrap:  # a callable that fixes the masks and returns (output, weights) concatenated
        def __init__(self, mod, masks, cat):
            self.mod, self.masks, self.cat = mod, masks, cat

        def __call__(self, a, b):
            out, weights = self.mod(a, b, b, **self.masks)
            return self.cat(out, weights)

    def pg_cat(o, w):
        return pg.concat([o.reshape(-1), w.reshape(-1)])

    def torch_cat(o, w):
        return torch.cat([o.reshape(-1), w.reshape(-1)])

    tw, pw = Wrap(tmod, tkw, torch_cat), Wrap(pmod, kw, pg_cat)
    pw.state_dict, pw.load_state_dict = pmod.state_dict, pmod.load_state_dict
    pw.named_parameters, pw.parameters = pmod.named_parameters, pmod.parameters
    tw.state_dict, tw.named_parameters = tmod.state_dict, tmod.named_parameters
    tw.parameters = tmod.parameters
    compare(pw, tw, q, k)


@pytest.mark.parametrize("norm_first,activation", [(False, "relu"), (True, "gelu")])
def test_transformer_encoder_layer_matches_torch(norm_first, activation, rng):
    torch = torch_or_skip()
    torch.manual_seed(0)
    kw = dict(dim_feedforward=16, activation=activation, batch_first=True, norm_first=norm_first)
    tmod = torch.nn.TransformerEncoderLayer(8, 2, **kw).eval()
    pmod = nn.TransformerEncoderLayer(8, 2, **kw).eval()
    x = rng.standard_normal((2, 4, 8)).astype(np.float32)
    compare(pmod, tmod, x, rtol=1e-4, atol=2e-5)


@pytest.mark.parametrize("layers", [1, 2])
def test_rnn_matches_torch(layers, rng):
    torch = torch_or_skip()
    torch.manual_seed(0)
    tmod = torch.nn.RNN(3, 5, num_layers=layers, batch_first=True)
    x = rng.standard_normal((2, 4, 3)).astype(np.float32)
    compare(nn.RNN(3, 5, num_layers=layers), tmod, x, pick=lambda out: out[0])
    compare(nn.RNN(3, 5, num_layers=layers), tmod, x, pick=lambda out: out[1], seed=1)


@pytest.mark.parametrize("layers", [1, 2])
def test_lstm_matches_torch(layers, rng):
    torch = torch_or_skip()
    torch.manual_seed(0)
    tmod = torch.nn.LSTM(3, 5, num_layers=layers, batch_first=True)
    x = rng.standard_normal((2, 4, 3)).astype(np.float32)
    compare(nn.LSTM(3, 5, num_layers=layers), tmod, x, pick=lambda out: out[0])
    compare(nn.LSTM(3, 5, num_layers=layers), tmod, x, pick=lambda out: out[1][1], seed=1)


def test_lstm_initial_state_matches_torch(rng):
    torch = torch_or_skip()
    tmod = torch.nn.LSTM(3, 4, batch_first=True)
    pmod = nn.LSTM(3, 4)
    pmod.load_state_dict({k: v.detach().numpy() for k, v in tmod.state_dict().items()})
    shapes = ((2, 5, 3), (1, 2, 4), (1, 2, 4))
    x, h0, c0 = (rng.standard_normal(s).astype(np.float32) for s in shapes)
    xt = pg.input(x.shape, name="x")
    y, (hn, cn) = pmod(xt, (h0, c0))
    got = pg.compile([y, hn, cn])(x=x)
    ty, (thn, tcn) = tmod(torch.tensor(x), (torch.tensor(h0), torch.tensor(c0)))
    for g, w in zip(got, (ty, thn, tcn)):
        np.testing.assert_allclose(g, w.detach().numpy(), rtol=1e-4, atol=1e-5)


def test_positional_encoding_is_the_sinusoid_table():
    pe = nn.PositionalEncoding(6, dropout=0.0, max_len=10)
    got = pe(np.zeros((1, 4, 6), np.float32))[0]
    pos, i = np.arange(4)[:, None], np.arange(3)[None, :]
    angle = pos / 10000 ** (2 * i / 6)
    np.testing.assert_allclose(got[:, 0::2], np.sin(angle), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(got[:, 1::2], np.cos(angle), rtol=1e-6, atol=1e-7)
    assert pe.state_dict() == {}


def test_lstm_numpy_call_and_bad_shapes(rng):
    lstm = nn.LSTM(3, 4)
    out, (h, c) = lstm(rng.standard_normal((2, 5, 3)).astype(np.float32))
    assert out.shape == (2, 5, 4) and h.shape == (1, 2, 4) and c.shape == (1, 2, 4)
    np.testing.assert_allclose(out[:, -1], h[0], rtol=1e-6)
    with pytest.raises(ValueError, match=r"LSTM\(3, 4\): input has shape \(2, 5, 2\)"):
        lstm(pg.input((2, 5, 2), name="x"))
    with pytest.raises(ValueError, match="batch_first=True"):
        nn.RNN(3, 4, batch_first=False)
