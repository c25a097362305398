"""Pooling's signature defaults are the book's current ones: ``Pooling(pool_h, pool_w, stride=2, pad=0)``
(its ``common/layers.py`` since 2020; the printed edition had ``stride=1``)."""

import numpy as np
import pytest

import xpnet
from xpnet.layers import Pooling
from xpnet.testing import assert_close

torch = pytest.importorskip("torch")  # a run without torch (XPNET_TEST_BACKENDS) skips this module
F = torch.nn.functional


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pooling_2x2_halves_a_6x6_input_by_default(xp, mode):
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 6)).astype(np.float32)
    layer = Pooling(2, 2, mode=mode)
    out = layer.forward(xpnet.asarray(x))
    assert (layer.stride, layer.pad) == (2, 0)
    assert tuple(out.shape) == (2, 3, 3, 3)
    pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    assert_close(out, pool(torch.from_numpy(x), 2, 2).numpy(), xp=xp, dtype=xp.float32)
