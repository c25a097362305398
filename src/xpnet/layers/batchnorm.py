"""Batch normalisation (Ioffe & Szegedy 2015), the book's chapter 6.3 layer, plus spatial BN."""

from __future__ import annotations

import contextlib
import warnings

from ..backend import array_namespace
from ._checks import require_arrays, require_like
from .base import Layer, grad_alias, param_alias

EPS = 1e-6  # the book's 10e-7


_single_value = {"allowed": 0}


class SingleValueBatchWarning(UserWarning):
    """A BatchNormalization trained on one value per feature, where that was asked for."""


@contextlib.contextmanager
def allow_single_value_batches():
    """Within this block, a training batch with one value per feature warns instead of raising.

    For the book's own scripts run unchanged (``xpnet book``): ``ch06/batch_norm_gradient_check.py``
    checks gradients on one sample, where the book's layer outputs ``beta`` and its gradients
    are still well defined; refusing would stop the reader's script, allowing it silently would
    hide from a newcomer why such training learns nothing. Not thread-local: enter it around
    whole runs only.
    """
    _single_value["allowed"] += 1
    try:
        yield
    finally:
        _single_value["allowed"] -= 1


def _check_batch_statistics(x, axes) -> None:
    """Refuse a training batch with one value per feature: its variance is 0 and the output is
    ``beta`` whatever ``x`` is (torch raises alike). A check on the shape: no device sync."""
    count = 1
    for axis in axes:
        count *= x.shape[axis]
    if count < 2:
        what = "feature" if x.ndim == 2 else "channel"
        if _single_value["allowed"] and count == 1:
            warnings.warn(f"BatchNormalization trained on 1 value per {what} (input of shape "
                          f"{tuple(x.shape)}): its output is beta whatever the input, as in the book; "
                          f"outside the book's scripts this is an error", SingleValueBatchWarning,
                          stacklevel=4)
            return
        raise ValueError(
            f"BatchNormalization: expected more than 1 value per "
            f"{what} when training, got input of shape "
            f"{tuple(x.shape)}; use a batch of 2 or more, or train_flg=False to normalise with the "
            f"running statistics"
        )


def _momentum(value) -> float:
    """``momentum`` as a Python float in [0, 1]; TypeError/ValueError naming it."""
    try:
        out = None if isinstance(value, (bool, str)) else float(value)
    except (TypeError, ValueError):
        out = None
    if out is None:
        raise TypeError(f"BatchNormalization momentum must be a real number, got {value!r}")
    if not 0.0 <= out <= 1.0:
        raise ValueError(f"momentum must lie in [0, 1], got {value!r}")
    return out


class BatchNormalization(Layer):
    """The book's ``BatchNormalization(gamma, beta, momentum=0.9, running_mean=None, running_var=None)``.

    2-D input (N, D) is normalised per feature; 4-D input (N, C, H, W) per channel, with statistics
    over N, H and W (spatial BN, as ``torch.nn.BatchNorm2d``). The book instead flattens 4-D input to
    (N, C*H*W) and normalises per activation; xpnet raises for that gamma shape and asks for a
    flattened input, so a per-activation layer is always an explicit choice.

    Running statistics: allocated at construction, shaped like ``gamma``, ``running_mean`` zeros
    and ``running_var`` **ones**, as torch (one of the book's errors that xpnet fixes: the book
    starts the variance at zeros, so an untrained or briefly trained network's test-mode output
    is divided by about sqrt(eps), scores ~1000 times the plain network's). Held in ``buffers``
    and updated in place, so references held by a model stay valid:
    ``running = momentum * running + (1 - momentum) * batch_stat``. As the book, ``running_var``
    takes the biased batch variance; torch takes the unbiased one (times N/(N-1)) and its
    ``momentum`` is our ``1 - momentum``.

    Backward uses the compact form of the book's chain of steps,
    ``dx = (dxn - mean(dxn) - xn * mean(dxn * xn)) / std``, which is the same gradient in fewer
    passes and keeps only ``xn`` and ``std`` (the book keeps ``xc`` too).

    Parameters
    ----------
    gamma : array, shape (D,) or (C,)
    beta : array, shape (D,) or (C,)
    running_mean : array, shape like gamma, optional
        Used by reference when given; else zeros and ``initial_running_var``.
    running_var : array, shape like gamma, optional
        Used by reference when given; else zeros and ``initial_running_var``.
    """

    #: the value a new ``running_var`` starts at: 1.0 (torch's); 0.0 is the book's start, for
    #: reproducing its figures like for like (set it on the class, or pass ``running_var``)
    initial_running_var = 1.0

    def __init__(self, gamma, beta, momentum: float = 0.9, running_mean=None, running_var=None):
        super().__init__()
        require_arrays("BatchNormalization", gamma=gamma, beta=beta)
        if gamma.ndim != 1 or tuple(beta.shape) != tuple(gamma.shape):
            raise ValueError(
                f"BatchNormalization needs gamma and beta of one shape (D,), got gamma of shape "
                f"{tuple(gamma.shape)} and beta of shape {tuple(beta.shape)}"
            )
        momentum = _momentum(momentum)
        xp = array_namespace(gamma, beta)
        self.momentum = momentum
        self.params = {"gamma": gamma, "beta": beta}
        self.grads = {"gamma": None, "beta": None}
        self.buffers = {
            "running_mean": xp.zeros_like(gamma) if running_mean is None else running_mean,
            "running_var": (xp.full_like(gamma, float(self.initial_running_var)) if running_var is None
                            else running_var),
        }
        for name, buf in self.buffers.items():
            require_arrays("BatchNormalization", **{name: buf})
            if tuple(buf.shape) != tuple(gamma.shape):
                raise ValueError(f"{name} has shape {tuple(buf.shape)}, gamma has shape {tuple(gamma.shape)}")
            require_like("BatchNormalization", name, buf, gamma, "gamma")
        self.input_shape = None
        self.xn = None
        self.std = None

    gamma = param_alias("gamma")
    beta = param_alias("beta")
    dgamma = grad_alias("gamma")
    dbeta = grad_alias("beta")
    running_mean = property(lambda self: self.buffers["running_mean"])
    running_var = property(lambda self: self.buffers["running_var"])

    def _layout(self, x):
        """Reduction axes and the broadcast shape of per-feature arrays for ``x``."""
        d = self.gamma.shape[0]
        if x.ndim not in (2, 4) or x.shape[1] != d:
            hint = ""
            if x.ndim == 4 and x.shape[1] * x.shape[2] * x.shape[3] == d:
                hint = " (gamma has C*H*W entries: for the book's per-activation BN, reshape x to (N, -1))"
            raise ValueError(
                f"BatchNormalization: x of shape {tuple(x.shape)} does not match gamma of shape "
                f"{tuple(self.gamma.shape)}; x must be (N, {d}) or (N, {d}, H, W){hint}"
            )
        return ((0,), (d,)) if x.ndim == 2 else ((0, 2, 3), (1, d, 1, 1))

    def forward(self, x, train_flg: bool = True):
        """x : array, shape (N, D) or (N, C, H, W) -> array of the same shape.

        ``train_flg`` defaults to True, as in the book.
        """
        xp = array_namespace(x, self.gamma)
        axes, shape = self._layout(x)
        gamma, beta = xp.reshape(self.gamma, shape), xp.reshape(self.beta, shape)
        if not train_flg:
            mean = xp.reshape(self.running_mean, shape)
            var = xp.reshape(self.running_var, shape)
            return gamma * ((x - mean) / xp.sqrt(var + EPS)) + beta
        _check_batch_statistics(x, axes)
        mu = xp.mean(x, axis=axes, keepdims=True)
        xc = x - mu
        var = xp.mean(xc * xc, axis=axes, keepdims=True)
        self.std = xp.sqrt(var + EPS)
        self.xn = xc / self.std
        self.input_shape = tuple(x.shape)
        m = self.momentum
        d = self.gamma.shape[0]
        self.running_mean[...] = m * self.running_mean + (1.0 - m) * xp.reshape(mu, (d,))
        self.running_var[...] = m * self.running_var + (1.0 - m) * xp.reshape(var, (d,))
        return gamma * self.xn + beta

    def backward(self, dout):
        """dout : array, shape of the input -> dx, same shape (after a training forward)."""
        if self.xn is None:
            raise RuntimeError("BatchNormalization.backward needs a forward with train_flg=True first")
        xp = array_namespace(dout)
        axes, shape = self._layout(dout)
        d = self.gamma.shape[0]
        self.grads["beta"] = xp.reshape(xp.sum(dout, axis=axes), (d,))
        self.grads["gamma"] = xp.reshape(xp.sum(self.xn * dout, axis=axes), (d,))
        dxn = xp.reshape(self.gamma, shape) * dout
        mean_dxn = xp.mean(dxn, axis=axes, keepdims=True)
        mean_dxn_xn = xp.mean(dxn * self.xn, axis=axes, keepdims=True)
        return (dxn - mean_dxn - self.xn * mean_dxn_xn) / self.std
