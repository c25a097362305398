"""The GPU contract on a CPU: a train step never waits for the device (DESIGN.md).

Everything runs on torch's ``meta`` device, which holds shapes but no values, under
:func:`xpnet.testing.no_host_sync`, which lists every scalar read, host copy (either way) and
data-dependent shape with its source line. Allowed are only the transfers the Trainer schedules
(data arrival with its label check, the loss check every ``check_every`` steps, evaluation). On
``meta`` those cannot produce data, so the detector hands them zeros: a finite loss, accuracy 0.
The values of a meta run mean nothing; what is checked is *where* the host is asked to wait.
"""

from __future__ import annotations

import numpy as np
import pytest
from simulated_models import MODELS, OPTIMIZER_CASES, host_data

import xpnet
from xpnet.backend import array_namespace
from xpnet.testing import HostSyncError, no_host_sync
from xpnet.training import Trainer

torch = pytest.importorskip("torch")  # a run without torch (XPNET_TEST_BACKENDS) skips this module


@pytest.fixture
def meta():
    with xpnet.use_backend("torch", device="meta"):
        xpnet.seed(0)
        yield


def _trainer(model: str, optimizer: str, optimizer_param: dict, decay: dict, **kw) -> Trainer:
    build, shape = MODELS[model]
    x, t = host_data(shape, 8)
    with no_host_sync() as log:  # data arrival is a scheduled transfer, and the only one here
        trainer = Trainer(build(**decay), x, t, x[:4], t[:4], epochs=1, mini_batch_size=4,
                          optimizer=optimizer, optimizer_param=optimizer_param, verbose=False, **kw)
    assert set(log.scheduled) == {"data arrival"}
    assert trainer.x_train.device.type == "meta"
    return trainer


@pytest.mark.parametrize("case", OPTIMIZER_CASES)
@pytest.mark.parametrize("model", MODELS)
def test_two_train_steps_read_nothing_from_the_device(meta, model, case):
    trainer = _trainer(model, *OPTIMIZER_CASES[case], check_every=1000)
    before = {k: v for k, v in trainer.network.params.items()}
    with no_host_sync() as log:
        trainer.train_step()
        trainer.train_step()
    assert not log.scheduled  # no loss check is due within two steps of check_every=1000
    assert trainer.current_iter == 2 and len(trainer._pending) == 2
    for k, v in trainer.network.params.items():  # updated in place, still on the device
        assert v is before[k] and v.device.type == "meta"


@pytest.mark.parametrize("model", MODELS)
def test_a_trainer_epoch_transfers_only_what_it_schedules(meta, model):
    trainer = _trainer(model, "adam", {"clip_norm": 1.0}, {}, check_every=1)
    with no_host_sync() as log:
        history = trainer.train()
    assert log.scheduled["loss check"] >= 2 and log.scheduled["evaluation"] >= 2  # train and test sets
    assert len(history["train_loss"]) == 2 and len(history["test_acc"]) == 1


# -- the detector itself: each kind of sync is found and located --------------------------------

SYNCS = {
    "scalar read": (lambda x, xp: bool(xp.any(x > 0)), "Tensor.__bool__"),
    "float()": (lambda x, xp: float(xp.sum(x)), "Tensor.__float__"),
    "host copy": (lambda x, xp: xpnet.to_numpy(x), "device-to-host copy"),
    "numpy()": (lambda x, xp: np.asarray(x), "Tensor.__array__"),
    "boolean mask": (lambda x, xp: x[x > 0], "aten.index (a boolean mask)"),
    "masked write": (lambda x, xp: xp.sign(x), "aten.index_put_ (a boolean mask)"),
    "nonzero": (lambda x, xp: xp.nonzero(x), "aten.nonzero"),
    "python scalar to device": (lambda x, xp: xp.maximum(x, 0.0), "host-to-device copy"),
    "numpy to device": (lambda x, xp: xpnet.asarray(np.ones(3)), "host-to-device copy"),
}


@pytest.mark.parametrize("kind", SYNCS)
def test_the_detector_finds_and_locates_each_kind_of_sync(meta, kind):
    fn, what = SYNCS[kind]
    x = xpnet.backend.normal((3, 4))
    with pytest.raises(HostSyncError, match="1 host sync") as info:
        with no_host_sync():
            fn(x, array_namespace(x))
    assert what in str(info.value) and "test_meta_no_host_sync.py" in str(info.value)


def test_the_detector_allows_scheduled_transfers_and_passes_sync_free_code(meta):
    from xpnet.backend import scheduled_sync

    x = xpnet.backend.normal((3, 4))
    xp = array_namespace(x)
    with no_host_sync() as log:
        y = xp.where(x > 0, x, 0.0) * 2.0 + xp.clip(x, min=0.0)  # device-side scalars only
        with scheduled_sync("evaluation"):
            host = xpnet.to_numpy(y)
    assert log.scheduled == {"evaluation": 1}
    np.testing.assert_array_equal(host, np.zeros((3, 4), np.float32))  # meta's stand-in values


def test_cpu_tensors_are_never_a_sync():
    """On the host nothing waits: the detector watches tensors on a device only."""
    with no_host_sync():
        assert bool(torch.ones(2).sum() > 0)
