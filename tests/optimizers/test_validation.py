"""Bad hyperparameters fail in the constructor with a message naming the value; lookup by name."""

import math

import numpy as np
import pytest

from xpnet import optimizers as xo

BAD = [
    (xo.SGD, {"lr": -0.1}, r"lr must be >= 0 and finite, got -0.1"),
    (xo.SGD, {"lr": math.nan}, r"lr must be a number, got nan"),
    (xo.SGD, {"lr": "fast"}, r"lr must be a real number, got 'fast'"),
    (xo.Momentum, {"momentum": 1.0}, r"momentum must be in \[0, 1\), got 1.0"),
    (xo.Momentum, {"momentum": -0.5}, r"momentum must be in \[0, 1\), got -0.5"),
    (xo.Nesterov, {"momentum": 1.2}, r"momentum must be in \[0, 1\), got 1.2"),
    (xo.Nesterov, {"form": "keras"}, r"unknown form 'keras': expected one of 'book', 'book-2016', 'torch'"),
    (xo.AdaGrad, {"eps": 0.0}, r"eps must be > 0 and finite, got 0.0"),
    (xo.AdaGrad, {"lr": -1}, r"lr must be >= 0 and finite, got -1"),
    (xo.RMSprop, {"decay_rate": 1.0}, r"decay_rate must be in \[0, 1\), got 1.0"),
    (xo.RMSprop, {"eps": -1e-7}, r"eps must be > 0 and finite, got -1e-07"),
    (xo.AdaDelta, {"rho": 1.5}, r"rho must be in \[0, 1\), got 1.5"),
    (xo.Adam, {"beta1": 1.0}, r"beta1 must be in \[0, 1\), got 1.0"),
    (xo.Adam, {"beta2": -0.1}, r"beta2 must be in \[0, 1\), got -0.1"),
    (xo.Adam, {"eps": 0}, r"eps must be > 0 and finite, got 0"),
    (xo.Adam, {"lr": -0.001}, r"lr must be >= 0 and finite, got -0.001"),
    (xo.Adam, {"clip_norm": 0.0}, r"clip_norm must be > 0 and finite, got 0.0"),
    (xo.Adam, {"lr_schedule": 0.1}, r"lr_schedule must be callable step -> lr, got 0.1"),
    (xo.AdamW, {"weight_decay": -0.01}, r"weight_decay must be >= 0 and finite, got -0.01"),
    (xo.Adamax, {"beta2": 1.0}, r"beta2 must be in \[0, 1\), got 1.0"),
    (xo.Nadam, {"momentum_decay": -1.0}, r"momentum_decay must be >= 0 .*got -1.0"),
    (xo.Nadam, {"beta1": 2}, r"beta1 must be in \[0, 1\), got 2"),
]


@pytest.mark.parametrize("cls, kwargs, message", BAD,
                         ids=[f"{c.__name__}-{next(iter(k))}" for c, k, _ in BAD])
def test_bad_hyperparameter_is_rejected_naming_the_value(cls, kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        cls(**kwargs)


def test_hyperparameters_are_checked_on_assignment_too():
    opt = xo.Adam()
    with pytest.raises(ValueError, match=r"lr must be >= 0 and finite, got -1.0"):
        opt.lr = -1.0
    opt.beta1 = np.float64(0.8)
    assert type(opt.beta1) is float and opt.beta1 == 0.8


def test_a_schedule_that_returns_a_negative_lr_fails_at_the_update():
    opt = xo.SGD(lr_schedule=lambda step: -0.5)
    with pytest.raises(ValueError, match=r"lr_schedule\(0\) must be >= 0 and finite, got -0.5"):
        _ = opt.current_lr


@pytest.mark.parametrize("name, cls", [("SGD", xo.SGD), ("momentum", xo.Momentum), ("nesterov", xo.Nesterov),
                                       ("AdaGrad", xo.AdaGrad), ("rmsprop", xo.RMSprop), ("Adam", xo.Adam),
                                       ("adadelta", xo.AdaDelta), ("adamax", xo.Adamax), ("nadam", xo.Nadam),
                                       ("AdamW", xo.AdamW)])
def test_get_optimizer_by_name_passes_arguments(name, cls):
    opt = xo.get_optimizer(name, lr=0.123)
    assert type(opt) is cls and opt.lr == 0.123


def test_book_defaults():
    assert (xo.SGD().lr, xo.Momentum().momentum, xo.Nesterov().momentum) == (0.01, 0.9, 0.9)
    assert (xo.AdaGrad().lr, xo.AdaGrad().eps, xo.RMSprop().decay_rate) == (0.01, 1e-7, 0.99)
    adam = xo.Adam()
    assert (adam.lr, adam.beta1, adam.beta2, adam.eps, adam.form) == (0.001, 0.9, 0.999, 1e-7, "book")


def test_get_optimizer_rejects_unknown_names_listing_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown optimizer 'rmsprpo': expected one of sgd, .*, adamw$"):
        xo.get_optimizer("rmsprpo")
    with pytest.raises(TypeError, match="unexpected keyword argument 'beta3'"):
        xo.get_optimizer("adam", beta3=0.5)


def test_get_optimizer_returns_an_instance_unchanged():
    opt = xo.Adam()
    assert xo.get_optimizer(opt) is opt
    with pytest.raises(TypeError, match="also arguments"):
        xo.get_optimizer(opt, lr=0.1)
