"""The one network skeleton every model shares: named layers in order, ``SoftmaxWithLoss`` last.

A model builds itself by adding layers ([`Network.add`][xpnet.models.base.Network.add], or the helpers
[`add_affine`][xpnet.models.base.Network.add_affine],
[`add_conv`][xpnet.models.base.Network.add_conv], [`add_pool`][xpnet.models.base.Network.add_pool],
[`add_batchnorm`][xpnet.models.base.Network.add_batchnorm]); everything else (predict, loss with weight decay,
gradient, batched accuracy, checkpoints) is written once here.

Names follow the book: layers ``Affine1``, ``Conv1``, ``BatchNorm1`` ...; parameters ``W1, b1``
numbered over all weight layers in order (convolutions and affines share the count, as in the
book's ``SimpleConvNet``: ``W1`` conv, ``W2``/``W3`` affine), ``gamma1, beta1`` numbered over the
BatchNorm layers; buffers ``'BatchNorm1.running_mean'``. ``params`` holds the layers' arrays by
reference, so an optimizer updating ``params[k]`` in place updates the layer.

Differences from the book's networks (same results where the book is right):

- [`accuracy`][xpnet.models.base.Network.accuracy] evaluates every sample in batches and divides by the number
  of samples. The
  book's ``SimpleConvNet.accuracy`` skips the last partial batch but still divides by
  ``x.shape[0]``, so it under-reports whenever ``batch_size`` does not divide the data.
- [`gradient`][xpnet.models.base.Network.gradient] records the loss of its own forward pass as ``last_loss``
  (a 0-d array on
  the device), so a trainer needs no second forward pass to log it.
- Weight decay can be L2 (the book's: ``0.5*lambda*sum(W**2)`` in the loss, ``lambda*W`` in the
  gradient) or L1 (``lambda*sum(|W|)``, ``lambda*sign(W)``), on every weight ``W`` (affine and
  convolution), never on biases or BatchNorm's ``gamma``/``beta``.
- Assigning ``params[k] = new_array`` (the book's ``load_params`` style) also rebinds the layer,
  so the network never silently keeps training an orphaned array.
- The parameters live in one flat buffer (``params[k]`` are its views; see
  `xpnet.backend._flat`) and [`gradient`][xpnet.models.base.Network.gradient] returns the gradients packed the
  same way,
  so an optimizer updates them all with a dozen whole-buffer operations. Rebinding a key
  unpacks it; the next [`gradient`][xpnet.models.base.Network.gradient] packs the parameters again.
- ``predict``/``loss``/``gradient``/``accuracy``/``numerical_gradient`` take NumPy arrays and
  nested lists on any backend: inputs are converted to the parameters' library, device and
  float dtype at these calls (`xpnet.models._inputs`), so the book's NumPy scripts run
  unchanged on torch or array-api-strict; arrays already there pass untouched.
- The input shape is checked at the entry of ``predict``/``loss``/``gradient``, and the label
  range at the entry of ``loss``/``gradient``/``accuracy``
  ([`check_labels`][xpnet.models.base.Network.check_labels]): on host
  arrays a bad label raises at once, on a device it makes the loss NaN (no wait for the device);
  the Trainer checks its datasets once and runs its steps in ``trusted_labels()``.
- A ``Relu`` directly followed by a max ``Pooling`` runs *after* it (`execution_order`):
  ReLU is monotone, so ``maxpool(relu(x)) == relu(maxpool(x))`` and the gradients are the same
  (the first maximum of a window with a positive max is the same element either way; a window
  whose max is <= 0 gets zero gradient either way), but ReLU then touches a quarter of the values
  (2x2 pooling). A max ``Pooling`` and the ``Relu`` after it then run as one step
  ([`MaxPoolReLU`][xpnet.layers.MaxPoolReLU]), which the portable ops do with two operations fewer. The
  layers and their names stay as the book has them; the step keeps its own state
  ([`Network.steps`][xpnet.models.base.Network.steps] keeps the same steps from forward to backward).
"""

from __future__ import annotations

import math
from collections import OrderedDict

from .. import io as _io
from ..backend import (
    FlatBuffer,
    FlatDict,
    array_namespace,
    choice,
    flat_buffer_of,
    ones,
    seed,
    to_numpy,
    zeros,
)
from ..functions.conv import conv_output_size
from ..functions.losses import check_label_range, poisoned
from ..functions.numerical import numerical_gradient
from ..initializers import init_weight
from ..layers import (
    Affine,
    BatchNormalization,
    Convolution,
    Dropout,
    MaxPoolReLU,
    Pooling,
    Relu,
    SoftmaxWithLoss,
)
from ..regularization import PENALTIES, penalty, penalty_grad
from ._inputs import as_input

__all__ = ["Network"]


class _Linked(dict):
    """A name -> array dict whose assignments also rebind the owning layer's entry.

    ``owners[name]`` is ``(layer, key)``: the entry is ``getattr(layer, attr)[key]``, with
    ``attr`` ``'params'`` or ``'buffers'`` (and a parameter's gradient ``layer.grads[key]``).
    """

    def __init__(self, attr: str):
        super().__init__()
        self.attr = attr
        self.owners: dict[str, tuple[object, str]] = {}
        self.flat: FlatBuffer | None = None  # the buffer behind every entry, when packed

    def link(self, name: str, layer, key: str) -> None:
        self.owners[name] = (layer, key)
        super().__setitem__(name, getattr(layer, self.attr)[key])

    def __setitem__(self, name, value) -> None:
        if name not in self.owners:
            raise KeyError(f"unknown entry {name!r}; this network has {', '.join(self.owners)}")
        layer, key = self.owners[name]
        getattr(layer, self.attr)[key] = value
        super().__setitem__(name, value)
        if self.flat is not None and self.flat.views.get(name) is not value:
            self.flat = None  # rebound: the buffer no longer backs every entry

    def update(self, *args, **kwargs) -> None:
        for name, value in dict(*args, **kwargs).items():
            self[name] = value

    def pack(self) -> None:
        """Move every entry into one flat buffer and rebind the owners to its views (a no-op
        when already packed, or when the arrays cannot share a buffer)."""
        if flat_buffer_of(self) is not None:
            return
        flat = FlatBuffer.pack(dict(self))
        if flat is None:
            return
        for name, view in flat.views.items():
            self[name] = view
        self.flat = flat


class Network:
    """Layers in order plus ``SoftmaxWithLoss``; the shared body of all xpnet models.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample, e.g. ``(784,)`` or ``(1, 28, 28)``.
    flat_input : bool
        Accept any sample shape with ``prod(input_shape)`` elements (an MLP, whose first
        ``Affine`` flattens, takes (N, 784) or (N, 1, 28, 28)); otherwise the sample shape must
        equal ``input_shape``.
    weight_decay_lambda : float
        Strength of the weight decay (0: none).
    weight_decay_norm : ``'l2'`` or ``'l1'``
    """

    def __init__(self, input_shape, *, flat_input=False, weight_decay_lambda=0, weight_decay_norm="l2"):
        if weight_decay_norm not in PENALTIES:
            raise ValueError(
                f"unknown weight_decay_norm {weight_decay_norm!r}: expected one of {', '.join(PENALTIES)}"
            )
        if not float(weight_decay_lambda) >= 0.0:
            raise ValueError(f"weight_decay_lambda must be >= 0, got {weight_decay_lambda!r}")
        self.input_shape = tuple(int(s) for s in input_shape)
        self.flat_input = flat_input
        self.weight_decay_lambda = weight_decay_lambda
        self.weight_decay_norm = weight_decay_norm
        self.layers: OrderedDict = OrderedDict()
        self.last_layer = SoftmaxWithLoss()
        self.params = _Linked("params")
        self.buffers = _Linked("buffers")
        self.grads: dict = {}
        self.last_loss = None
        self.num_classes = None
        self._decayed: list[str] = []
        self._counts: dict = {}

    # -- building -------------------------------------------------------------------------

    def _next(self, key) -> int:
        self._counts[key] = self._counts.get(key, 0) + 1
        return self._counts[key]

    def add(self, kind: str, layer):
        """Append ``layer`` as ``kind + n``; register its params (``W3``...) and buffers."""
        name = f"{kind}{self._next(('layer', kind))}"
        if layer.params:
            index = self._next(("params", tuple(sorted(layer.params))))
            for key in layer.params:
                self.params.link(f"{key}{index}", layer, key)
                if key == "W":
                    self._decayed.append(f"{key}{index}")
        for key in layer.buffers:
            self.buffers.link(f"{name}.{key}", layer, key)
        self.layers[name] = layer
        return layer

    def add_affine(self, n_in: int, n_out: int, weight_init_std):
        """Append ``Affine`` with W of shape (n_in, n_out) drawn with fan-in ``n_in``, b = 0."""
        W = init_weight((n_in, n_out), weight_init_std, fan_in=n_in)
        self.num_classes = int(n_out)  # the last Affine's outputs are the scores
        return self.add("Affine", Affine(W, zeros((n_out,))))

    def add_conv(self, shape, filter_num: int, filter_size: int, stride: int, pad: int, weight_init_std):
        """Append ``Convolution`` to inputs of ``shape`` (C, H, W); returns the output shape."""
        c, h, w = shape
        W = init_weight((filter_num, c, filter_size, filter_size), weight_init_std, fan_in=c * filter_size**2)
        self.add("Conv", Convolution(W, zeros((filter_num,)), stride=stride, pad=pad))
        out_h, out_w = (conv_output_size(s, filter_size, stride, pad) for s in (h, w))
        return (filter_num, out_h, out_w)

    def add_pool(self, shape, size: int, stride: int):
        """Append a ``size``x``size`` max-pool to inputs of ``shape`` (C, H, W); returns the output shape."""
        c, h, w = shape
        self.add("Pool", Pooling(pool_h=size, pool_w=size, stride=stride))
        return (c, conv_output_size(h, size, stride), conv_output_size(w, size, stride))

    def add_batchnorm(self, n: int):
        """Append ``BatchNormalization`` over ``n`` features or channels (gamma = 1, beta = 0)."""
        return self.add("BatchNorm", BatchNormalization(ones((n,)), zeros((n,))))

    # -- the book's API -------------------------------------------------------------------

    def _check_input(self, x) -> None:
        shape = tuple(getattr(x, "shape", ()))
        if self.flat_input:
            ok = len(shape) >= 2 and math.prod(shape[1:]) == math.prod(self.input_shape)
        else:
            ok = len(shape) == len(self.input_shape) + 1 and shape[1:] == self.input_shape
        if not ok:
            want = ", ".join(str(s) for s in self.input_shape)
            extra = ""
            if self.flat_input:
                extra = f" (or (N, ...) with {math.prod(self.input_shape)} values per sample)"
            raise ValueError(
                f"{type(self).__name__} expects input of shape (N, {want}){extra}, got shape {shape}"
            )

    def _inputs(self, x, t=None):
        """``x`` (and ``t``) where the parameters live (`as_input`:
        NumPy batches or lists on another backend are converted here, at the public calls)."""
        reference = next(iter(self.params.values()), None)
        x = as_input(x, reference, "x")
        return x if t is None else (x, as_input(t, reference, "t"))

    def predict(self, x, train_flg: bool = False):
        """x : array, shape (N, *input_shape) -> scores, shape (N, output_size)."""
        x = self._inputs(x)
        self._check_input(x)
        for layer in self.steps():
            x = layer.forward(x, train_flg=train_flg)
        return x

    def steps(self) -> list:
        """`execution_order` of the layers, made again only when the layers change: a fused
        step ([`MaxPoolReLU`][xpnet.layers.MaxPoolReLU]) keeps its state from forward to backward."""
        layers = tuple(self.layers.values())
        key = tuple(map(id, layers))  # the cached steps hold the layers: no id is reused meanwhile
        cached = self.__dict__.get("_steps")
        if cached is None or cached[0] != key:
            cached = self._steps = (key, execution_order(layers))
        return cached[1]

    def weight_decay(self):
        """The weight-decay penalty of the current weights (0 when ``weight_decay_lambda`` is 0)."""
        if not self.weight_decay_lambda:
            return 0.0
        weights = [self.params[k] for k in self._decayed]
        return penalty(weights, self.weight_decay_lambda, self.weight_decay_norm)

    def check_labels(self, t, *, read: bool = False):
        """Labels outside ``0..num_classes-1``: a ValueError naming the first on host arrays;
        on a device a 0-d flag, read by nobody, that makes [`loss`][xpnet.models.base.Network.loss] NaN (the
        backend's
        choice, `check_label_range`). Nothing inside
        `trusted_labels`. ``read=True``: raise on a device too
        (the Trainer, when its data arrives)."""
        if self.num_classes is not None:
            return check_label_range(t, self.num_classes, read=read)
        return None

    def loss(self, x, t, train_flg: bool = False):
        """Mean cross-entropy of ``predict(x)`` against ``t`` plus the weight decay; shape ()."""
        x, t = self._inputs(x, t)
        bad = self.check_labels(t)
        y = self.predict(x, train_flg=train_flg)
        loss = self.last_layer.forward(y, t)
        return poisoned(loss + self.weight_decay() if self.weight_decay_lambda else loss, bad)

    def forward(self, x, t, train_flg: bool = False):
        """The layer-contract name for [`loss`][xpnet.models.base.Network.loss], so
``gradient_check(network, x, t)`` works."""
        return self.loss(x, t, train_flg=train_flg)

    def backward(self, dout=1, *, input_grad: bool = True):
        """Backpropagate after a training forward; sets ``self.grads`` and returns d loss / d x.

        ``input_grad=False`` (what [`gradient`][xpnet.models.base.Network.gradient] uses) stops at the first
        layer with
        parameters, which fills only its ``grads`` (``param_backward``), and returns None: the
        input's gradient is never used in training, and torch does not compute it either.
        """
        dout = self.last_layer.backward(dout)
        layers = self.steps()
        first = 0 if input_grad else next((i for i, layer in enumerate(layers) if layer.params), 0)
        for layer in reversed(layers[first + (not input_grad):]):
            dout = layer.backward(dout)
        if not input_grad:
            layers[first].param_backward(dout)
            dout = None
        grads = {name: layer.grads[key] for name, (layer, key) in self.params.owners.items()}
        flat = flat_buffer_of(self.params)
        if flat is not None:
            grads = FlatDict(flat.gather(grads))
        if self.weight_decay_lambda:
            grads = self._add_decay(grads)
        self.grads = grads
        return dout

    def _add_decay(self, grads):
        """``grads`` plus weight decay's gradient on every ``W`` (one whole-buffer update when
        packed: the gradients are packed into a buffer whose views the returned dict holds)."""
        lam, norm = self.weight_decay_lambda, self.weight_decay_norm
        flat, params = getattr(grads, "flat", None), flat_buffer_of(self.params)
        if flat is None or params is None:
            for k in self._decayed:
                grads[k] = grads[k] + penalty_grad(self.params[k], lam, norm)
            return grads
        flat = params.with_data(flat.data)  # the gradients are packed in the parameters' layout
        grads = FlatDict(flat)
        xp = array_namespace(flat.data)
        mask = self.__dict__.get("_decay_mask")
        if mask is None or mask[0] is not params:
            ones_where_decayed = params.pack_like({k: (xp.ones if k in self._decayed else xp.zeros)(
                tuple(v.shape), dtype=v.dtype, device=v.device) for k, v in self.params.items()})
            mask = self._decay_mask = (params, ones_where_decayed.data)
        flat.data += penalty_grad(params.data, lam, norm) * mask[1]
        return grads

    def gradient(self, x, t) -> dict:
        """Gradients of [`loss`][xpnet.models.base.Network.loss] in training mode, keyed like ``params``.

        The forward's loss is kept as ``self.last_loss`` (0-d array on the device). The
        gradients come packed in one flat buffer of the parameters' layout (a dict of its views,
        ``.flat`` the buffer), so an optimizer can update every parameter at once.
        """
        self.params.pack()
        x, t = self._inputs(x, t)
        self.last_loss = self.loss(x, t, train_flg=True)
        self.backward(1, input_grad=False)
        return self.grads

    def numerical_gradient(self, x, t) -> dict:
        """The book's ``numerical_gradient(x, t)``: [`gradient`][xpnet.models.base.Network.gradient] by
central differences.

        Every parameter element is perturbed in place and restored
        ([`xpnet.functions.numerical_gradient`][xpnet.functions.numerical_gradient]: step 1e-6 in float64, the
        book's 1e-4
        otherwise), differentiating [`loss`][xpnet.models.base.Network.loss] in training mode, as
        [`gradient`][xpnet.models.base.Network.gradient] does (and
        the book's ``MultiLayerNetExtend``). Two forward passes per element: for checks on a few
        samples, in float64 (``xpnet.use_dtype("float64")``); float32 steps give a few digits at most.

        Unlike the book: BatchNorm running statistics, which every training forward moves, are
        restored afterwards; with Dropout, every pass redraws the same masks (the RNG is reseeded
        from one draw before each pass), so the result is the gradient of one fixed thinned
        network rather than noise.

        Returns
        -------
        dict of str -> array, keyed and shaped like ``params``
        """
        x, t = self._inputs(x, t)
        self._check_input(x)
        saved = {k: array_namespace(v).asarray(v, copy=True) for k, v in self.buffers.items()}
        reseed = any(isinstance(layer, Dropout) for layer in self.layers.values())
        mask_seed = int(to_numpy(choice(2**31 - 1, 1))[0]) if reseed else None

        def training_loss(_):
            if reseed:
                seed(mask_seed)
            return self.loss(x, t, train_flg=True)

        try:
            return {k: numerical_gradient(training_loss, p) for k, p in self.params.items()}
        finally:
            for k, v in saved.items():
                self.buffers[k][...] = v
            if reseed:
                seed(mask_seed + 1)

    def accuracy(self, x, t, batch_size: int = 100) -> float:
        """Fraction of samples whose arg-max score equals the label, over all of ``x``.

        ``t`` holds labels (N,) or one-hot rows (N, C). Runs in batches of ``batch_size`` with
        ``train_flg=False``; the count stays on the device until the end (one transfer).
        """
        x, t = self._inputs(x, t)
        self._check_targets(t)
        n = int(x.shape[0])
        if n == 0 or int(t.shape[0]) != n:
            raise ValueError(
                f"accuracy needs matching non-empty x and t, got {n} and {int(t.shape[0])} samples"
            )
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size!r}")
        xp = array_namespace(x, t)
        bad = self.check_labels(t)  # a device flag is read with the count, in its one transfer
        labels = t if t.ndim == 1 else xp.argmax(t, axis=1)
        correct = 0
        for i in range(0, n, int(batch_size)):
            stop = min(i + int(batch_size), n)
            y = xp.argmax(self.predict(x[i:stop, ...], train_flg=False), axis=1)
            correct = correct + xp.sum(xp.astype(y == xp.astype(labels[i:stop], y.dtype), xp.int64))
        if bad is not None:
            correct = xp.where(bad, -1, correct)
        correct = int(correct)
        if correct < 0:
            raise ValueError(f"a label of t is out of range for {self.num_classes} classes "
                             f"(expected 0 <= t < {self.num_classes})")
        return correct / n

    def _check_targets(self, t) -> None:
        """Labels (N,) or one-hot rows (N, num_classes); a shape check, no device sync."""
        c = self.num_classes
        if t.ndim == 2 and c is not None and t.shape[1] != c:
            raise ValueError(f"one-hot t has {t.shape[1]} classes but {type(self).__name__} scores {c} "
                             f"(t of shape {tuple(t.shape)})")
        if t.ndim not in (1, 2):
            raise ValueError(f"t must be labels of shape (N,) or one-hot rows of shape (N, {c}), "
                             f"got shape {tuple(t.shape)}")

    def save_params(self, path) -> None:
        """Write ``params`` and ``buffers`` to ``path`` (.npz; the book's pickle for a ``.pkl`` name)
        through [`xpnet.io.save_params`][xpnet.io.save_params]."""
        _io.save_params(path, self)

    def load_params(self, path) -> None:
        """Load a checkpoint into this network; a mismatch raises and leaves the network as it was."""
        _io.load_params(path, self)

    def __repr__(self) -> str:
        body = ", ".join(self.layers)
        return f"{type(self).__name__}(input_shape={self.input_shape}, layers=[{body}])"


def execution_order(layers) -> list:
    """The steps in the order they run: each ``Relu`` right before a max ``Pooling`` swapped
    with it (pooling first; see the module docstring for why results are unchanged), and each
    max ``Pooling`` with the ``Relu`` right after it run as one [`MaxPoolReLU`][xpnet.models.base.MaxPoolReLU]
    step."""
    order = list(layers)
    for i in range(len(order) - 1):
        a, b = order[i], order[i + 1]
        if type(a) is Relu and isinstance(b, Pooling) and b.mode == "max":
            order[i], order[i + 1] = b, a
    steps, i = [], 0
    while i < len(order):
        a, b = order[i], order[i + 1] if i + 1 < len(order) else None
        if isinstance(a, Pooling) and a.mode == "max" and type(b) is Relu:
            steps.append(MaxPoolReLU(a, b))
            i += 2
        else:
            steps.append(a)
            i += 1
    return steps
