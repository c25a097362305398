"""Train step (forward, backward, Adam update) of every network on every implementation."""

import pytest

from .nets import NETS
from .runners import impl_params
from .timing import run_benchmark


@pytest.mark.parametrize("impl", impl_params())
@pytest.mark.parametrize("spec", NETS, ids=lambda s: s.name)
def test_train_step(benchmark, spec, impl):
    run_benchmark(benchmark, impl, spec, "train")
