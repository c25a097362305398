"""Layers with the book's ``forward(x, train_flg=False)`` / ``backward(dout)`` interface and
named ``params`` / ``grads`` (see `xpnet.layers.base`)."""

from .activations import Relu, Sigmoid, Tanh
from .affine import Affine
from .base import Layer
from .dropout import Dropout
from .flatten import Flatten
from .softmax_loss import SoftmaxWithLoss

__all__ = ["Affine", "Dropout", "Flatten", "Layer", "Relu", "Sigmoid", "SoftmaxWithLoss", "Tanh"]

# Convolution, Pooling, BatchNormalization and LRN are re-exported below.
from .batchnorm import BatchNormalization  # noqa: E402
from .convolution import Convolution  # noqa: E402
from .lrn import LRN  # noqa: E402
from .pooling import MaxPoolReLU, Pooling  # noqa: E402

__all__ += ["BatchNormalization", "Convolution", "LRN", "MaxPoolReLU", "Pooling"]
