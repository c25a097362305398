"""The benchmarked architectures written in native PyTorch (``torch.nn``, eager).

These are the peer rows of the benchmark table. Each builder writes the architecture out
explicitly rather than translating an xpnet model, so ``test_peer_parity.py`` checking that both
compute the same loss and gradients (after :func:`copy_params`) also checks xpnet's models.

Layouts: xpnet's ``Affine`` weight is (in, out), ``torch.nn.Linear``'s (out, in), so copies
transpose it; convolution weights are (FN, C, FH, FW) in both. Parameters are numbered over the
weight layers in order, as xpnet's ``W1, b1, W2, ...``.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from xpnet.backend import to_numpy


class PeerDropout(nn.Module):
    """Dropout in xpnet's two forms: ``inverted`` (torch's own) or the book's.

    The book's form passes kept units unscaled while training and scales everything by
    ``1 - p`` at test time (DeepConvNet uses it). ``fixed_mask`` (a bool tensor), when set,
    replaces the random draw, so a parity test can replay xpnet's mask.
    """

    def __init__(self, p: float, inverted: bool = True) -> None:
        super().__init__()
        self.p, self.inverted = p, inverted
        self.fixed_mask = None

    def forward(self, x):
        if not self.training:
            return x if self.inverted else x * (1.0 - self.p)
        if self.fixed_mask is not None:
            kept = x * self.fixed_mask
            return kept / (1.0 - self.p) if self.inverted else kept
        if self.inverted:
            return F.dropout(x, self.p, training=True)
        return x * (torch.rand_like(x) >= self.p)


def mlp(sizes) -> nn.Module:
    """Affine-ReLU per hidden layer, then a last Affine (the book's MultiLayerNet)."""
    layers = []
    for n_in, n_out in zip(sizes[:-2], sizes[1:-1]):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    layers.append(nn.Linear(sizes[-2], sizes[-1]))
    return nn.Sequential(nn.Flatten(), *layers)


def simple_convnet() -> nn.Module:
    """The book's SimpleConvNet: conv 30 5x5, ReLU, pool 2/2, FC 100, ReLU, FC 10."""
    return nn.Sequential(
        nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten(),
        nn.Linear(30 * 12 * 12, 100), nn.ReLU(), nn.Linear(100, 10),
    )


def deep_convnet() -> nn.Module:
    """The book's DeepConvNet: (conv-ReLU-conv-ReLU-pool) x 3, FC 50, ReLU, dropout, FC 10, dropout."""
    def block(c_in, c_mid, c_out, pad2):
        return [nn.Conv2d(c_in, c_mid, 3, padding=1), nn.ReLU(),
                nn.Conv2d(c_mid, c_out, 3, padding=pad2), nn.ReLU(), nn.MaxPool2d(2, 2)]

    return nn.Sequential(
        *block(1, 16, 16, 1), *block(16, 32, 32, 2), *block(32, 64, 64, 1), nn.Flatten(),
        nn.Linear(64 * 4 * 4, 50), nn.ReLU(), PeerDropout(0.5, inverted=False),
        nn.Linear(50, 10), PeerDropout(0.5, inverted=False),
    )


def alexnet(width: float = 1.0) -> nn.Module:
    """xpnet's AlexNet-style net on 3x32x32: convs 64/192/384/256/256 (x width), FC 1024 x 2."""
    c1, c2, c3, c4, c5, h1, h2 = (max(1, round(n * width)) for n in (64, 192, 384, 256, 256, 1024, 1024))
    return nn.Sequential(
        nn.Conv2d(3, c1, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(c1, c2, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(c2, c3, 3, padding=1), nn.ReLU(),
        nn.Conv2d(c3, c4, 3, padding=1), nn.ReLU(),
        nn.Conv2d(c4, c5, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2), nn.Flatten(),
        nn.Linear(c5 * 3 * 3, h1), nn.ReLU(), PeerDropout(0.5),
        nn.Linear(h1, h2), nn.ReLU(), PeerDropout(0.5),
        nn.Linear(h2, 10),
    )


def _weight_layers(module: nn.Module):
    return [m for m in module.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]


def copy_params(module: nn.Module, network) -> None:
    """Give ``module`` the parameters of the xpnet ``network`` (``W1, b1, W2, ...`` in order)."""
    layers = _weight_layers(module)
    if 2 * len(layers) != len(network.params):
        raise ValueError(f"{len(layers)} torch weight layers vs xpnet params {sorted(network.params)}")
    with torch.no_grad():
        for i, m in enumerate(layers, start=1):
            W = torch.from_numpy(np.array(to_numpy(network.params[f"W{i}"])))
            m.weight.copy_(W.T if isinstance(m, nn.Linear) else W)
            m.bias.copy_(torch.from_numpy(np.array(to_numpy(network.params[f"b{i}"]))))


def grads_as_xpnet(module: nn.Module) -> dict:
    """The torch gradients as host arrays keyed and laid out like xpnet's ``grads``."""
    out = {}
    for i, m in enumerate(_weight_layers(module), start=1):
        gW = m.weight.grad.detach().cpu()
        out[f"W{i}"] = (gW.T if isinstance(m, nn.Linear) else gW).numpy()
        out[f"b{i}"] = m.bias.grad.detach().cpu().numpy()
    return out


def replay_dropout_masks(module: nn.Module, network) -> None:
    """Make ``module``'s dropouts use the masks of ``network``'s last training forward."""
    ours = [m for m in module.modules() if isinstance(m, PeerDropout)]
    theirs = [layer for name, layer in network.layers.items() if name.startswith("Dropout")]
    if len(ours) != len(theirs):
        raise ValueError(f"{len(ours)} torch dropouts vs {len(theirs)} xpnet Dropout layers")
    for m, layer in zip(ours, theirs):
        m.fixed_mask = torch.from_numpy(np.array(to_numpy(layer.mask)))


def build(name: str, *args) -> nn.Module:
    """The peer builder called ``name`` (a :class:`benchmarks.nets.NetSpec`'s ``peer``)."""
    return {"mlp": mlp, "simple_convnet": simple_convnet, "deep_convnet": deep_convnet,
            "alexnet": alexnet}[name](*args)
