"""The book's convolutional networks: ``SimpleConvNet`` (ch. 7) and ``DeepConvNet`` (ch. 8).

Architectures, names (``Conv1``, ``Relu1``, ``Pool1``, ``Affine1`` ...; ``W1``..., ``b1``...) and
defaults are the book's. Fixes to the book:

- Sizes after convolution and pooling come from ``conv_output_size`` (integer arithmetic). The
  book's ``SimpleConvNet`` computes ``filter_num * (conv_out / 2) ** 2`` in floats, which is wrong
  for an odd convolution output; ``DeepConvNet`` hard-codes ``64*4*4`` and the fan-ins of the
  default configuration (``1*3*3`` for the first layer whatever the input channels). Here fan-ins
  and the flattened size follow the actual configuration; for the defaults they are the book's.
- Both accept the keyword-only ``weight_decay_lambda`` / ``weight_decay_norm`` of the MLPs.
- ``DeepConvNet``'s Dropout is the book's form by default (``dropout_inverted=False``).
"""

from __future__ import annotations

from collections.abc import Mapping

from .._validation import check_int
from ..layers import Dropout, Relu
from .base import Network

__all__ = ["SimpleConvNet", "DeepConvNet"]

_CONV_KEYS = ("filter_num", "filter_size", "pad", "stride")


def _conv_param(name: str, p) -> tuple[int, int, int, int]:
    if not isinstance(p, Mapping):
        raise TypeError(f"{name} must be a dict with keys {', '.join(_CONV_KEYS)}, got {p!r}")
    missing = [k for k in _CONV_KEYS if k not in p]
    if missing:
        raise ValueError(
            f"{name} lacks {', '.join(missing)}: expected keys {', '.join(_CONV_KEYS)}, got {dict(p)}"
        )
    return tuple(check_int(f"{name}[{k!r}]", p[k], minimum=0 if k == "pad" else 1) for k in _CONV_KEYS)


def _input_dim(input_dim) -> tuple[int, int, int]:
    try:
        dims = tuple(input_dim)
    except TypeError:
        dims = ()
    if len(dims) != 3:
        raise ValueError(f"input_dim must be (C, H, W), got {input_dim!r}")
    return tuple(check_int(f"input_dim[{i}]", s) for i, s in enumerate(dims))


def _sizes(**sizes) -> None:
    """Each layer width a positive integer (ValueError naming it), before any layer is built."""
    for name, value in sizes.items():
        check_int(name, value)


class SimpleConvNet(Network):
    """conv - relu - pool(2x2, stride 2) - affine - relu - affine - softmax (the book's).

    Parameters
    ----------
    input_dim : (C, H, W)
    conv_param : dict with ``filter_num``, ``filter_size``, ``pad``, ``stride``
    hidden_size : int
    output_size : int
    weight_init_std : float (the book's 0.01) or ``'he'``/``'xavier'`` ...
    """

    def __init__(self, input_dim=(1, 28, 28),
                 conv_param={"filter_num": 30, "filter_size": 5, "pad": 0, "stride": 1},  # noqa: B006 (book)
                 hidden_size=100, output_size=10, weight_init_std=0.01, *,
                 weight_decay_lambda=0, weight_decay_norm="l2"):
        input_dim = _input_dim(input_dim)
        filter_num, filter_size, pad, stride = _conv_param("conv_param", conv_param)
        _sizes(hidden_size=hidden_size, output_size=output_size)
        super().__init__(input_dim, weight_decay_lambda=weight_decay_lambda,
                         weight_decay_norm=weight_decay_norm)
        shape = self.add_conv(input_dim, filter_num, filter_size, stride, pad, weight_init_std)
        self.add("Relu", Relu())
        c, h, w = self.add_pool(shape, 2, 2)
        self.add_affine(c * h * w, hidden_size, weight_init_std)
        self.add("Relu", Relu())
        self.add_affine(hidden_size, output_size, weight_init_std)
        self.params.pack()


_DEEP_DEFAULTS = [
    {"filter_num": 16, "filter_size": 3, "pad": 1, "stride": 1},
    {"filter_num": 16, "filter_size": 3, "pad": 1, "stride": 1},
    {"filter_num": 32, "filter_size": 3, "pad": 1, "stride": 1},
    {"filter_num": 32, "filter_size": 3, "pad": 2, "stride": 1},
    {"filter_num": 64, "filter_size": 3, "pad": 1, "stride": 1},
    {"filter_num": 64, "filter_size": 3, "pad": 1, "stride": 1},
]


class DeepConvNet(Network):
    """The book's ch. 8 net: (conv-relu-conv-relu-pool) x 3, affine-relu-dropout, affine-dropout.

    He initialisation (sqrt(2 / fan-in)) everywhere; 2x2 pooling with stride 2; Dropout 0.5.

    Parameters
    ----------
    input_dim : (C, H, W)
    conv_param_1 ... conv_param_6 : dict with ``filter_num``, ``filter_size``, ``pad``, ``stride``
    hidden_size : int
    output_size : int
    """

    def __init__(self, input_dim=(1, 28, 28),
                 conv_param_1=_DEEP_DEFAULTS[0], conv_param_2=_DEEP_DEFAULTS[1],
                 conv_param_3=_DEEP_DEFAULTS[2], conv_param_4=_DEEP_DEFAULTS[3],
                 conv_param_5=_DEEP_DEFAULTS[4], conv_param_6=_DEEP_DEFAULTS[5],
                 hidden_size=50, output_size=10, *, weight_decay_lambda=0, weight_decay_norm="l2",
                 dropout_inverted=False):
        shape = _input_dim(input_dim)
        convs = [conv_param_1, conv_param_2, conv_param_3, conv_param_4, conv_param_5, conv_param_6]
        convs = [_conv_param(f"conv_param_{i}", p) for i, p in enumerate(convs, 1)]
        _sizes(hidden_size=hidden_size, output_size=output_size)
        super().__init__(shape, weight_decay_lambda=weight_decay_lambda, weight_decay_norm=weight_decay_norm)
        for i, (filter_num, filter_size, pad, stride) in enumerate(convs):
            shape = self.add_conv(shape, filter_num, filter_size, stride, pad, "he")
            self.add("Relu", Relu())
            if i % 2 == 1:
                shape = self.add_pool(shape, 2, 2)
        self.add_affine(shape[0] * shape[1] * shape[2], hidden_size, "he")
        self.add("Relu", Relu())
        self.add("Dropout", Dropout(0.5, inverted=dropout_inverted))
        self.add_affine(hidden_size, output_size, "he")
        self.add("Dropout", Dropout(0.5, inverted=dropout_inverted))
        self.params.pack()
