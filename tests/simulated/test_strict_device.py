"""Every model trains on array-api-strict's ``device1``, a simulated accelerator: an array made
without ``device=`` (on the default CPU device) cannot meet one there, so any such creation in a
layer, optimizer, loss or the Trainer fails here."""

from __future__ import annotations

import array_api_strict
import numpy as np
import pytest
from simulated_models import MODELS, OPTIMIZER_CASES, host_data

import xpnet
from xpnet.backend import asarray, get_device, to_numpy
from xpnet.training import Trainer

DEVICE1 = array_api_strict.Device("device1")


@pytest.fixture
def device1():
    with xpnet.use_backend("array_api_strict", device="device1"):
        xpnet.seed(0)
        yield


def test_arrays_made_without_device_cannot_meet_device1(device1):
    """The simulation has teeth: this is the error a forgotten ``device=`` raises."""
    x = asarray(np.ones(3))
    assert x.device == DEVICE1 and get_device() == DEVICE1
    with pytest.raises(ValueError, match="different devices"):
        x + array_api_strict.ones(3)
    np.testing.assert_array_equal(to_numpy(x + 1), [2.0, 2.0, 2.0])  # and data comes back


@pytest.mark.parametrize("case", OPTIMIZER_CASES)
@pytest.mark.parametrize("model", MODELS)
def test_every_model_trains_on_device1(device1, model, case):
    optimizer, optimizer_param, decay = OPTIMIZER_CASES[case]
    build, shape = MODELS[model]
    x, t = host_data(shape, 8)
    trainer = Trainer(build(**decay), x, t, x[:4], t[:4], epochs=1, mini_batch_size=4, optimizer=optimizer,
                      optimizer_param=optimizer_param, verbose=False, check_every=1)
    history = trainer.train()
    assert len(history["train_loss"]) == 2 and np.all(np.isfinite(history["train_loss"]))
    for name, p in {**trainer.network.params, **trainer.network.buffers}.items():
        assert p.device == DEVICE1, name
    for slot in trainer.optimizer.state.values():
        assert all(a.device == DEVICE1 for a in slot.values())
