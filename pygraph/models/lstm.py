"""An LSTM sequence classifier: (Embedding or input features) -> LSTM -> Linear on the last step."""

from __future__ import annotations

from .. import nn
from ..graph import Tensor
from ._registry import register


class LSTMClassifier(nn.Module):
    """tokens (N, T) int64 with vocab_size, or features (N, T, input_size) without ->
    LSTM (batch-first, unrolled over T) -> fc on the last step's hidden state: (N, num_classes).
    """

    def __init__(
        self,
        vocab_size: int | None = 1000,
        input_size: int = 32,
        hidden_size: int = 128,
        num_layers: int = 1,
        num_classes: int = 2,
        dropout: float = 0.0,
        seq_len: int = 32,
    ) -> None:
        super().__init__()
        # with a vocabulary input_size is the embedding width; without, the feature width
        self.register_parameter("embedding", None)
        if vocab_size is not None:
            self.embedding = nn.Embedding(vocab_size, input_size)
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers, dropout=dropout)
        self.fc = nn.Linear(hidden_size, num_classes)
        tokens = vocab_size is not None
        self.example_input_shape = (1, seq_len) if tokens else (1, seq_len, input_size)
        self.example_input_dtype = "int64" if tokens else "float32"

    def forward(self, x: Tensor) -> Tensor:
        if self.embedding is not None:
            x = self.embedding(x)
        out, _ = self.lstm(x)
        return self.fc(out[:, -1])


@register
def lstm(
    vocab_size: int | None = 1000,
    input_size: int = 32,
    hidden_size: int = 128,
    num_layers: int = 1,
    num_classes: int = 2,
    dropout: float = 0.0,
    seq_len: int = 32,
) -> LSTMClassifier:
    """LSTM classifier; vocab_size=None takes float features (N, T, input_size) instead of
    tokens. seq_len is only the example input's length. Defaults: embedding 32,000, LSTM
    4 * 128 * (32 + 128 + 2) = 82,944, fc 258: 115,202 parameters.

    >>> import numpy as np, pygraph as pg
    >>> m = pg.models.lstm(vocab_size=None, input_size=3, hidden_size=4, num_classes=5)
    >>> m(np.zeros((2, 6, 3), np.float32)).shape
    (2, 5)
    """
    return LSTMClassifier(
        vocab_size, input_size, hidden_size, num_layers, num_classes, dropout, seq_len
    )
