"""Every Trainer argument is checked in the constructor, naming the setting, before any work;
and a non-finite loss names the epoch it happened in."""

from __future__ import annotations

import numpy as np
import pytest
from test_trainer import RecordingNet, _data

from xpnet.optimizers import SGD
from xpnet.training import Callback, NonFiniteLossError, Trainer

BAD = [
    ({"evaluate_sample_num_per_epoch": -1}, ValueError,
     r"evaluate_sample_num_per_epoch must be a positive integer, got -1"),
    ({"evaluate_sample_num_per_epoch": 0}, ValueError,
     r"evaluate_sample_num_per_epoch must be a positive integer, got 0"),
    ({"evaluate_sample_num_per_epoch": 2.5}, TypeError,
     r"evaluate_sample_num_per_epoch must be an integer, got 2.5"),
    ({"eval_batch_size": 0}, ValueError, r"eval_batch_size must be a positive integer, got 0"),
    ({"eval_batch_size": -3}, ValueError, r"eval_batch_size must be a positive integer, got -3"),
    ({"seed": -1}, ValueError, r"seed must be a non-negative integer, got -1"),
    ({"seed": 1.5}, TypeError, r"seed must be an integer, got 1.5"),
    ({"callbacks": [1]}, TypeError, r"callbacks\[0\] is a int \(1\): a callback needs an on_epoch_end"),
    ({"callbacks": [Callback(), "stop"]}, TypeError, r"callbacks\[1\] is a str"),
    ({"callbacks": "EarlyStopping"}, TypeError, r"callbacks must be a list of callbacks, got str"),
    ({"callbacks": 3}, TypeError, r"callbacks must be a list of callbacks, got int"),
    ({"optimizer_param": 0.1}, TypeError,
     r"optimizer_param must be a dict of the optimizer's arguments, got float"),
    ({"optimizer": SGD(), "optimizer_param": {"lr": 0.5}}, ValueError,
     r"optimizer_param \{'lr': 0.5\} is for an optimizer given by name; this SGD is already built"),
    ({"check_every": 0}, ValueError, r"check_every must be a positive integer, got 0"),
]


@pytest.mark.parametrize("kwargs, error, message", BAD, ids=[str(k) for k, _, _ in BAD])
def test_a_bad_argument_fails_in_the_constructor_naming_it(xp, kwargs, error, message):
    net = RecordingNet()
    with pytest.raises(error, match=message):
        Trainer(net, *_data(10), verbose=False, **kwargs)
    assert net.calls == 0


@pytest.mark.parametrize("which, message", [
    ("test", r"the test set is empty"),
    ("train", r"the train set is empty"),
    ("validation", r"the validation set is empty"),
])
def test_an_empty_split_fails_in_the_constructor(xp, which, message):
    x, t, xt, tt = _data(10)
    kwargs = {}
    if which == "test":
        xt, tt = xt[:0], tt[:0]
    elif which == "train":
        x, t = x[:0], t[:0]
    else:
        kwargs["validation_data"] = (x[:0], t[:0])
    with pytest.raises(ValueError, match=message):
        Trainer(RecordingNet(), x, t, xt, tt, verbose=False, **kwargs)


@pytest.mark.parametrize("data, message", [
    (lambda d: (np.float32(1.0), *d[1:]), r"train set: x must be an array of samples \(at least 1-D\)"),
    (lambda d: (d[0], d[1], d[2], np.array(["a", "b", "c", "d"])),
     r"test set: t has dtype <?U1; expected numbers"),
])
def test_data_that_cannot_be_batched_is_named(xp, data, message):
    with pytest.raises((ValueError, TypeError), match=message):
        Trainer(RecordingNet(), *data(_data(10)), verbose=False)


@pytest.mark.parametrize("network, message", [
    (object(), r"network must have a 'params' dict"),
    (type("NoGradient", (), {"params": {}, "accuracy": lambda self, x, t: 0.0})(),
     r"network must have a gradient\(\) method"),
])
def test_something_that_is_no_network_is_named(network, message):
    with pytest.raises(TypeError, match=message):
        Trainer(network, *_data(10), verbose=False)


def test_a_callback_with_only_on_epoch_end_is_enough(xp):
    class Counter:
        epochs = 0

        def on_epoch_end(self, trainer, epoch, logs):
            Counter.epochs += 1

    Trainer(RecordingNet(), *_data(10), epochs=2, mini_batch_size=5, callbacks=[Counter()], verbose=False,
            optimizer=SGD(lr=0.1)).train()
    assert Counter.epochs == 2


def test_evaluate_sample_num_limits_the_evaluation_to_the_first_n(xp):
    seen = []

    class Net(RecordingNet):
        def accuracy(self, x, t, batch_size=100):
            seen.append(int(x.shape[0]))
            return 0.5

    Trainer(Net(), *_data(10), epochs=1, mini_batch_size=5, evaluate_sample_num_per_epoch=3,
            verbose=False).train()
    assert seen == [3, 3]


@pytest.mark.parametrize("bad_call, epoch", [(4, 1), (5, 2), (9, 2)])
def test_a_non_finite_loss_names_the_epoch_it_happened_in(xp, bad_call, epoch):
    """5 iterations per epoch: iterations 1-5 are epoch 1 (the last iteration of a 1-epoch run
    was called epoch 2), 6-10 epoch 2."""
    net = RecordingNet(losses=lambda i: float("inf") if i == bad_call else 1.0)
    trainer = Trainer(net, *_data(10), epochs=2, mini_batch_size=2, optimizer=SGD(lr=0.1), verbose=False)
    with pytest.raises(NonFiniteLossError, match=rf"at iteration {bad_call + 1} \(epoch {epoch}\)"):
        trainer.train()


def test_a_test_set_whose_samples_have_another_size_fails_in_the_constructor(xp):
    x, t, xt, tt = _data(10)
    with pytest.raises(ValueError, match=r"test set: samples of shape \(3,\), but the training samples have "
                                         r"shape \(2,\)"):
        Trainer(RecordingNet(), x, t, np.zeros((4, 3), np.float32), tt, verbose=False)
    # the same values per sample in another layout are fine (an MLP flattens its input)
    Trainer(RecordingNet(), x, t, xt.reshape(4, 1, 2), tt, verbose=False)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"monitor": "loss"}, ValueError, r"EarlyStopping cannot monitor 'loss': the Trainer logs 'val_acc'"),
    ({"patience": 2.5}, ValueError, r"patience must be a non-negative integer, got 2.5"),
    ({"patience": -1}, ValueError, r"patience must be a non-negative integer, got -1"),
])
def test_early_stopping_checks_its_settings_before_training(kwargs, error, message):
    from xpnet.training import EarlyStopping

    with pytest.raises(error, match=message):
        EarlyStopping(**kwargs)
