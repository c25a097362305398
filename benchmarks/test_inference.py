"""Inference (``predict(x, train_flg=False)`` / ``eval()`` under ``inference_mode``) of every network."""

import pytest

from .nets import NETS
from .runners import impl_params
from .timing import run_benchmark


@pytest.mark.parametrize("impl", impl_params())
@pytest.mark.parametrize("spec", NETS, ids=lambda s: s.name)
def test_inference(benchmark, spec, impl):
    run_benchmark(benchmark, impl, spec, "infer")
