"""The off-vs-on tool: settings parse, and a measurement is a real, positive step time."""

import argparse

import pytest

from .ab import _setting, measure


def test_settings_are_var_equals_value():
    assert _setting("XPNET_NUM_THREADS=1") == ("XPNET_NUM_THREADS", "1")
    assert _setting("A=") == ("A", "")
    for bad in ("XPNET_NUM_THREADS", "=1"):
        with pytest.raises(argparse.ArgumentTypeError, match="expected VAR=VALUE"):
            _setting(bad)


def test_measure_times_a_train_step_in_a_fresh_process():
    import os

    seconds = measure("mlp", dict(os.environ), steps=2)
    assert 0 < seconds < 5
