"""The book's fully connected networks: ``MultiLayerNet`` and ``MultiLayerNetExtend`` (ch. 6).

Layer and parameter names are the book's (``Affine1``, ``BatchNorm1``, ``Activation_function1``,
``Dropout1``; ``W1``, ``b1``, ``gamma1``, ``beta1``), and so are the defaults. Additions:
``activation='tanh'``, and the keyword-only ``weight_decay_norm`` (``'l2'``, the book's, or
``'l1'``). Dropout is the book's form by default (``dropout_inverted=False``: kept units pass
unscaled while training, all units are scaled by ``1 - ratio`` at test time), so gradients equal
the book's for the same mask; ``dropout_inverted=True`` gives the modern inverted dropout.
"""

from __future__ import annotations

from .._validation import check_int
from ..layers import Dropout, Relu, Sigmoid, Tanh
from .base import Network

__all__ = ["MultiLayerNet", "MultiLayerNetExtend"]

ACTIVATIONS = {"relu": Relu, "sigmoid": Sigmoid, "tanh": Tanh}


def _positive_sizes(what: str, sizes) -> list[int]:
    return [check_int(what, s) for s in sizes]


class MultiLayerNetExtend(Network):
    """Fully connected net with optional BatchNorm and Dropout (the book's ``MultiLayerNetExtend``).

    Per hidden layer: Affine, [BatchNorm], activation, [Dropout]; then a last Affine and
    SoftmaxWithLoss.

    Parameters
    ----------
    input_size : int
    hidden_size_list : list of int
    output_size : int
    activation : ``'relu'``, ``'sigmoid'`` or ``'tanh'``
    weight_init_std : float or ``'relu'``/``'he'`` (sqrt(2/n)) or ``'sigmoid'``/``'xavier'`` (sqrt(1/n))
    weight_decay_lambda : float
    use_dropout : bool
    dropout_ration : float
        Dropout ratio (the book's spelling).
    use_batchnorm : bool
    weight_decay_norm : ``'l2'`` or ``'l1'``, keyword-only
    dropout_inverted : bool, keyword-only
    """

    def __init__(self, input_size, hidden_size_list, output_size, activation="relu", weight_init_std="relu",
                 weight_decay_lambda=0, use_dropout=False, dropout_ration=0.5, use_batchnorm=False, *,
                 weight_decay_norm="l2", dropout_inverted=False):
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}: expected one of {', '.join(ACTIVATIONS)}")
        input_size, output_size = _positive_sizes("input_size and output_size", (input_size, output_size))
        hidden = _positive_sizes("hidden_size_list entries", hidden_size_list)
        super().__init__((input_size,), flat_input=True, weight_decay_lambda=weight_decay_lambda,
                         weight_decay_norm=weight_decay_norm)
        self.input_size, self.output_size = input_size, output_size
        self.hidden_size_list, self.hidden_layer_num = hidden, len(hidden)
        self.use_dropout, self.use_batchnorm = use_dropout, use_batchnorm
        sizes = [input_size, *hidden, output_size]
        for n_in, n_out in zip(sizes[:-2], sizes[1:-1]):
            self.add_affine(n_in, n_out, weight_init_std)
            if use_batchnorm:
                self.add_batchnorm(n_out)
            self.add("Activation_function", ACTIVATIONS[activation]())
            if use_dropout:
                self.add("Dropout", Dropout(dropout_ration, inverted=dropout_inverted))
        self.add_affine(sizes[-2], sizes[-1], weight_init_std)
        self.params.pack()


class MultiLayerNet(MultiLayerNetExtend):
    """The book's plain ``MultiLayerNet``: Affine and activation per hidden layer, no BN/Dropout."""

    def __init__(self, input_size, hidden_size_list, output_size, activation="relu", weight_init_std="relu",
                 weight_decay_lambda=0, *, weight_decay_norm="l2"):
        super().__init__(input_size, hidden_size_list, output_size, activation, weight_init_std,
                         weight_decay_lambda, weight_decay_norm=weight_decay_norm)
