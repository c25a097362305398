"""Which xpnet object answers each name a book script imports.

``MODULES[book_module][book_name]`` is ``"xpnet.module:attribute"`` (or a module's name).
The book's repository keeps its shared code in two packages beside the chapters, ``common``
and ``dataset``, and two chapter folders keep a network of their own
(``ch07/simple_convnet.py``, ``ch08/deep_convnet.py``); every module a chapter 6-8 script
imports from them is listed here. A name not listed has no xpnet counterpart: importing it
fails with a message naming the module and the name.

The table is data, not code: `xpnet.book._imports` builds the modules from it and
``docs/book.md`` prints it (a test holds the two equal).
"""

from __future__ import annotations

_OPTIMIZERS = ("SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam")
_LAYERS = ("Relu", "Sigmoid", "Affine", "SoftmaxWithLoss", "Dropout", "BatchNormalization",
           "Convolution", "Pooling")

MODULES: dict[str, dict[str, str]] = {
    "common": {},
    "common.functions": {
        name: f"xpnet.functions:{name}"
        for name in ("sigmoid", "relu", "softmax", "cross_entropy_error")
    },
    "common.gradient": {"numerical_gradient": "xpnet.functions:numerical_gradient"},
    "common.layers": {name: f"xpnet.layers:{name}" for name in _LAYERS},
    "common.multi_layer_net": {"MultiLayerNet": "xpnet.models:MultiLayerNet"},
    "common.multi_layer_net_extend": {"MultiLayerNetExtend": "xpnet.models:MultiLayerNetExtend"},
    "common.optimizer": {name: f"xpnet.optimizers:{name}" for name in _OPTIMIZERS},
    "common.trainer": {"Trainer": "xpnet.training:Trainer"},
    "common.util": {
        "smooth_curve": "xpnet.functions:smooth_curve",
        "shuffle_dataset": "xpnet.functions:shuffle_dataset",
        "conv_output_size": "xpnet.functions:conv_output_size",
        "im2col": "xpnet.functions:im2col",
        "col2im": "xpnet.functions:col2im",
    },
    "dataset": {},
    "dataset.mnist": {"load_mnist": "xpnet.book.session:load_mnist"},
    "simple_convnet": {"SimpleConvNet": "xpnet.book.networks:SimpleConvNet"},
    "deep_convnet": {"DeepConvNet": "xpnet.book.networks:DeepConvNet"},
}
# Every module of the book imports NumPy as ``np`` and has no ``__all__``, so ``from
# common.optimizer import *`` hands the script ``np`` too (ch06/optimizer_compare_mnist.py
# relies on it). A target without ``:`` is a module.
for _module, _names in MODULES.items():
    if _names:
        _names["np"] = "numpy"

PACKAGES = ("common", "dataset")
"""The book's packages: every submodule of these is served by xpnet or refused, never read."""

SCRIPT_FOLDER_MODULES = ("simple_convnet", "deep_convnet")
"""Model files the book keeps beside its scripts; xpnet's network of the same name answers."""


def is_mapped(fullname: str) -> bool:
    """True for a module name the book runner answers (or refuses) instead of the book's files."""
    return (fullname in MODULES or fullname.split(".", 1)[0] in PACKAGES)
