"""The label range is checked where labels enter a network (its public calls), once, and not
inside the Trainer's steps, which run in ``trusted_labels()``."""

from __future__ import annotations

import numpy as np
import pytest

from xpnet.backend import asarray
from xpnet.functions.losses import trusted_labels
from xpnet.models import MultiLayerNet

CALLS = {
    "loss": lambda net, x, t: net.loss(x, t),
    "gradient": lambda net, x, t: net.gradient(x, t),
    "accuracy": lambda net, x, t: net.accuracy(x, t),
}


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
@pytest.mark.parametrize("bad", [3, -1])
def test_public_calls_reject_labels_out_of_range(xp, call, bad):
    net = MultiLayerNet(4, [5], 3)
    x, t = asarray(np.ones((3, 4))), asarray(np.array([0, bad, 2]))
    with pytest.raises(ValueError, match=f"label {bad} is out of range for 3 classes"):
        call(net, x, t)


def test_trusted_labels_skip_the_range_check(xp):
    """The Trainer's steps run in ``trusted_labels()``: labels were checked when the data arrived."""
    net = MultiLayerNet(4, [5], 3)
    x, t = asarray(np.ones((3, 4))), asarray(np.array([0, 3, 2]))
    with trusted_labels():
        grads = net.gradient(x, t)
    assert set(grads) == set(net.params)
    with pytest.raises(ValueError, match="label 3"):  # and only inside the block
        net.gradient(x, t)


def test_num_classes_is_the_last_affines_outputs(xp):
    assert MultiLayerNet(4, [5, 6], 7).num_classes == 7
