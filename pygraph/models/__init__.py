"""pygraph.models: the course's architectures as pg.nn modules, built by name or by function.

Layouts and parameter names follow the reference implementations (torchvision where it has
the model, timm for vit_tiny), so their state_dicts' keys match. Each model has an
`example_input_shape` (a batch of one) for summaries and diagrams, and token models
(transformer_classifier, lstm with a vocabulary) an `example_input_dtype` of "int64".

>>> import pygraph as pg
>>> sum(p.numel() for p in pg.models.lenet5().parameters())
61706
"""

from ._registry import get, list_models, register
from .alexnet import AlexNet, alexnet
from .densenet import DenseNet, densenet, densenet121
from .inception import GoogLeNet, Inception, googlenet_small, inception
from .lenet import LeNet5, lenet5
from .lstm import LSTMClassifier, lstm
from .mlp import mlp
from .resnet import ResNet, resnet18, resnet34, resnet50
from .transformer import TransformerClassifier, VisionTransformer, transformer_classifier, vit_tiny
from .unet import UNet, unet
from .vgg import VGG, vgg11, vgg11_bn, vgg13, vgg16, vgg16_bn, vgg19

__all__ = [
    "get",
    "list_models",
    "register",
    "mlp",
    "lenet5",
    "alexnet",
    "vgg11",
    "vgg11_bn",
    "vgg13",
    "vgg16",
    "vgg16_bn",
    "vgg19",
    "resnet18",
    "resnet34",
    "resnet50",
    "inception",
    "googlenet_small",
    "densenet",
    "densenet121",
    "unet",
    "transformer_classifier",
    "vit_tiny",
    "lstm",
    "LeNet5",
    "AlexNet",
    "VGG",
    "ResNet",
    "Inception",
    "GoogLeNet",
    "DenseNet",
    "UNet",
    "TransformerClassifier",
    "VisionTransformer",
    "LSTMClassifier",
]
