"""The contract every layer keeps: the book's forward/backward, plus named parameters.

- ``forward(x, train_flg=False)`` returns the output; layers that behave differently in training
  (Dropout, BatchNormalization) read ``train_flg``, the others accept and ignore it.
- ``backward(dout)`` returns the gradient with respect to the input and stores parameter
  gradients in ``self.grads`` (same keys as ``self.params``); ``param_backward(dout)`` stores
  them without computing the input gradient (a network's first weight layer).
- ``params``: trainable arrays, shared *by reference* with the network's ``params`` dict, so an
  optimizer that updates ``network.params[k]`` in place updates the layer too.
- ``buffers``: non-trainable state that must be saved with the model (BatchNorm running
  statistics). Also held by reference and updated in place.

The book's attribute names stay available where the book uses them (``Affine.W``, ``.dW``,
``BatchNormalization.running_mean`` ...).
"""

from __future__ import annotations


def param_alias(name: str) -> property:
    """The book's attribute (``layer.W``) as a view of ``layer.params[name]``, settable."""

    def _set(self, value) -> None:
        self.params[name] = value

    return property(lambda self: self.params[name], _set, doc=f"``params[{name!r}]``")


def grad_alias(name: str) -> property:
    """The book's gradient attribute (``layer.dW``) as a view of ``layer.grads[name]``."""
    return property(lambda self: self.grads[name], doc=f"Gradient of {name} from the last backward.")


class Layer:
    """Base class: empty ``params``/``grads``/``buffers`` and a readable ``repr``."""

    def __init__(self) -> None:
        self.params: dict = {}
        self.grads: dict = {}
        self.buffers: dict = {}

    def forward(self, x, train_flg: bool = False):  # pragma: no cover - interface
        raise NotImplementedError

    def backward(self, dout):  # pragma: no cover - interface
        raise NotImplementedError

    def param_backward(self, dout) -> None:
        """Fill ``grads`` only, for the first layer of a network, whose input needs no gradient.

        The default runs `backward` and drops d input; layers whose d input costs real work
        (``Affine``: a GEMM; ``Convolution``: a GEMM and col2im) skip it, as torch skips inputs
        that do not require grad.
        """
        self.backward(dout)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}={tuple(v.shape)}" for k, v in self.params.items())
        return f"{type(self).__name__}({shapes})"


class WeightLayer(Layer):
    """A layer with the book's weight ``W`` and bias ``b`` (``Affine``, ``Convolution``).

    ``W``, ``b``, ``dW``, ``db`` are views of ``params`` / ``grads`` (the same array objects), so
    an optimizer updating ``params['W']`` in place updates ``layer.W``.
    """

    def __init__(self, W, b) -> None:
        super().__init__()
        self.params = {"W": W, "b": b}
        self.grads = {"W": None, "b": None}

    W = param_alias("W")
    b = param_alias("b")
    dW = grad_alias("W")
    db = grad_alias("b")
