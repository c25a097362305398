"""A small AlexNet-style CNN for 3x32x32 (CIFAR-10) or 1x28x28 (MNIST) input.

Features: conv 64 5x5 pad 2, ReLU, [LRN], max-pool 3/2; conv 192 5x5 pad 2, ReLU, [LRN],
max-pool 3/2; conv 384, 256, 256 3x3 pad 1 with ReLU after each; max-pool 3/2. Classifier:
FC 1024, ReLU, Dropout; FC 1024, ReLU, Dropout; FC ``output_size``. ``width`` scales every channel
count and hidden FC size (rounded, at least 1). LRN (optional) sits after ReLU and before pooling
in the first two blocks, as in Krizhevsky et al. 2012; BatchNorm (optional) sits after each
convolution (spatial, per channel) and each hidden FC, before the ReLU. Dropout is inverted (the
modern form; this net is not from the book). The flattened size comes from ``conv_output_size``:
256x3x3 for 32x32 input, 256x2x2 for 28x28.
"""

from __future__ import annotations

import math

from ..layers import LRN, Dropout, Relu
from .base import Network

__all__ = ["AlexNet", "alexnet_plan"]

#: (filter_num, filter_size, pad, LRN+pool after?) of the five convolutions, at width 1.
CONVS = ((64, 5, 2, True), (192, 5, 2, True), (384, 3, 1, False), (256, 3, 1, False), (256, 3, 1, False))
HIDDEN = (1024, 1024)


def _scaled(n: int, width: float) -> int:
    return max(1, round(n * width))


def alexnet_plan(width: float = 1.0):
    """Channel counts of the five convolutions and the two hidden FC sizes at ``width``."""
    return [_scaled(c[0], width) for c in CONVS], [_scaled(h, width) for h in HIDDEN]


class AlexNet(Network):
    """AlexNet-style CNN (see the module docstring for the architecture).

    Parameters
    ----------
    input_dim : (C, H, W), e.g. (3, 32, 32) or (1, 28, 28)
    output_size : int
    width : float > 0, keyword-only
        Multiplier of every channel count and hidden FC size.
    use_lrn : bool, keyword-only
    use_batchnorm : bool, keyword-only
    dropout_ratio : float, keyword-only
    weight_init_std : ``'he'`` (default), ``'xavier'`` or a number, keyword-only
    weight_decay_lambda : keyword-only, as in the other models
    weight_decay_norm : keyword-only, as in the other models
    """

    def __init__(self, input_dim=(3, 32, 32), output_size=10, *, width=1.0, use_lrn=False,
                 use_batchnorm=False, dropout_ratio=0.5, weight_init_std="he", weight_decay_lambda=0,
                 weight_decay_norm="l2"):
        numeric = isinstance(width, (int, float)) and not isinstance(width, bool)
        if not (numeric and math.isfinite(width) and width > 0):
            raise ValueError(f"width must be a positive number, got {width!r}")
        shape = tuple(int(s) for s in input_dim)
        if len(shape) != 3:
            raise ValueError(f"input_dim must be (C, H, W), got {input_dim!r}")
        super().__init__(shape, weight_decay_lambda=weight_decay_lambda, weight_decay_norm=weight_decay_norm)
        self.width, self.use_lrn, self.use_batchnorm = width, use_lrn, use_batchnorm
        channels, hidden = alexnet_plan(width)
        for filter_num, (_, filter_size, pad, pooled) in zip(channels, CONVS):
            shape = self.add_conv(shape, filter_num, filter_size, 1, pad, weight_init_std)
            if use_batchnorm:
                self.add_batchnorm(filter_num)
            self.add("Relu", Relu())
            if pooled and use_lrn:
                self.add("LRN", LRN())
            if pooled:
                shape = self.add_pool(shape, 3, 2)
        shape = self.add_pool(shape, 3, 2)
        n_in = math.prod(shape)
        for n_out in hidden:
            self.add_affine(n_in, n_out, weight_init_std)
            if use_batchnorm:
                self.add_batchnorm(n_out)
            self.add("Relu", Relu())
            self.add("Dropout", Dropout(dropout_ratio))
            n_in = n_out
        self.add_affine(n_in, output_size, weight_init_std)
        self.params.pack()

