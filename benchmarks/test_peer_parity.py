"""The native-PyTorch peers compute what the xpnet networks compute: same loss, same gradients.

Given xpnet's parameters (copied over) and xpnet's dropout masks (replayed), one training
forward/backward of each peer must match xpnet in float32 on every backend, so the benchmark
table compares the same work. Small batches keep this fast; the architectures are the full ones.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import xpnet  # noqa: E402
from tests.conftest import _torch_single_thread  # noqa: E402,F401  (autouse: tiny tensors, one torch thread)
from xpnet.backend import choice, normal, to_numpy  # noqa: E402
from xpnet.testing import assert_close  # noqa: E402

from . import peers  # noqa: E402
from .nets import NETS  # noqa: E402


def _scaled_atol(expected) -> float:
    """float32 sums of many terms: absolute slack relative to the gradient's own scale."""
    return 2e-5 * float(np.max(np.abs(expected))) + 1e-7


@pytest.mark.parametrize("spec", NETS, ids=lambda s: s.name)
def test_peer_matches_xpnet_loss_and_gradients(xp, spec):
    xpnet.seed(1)
    net = spec.build()
    x = normal((3, *spec.input_shape))
    t = choice(10, 3)
    grads = net.gradient(x, t)

    model = peers.build(spec.peer, *spec.peer_args)
    peers.copy_params(model, net)
    peers.replay_dropout_masks(model, net)
    model.train()
    tx = torch.from_numpy(np.array(to_numpy(x)))
    loss = torch.nn.functional.cross_entropy(model(tx), torch.from_numpy(np.array(to_numpy(t))))
    loss.backward()

    assert net.last_loss.dtype == xp.float32
    assert_close(net.last_loss, loss.detach().numpy(), rtol=1e-5, xp=xp)
    expected = peers.grads_as_xpnet(model)
    assert sorted(grads) == sorted(expected)
    for key, g in expected.items():
        assert_close(grads[key], g, rtol=1e-3, atol=_scaled_atol(g), xp=xp, dtype=xp.float32)


def test_peer_parity_catches_a_wrong_parameter(xp):
    """The comparison above can fail: scale one copied weight matrix and the gradients differ."""
    spec = NETS[0]
    xpnet.seed(1)
    net = spec.build()
    x, t = normal((3, *spec.input_shape)), choice(10, 3)
    grads = net.gradient(x, t)
    model = peers.build(spec.peer, *spec.peer_args)
    peers.copy_params(model, net)
    with torch.no_grad():
        model[1].weight.mul_(1.5)
    torch.nn.functional.cross_entropy(
        model(torch.from_numpy(np.array(to_numpy(x)))), torch.from_numpy(np.array(to_numpy(t)))
    ).backward()
    g = peers.grads_as_xpnet(model)["W1"]
    with pytest.raises(AssertionError):
        assert_close(grads["W1"], g, rtol=1e-3, atol=_scaled_atol(g))
