"""Every model at a tiny size, and its data, for the simulated-accelerator tests."""

from __future__ import annotations

import numpy as np

from xpnet.models import AlexNet, DeepConvNet, MultiLayerNet, MultiLayerNetExtend, SimpleConvNet
from xpnet.optimizers import OPTIMIZERS

CLASSES = 3
_CONV = {"filter_num": 2, "filter_size": 3, "pad": 1, "stride": 1}


def _deep(**decay):
    convs = [{"filter_num": n, "filter_size": 3, "pad": p, "stride": 1} for n, p in
             ((2, 1), (2, 1), (3, 1), (3, 2), (4, 1), (4, 1))]
    return DeepConvNet((1, 8, 8), *convs, hidden_size=5, output_size=CLASSES, **decay)


#: name -> (builder(**weight decay keywords), per-sample input shape)
MODELS = {
    "MultiLayerNet": (lambda **d: MultiLayerNet(6, [5, 4], CLASSES, **d), (6,)),
    "MultiLayerNetExtend": (
        lambda **d: MultiLayerNetExtend(6, [5, 4], CLASSES, use_dropout=True, use_batchnorm=True, **d), (6,)),
    "SimpleConvNet": (lambda **d: SimpleConvNet((1, 6, 6), _CONV, hidden_size=4, output_size=CLASSES, **d),
                      (1, 6, 6)),
    "DeepConvNet": (_deep, (1, 8, 8)),
    "AlexNet": (
        lambda **d: AlexNet((1, 28, 28), CLASSES, width=1 / 32, use_lrn=True, use_batchnorm=True, **d),
        (1, 28, 28)),
}


#: id -> (optimizer name, optimizer keywords, network weight-decay keywords)
OPTIMIZER_CASES = {
    "adam+clip_norm": ("adam", {"clip_norm": 1.0}, {}),
    "sgd+l1": ("sgd", {}, {"weight_decay_lambda": 0.1, "weight_decay_norm": "l1"}),
    **{name: (name, {}, {}) for name in OPTIMIZERS},  # includes plain adam
}


def host_data(input_shape, n: int, seed: int = 0):
    """``(x, t)`` as host NumPy arrays: ``n`` float samples and labels cycling over the classes."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, *input_shape)).astype(np.float32), np.arange(n) % CLASSES
