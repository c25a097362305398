"""Pure array-API math with the book's names: activations, losses, numerical gradients, data
helpers, and the convolution helpers (im2col / col2im)."""

from .activations import log_softmax, relu, sigmoid, softmax, tanh
from .data_utils import shuffle_dataset, smooth_curve
from .losses import as_one_hot_targets, cross_entropy_error, mean_nll, softmax_cross_entropy
from .numerical import numerical_gradient

__all__ = [
    "as_one_hot_targets", "cross_entropy_error", "log_softmax", "mean_nll", "numerical_gradient",
    "relu", "shuffle_dataset", "sigmoid", "smooth_curve", "softmax", "softmax_cross_entropy", "tanh",
]

# Convolution helpers (functions/conv.py) are re-exported below.
from .conv import add_columns, col2im, columns, conv_output_size, im2col  # noqa: E402

__all__ += ["add_columns", "col2im", "columns", "conv_output_size", "im2col"]
