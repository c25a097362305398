"""The book's own loop on a device: ``grads = network.gradient(x, t)`` then
``optimizer.update(network.params, grads)``, through the public calls, waits for nothing
(issue 23, item 4). The labels are checked where the check is free: on a device an
out-of-range label makes the loss NaN instead of a read; on host arrays it still raises at once.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from simulated_models import CLASSES, MODELS, host_data

import xpnet
from xpnet.backend import use_ops
from xpnet.optimizers import Adam
from xpnet.testing import no_host_sync


@pytest.mark.parametrize("model", MODELS)
def test_two_book_steps_through_the_public_calls_read_nothing_on_a_device(model):
    torch = pytest.importorskip("torch")
    build, shape = MODELS[model]
    x_host, t_host = host_data(shape, 4)
    with xpnet.use_backend("torch", device="meta"):
        xpnet.seed(0)
        network, optimizer = build(), Adam()
        x, t = torch.from_numpy(x_host).to("meta"), torch.from_numpy(t_host).to("meta")
        with no_host_sync() as log:
            for _ in range(2):
                grads = network.gradient(x, t)
                optimizer.update(network.params, grads)
            loss = network.loss(x, t)
        assert not log.scheduled  # nothing asked for, nothing read
        assert loss.device.type == "meta"


def _device_ops_on_the_cpu():
    """torch's device ops (what CUDA runs) on CPU tensors: values to look at, device choices."""
    pytest.importorskip("torch")
    from xpnet.backend.torch import TorchOps

    return use_ops(TorchOps())


@pytest.mark.parametrize("bad", [CLASSES, -1])
def test_on_a_device_an_out_of_range_label_poisons_the_loss(bad):
    build, shape = MODELS["MultiLayerNet"]
    x_host, t_host = host_data(shape, 4)
    t_host[2] = bad
    with xpnet.use_backend("torch", device="cpu"), _device_ops_on_the_cpu():
        network = build()
        x, t = xpnet.asarray(x_host), xpnet.asarray(t_host)
        assert math.isnan(float(network.loss(x, t)))
        network.gradient(x, t)
        assert math.isnan(float(network.last_loss))
        assert math.isnan(float(xpnet.functions.softmax_cross_entropy(network.predict(x), t)))
        assert math.isfinite(float(network.loss(x, xpnet.asarray(host_data(shape, 4)[1]))))
        with pytest.raises(ValueError, match=rf"out of range for {CLASSES} classes"):
            network.accuracy(x, t)  # accuracy reads its count anyway: the flag comes with it


@pytest.mark.parametrize("backend", ["numpy", "torch", "array_api_strict"])
def test_on_host_arrays_an_out_of_range_label_still_raises_at_once(backend):
    pytest.importorskip(backend)
    build, shape = MODELS["MultiLayerNet"]
    x_host, t_host = host_data(shape, 4)
    t_host[1] = CLASSES + 2
    with xpnet.use_backend(backend):
        network = build()
        x, t = xpnet.asarray(x_host), xpnet.asarray(t_host)
        before = {k: np.array(xpnet.to_numpy(v)) for k, v in network.params.items()}
        for call in (network.gradient, network.loss, network.accuracy):
            with pytest.raises(ValueError, match=rf"label {CLASSES + 2} is out of range for {CLASSES}"):
                call(x, t)
        for k, v in network.params.items():
            np.testing.assert_array_equal(xpnet.to_numpy(v), before[k])
