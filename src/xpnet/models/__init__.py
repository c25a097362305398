"""The book's networks and an AlexNet-style CNN, all on one shared [`Network`][xpnet.models.Network] body."""

from .alexnet import AlexNet
from .base import Network
from .convnets import DeepConvNet, SimpleConvNet
from .mlp import MultiLayerNet, MultiLayerNetExtend

__all__ = ["AlexNet", "DeepConvNet", "MultiLayerNet", "MultiLayerNetExtend", "Network", "SimpleConvNet"]
