"""pygraph.nn: torch.nn-style modules that build pygraph graphs (pg.nn.Linear, pg.nn.Conv2d, ...).

Names, arguments, defaults and parameter layouts are torch.nn's, so torch state_dicts load
(`model.load_state_dict({k: v.numpy() for k, v in torch_model.state_dict().items()})`).
Calling a module on a pg.Tensor builds graph nodes; on numpy arrays it compiles and runs.
"""

from . import init
from .activation import (
    ELU,
    GELU,
    SELU,
    LeakyReLU,
    Maxout,
    PReLU,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Swish,
    Tanh,
)
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose2d
from .linear import Flatten, Identity, Linear
from .module import Module, ModuleList, Sequential
from .norm import BatchNorm1d, BatchNorm2d, Dropout, LayerNorm
from .parameter import Parameter
from .pool import (
    AdaptiveAvgPool2d,
    AvgPool1d,
    AvgPool2d,
    GlobalAvgPool,
    GlobalAvgPool2d,
    MaxPool1d,
    MaxPool2d,
    MaxUnpool2d,
)
from .recurrent import LSTM, RNN
from .sequence import (
    Embedding,
    MultiHeadAttention,
    MultiheadAttention,
    PositionalEncoding,
    TransformerEncoderLayer,
)

__all__ = [
    "init",
    "Parameter",
    "Module",
    "Sequential",
    "ModuleList",
    "Identity",
    "Linear",
    "Flatten",
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose2d",
    "MaxPool1d",
    "MaxPool2d",
    "AvgPool1d",
    "AvgPool2d",
    "AdaptiveAvgPool2d",
    "GlobalAvgPool2d",
    "GlobalAvgPool",
    "MaxUnpool2d",
    "BatchNorm1d",
    "BatchNorm2d",
    "LayerNorm",
    "Dropout",
    "ReLU",
    "LeakyReLU",
    "PReLU",
    "ELU",
    "SELU",
    "GELU",
    "SiLU",
    "Swish",
    "Sigmoid",
    "Tanh",
    "Softplus",
    "Softmax",
    "Maxout",
    "Embedding",
    "PositionalEncoding",
    "MultiheadAttention",
    "MultiHeadAttention",
    "TransformerEncoderLayer",
    "RNN",
    "LSTM",
]
