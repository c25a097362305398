"""AlexNet-style CNN: output shapes for both inputs and widths with and without LRN/BatchNorm,
layer order, and the parameter count from the architecture formula."""

from __future__ import annotations

import math

import pytest
from model_checks import batch

from xpnet.models import AlexNet

CONVS = ((64, 5), (192, 5), (384, 3), (256, 3), (256, 3))  # (channels, filter size) at width 1
HIDDEN = (1024, 1024)


def expected_param_count(input_dim, width, output_size=10, batchnorm=False) -> int:
    """Weights + biases (+ gamma, beta) written out from the architecture, not from the code."""
    c_prev, size = input_dim[0], input_dim[1]
    total = 0
    for i, (c, k) in enumerate(CONVS):
        c = max(1, round(c * width))
        total += c_prev * k * k * c + c + (2 * c if batchnorm else 0)
        c_prev = c
        if i in (0, 1):  # 'same' convolutions (pad 2 for 5x5, pad 1 for 3x3) then pool 3/2
            size = (size - 3) // 2 + 1
    size = (size - 3) // 2 + 1  # the last pool
    n_in = c_prev * size * size
    for h in HIDDEN:
        h = max(1, round(h * width))
        total += n_in * h + h + (2 * h if batchnorm else 0)
        n_in = h
    return total + n_in * output_size + output_size


def _count(net) -> int:
    return sum(math.prod(v.shape) for v in net.params.values())


def test_parameter_count_at_width_1(xp):
    """3x32x32: 4,864 + 307,392 + 663,936 + 884,992 + 590,080 (convs) + 2,360,320 (256*3*3 -> 1024)
    + 1,049,600 + 10,250 = 5,871,434. 1x28x28 (256*2*2 flattened): 4,557,514."""
    assert expected_param_count((3, 32, 32), 1.0) == 5_871_434
    assert expected_param_count((1, 28, 28), 1.0) == 4_557_514
    assert _count(AlexNet((3, 32, 32))) == 5_871_434
    assert _count(AlexNet((1, 28, 28))) == 4_557_514


@pytest.mark.parametrize("input_dim", [(3, 32, 32), (1, 28, 28)], ids=["3x32x32", "1x28x28"])
@pytest.mark.parametrize("width", [1.0, 0.25])
@pytest.mark.parametrize("use_lrn,use_batchnorm",
                         [(False, False), (True, False), (False, True), (True, True)],
                         ids=["plain", "lrn", "bn", "lrn-bn"])
def test_output_shapes(xp, input_dim, width, use_lrn, use_batchnorm):
    net = AlexNet(input_dim, 10, width=width, use_lrn=use_lrn, use_batchnorm=use_batchnorm)
    x, t = batch(input_dim, 2, 10)
    assert tuple(net.predict(x).shape) == (2, 10)
    assert tuple(net.predict(x, train_flg=True).shape) == (2, 10)
    spatial = 3 if input_dim[1] == 32 else 2
    c5 = max(1, round(256 * width))
    assert tuple(net.params["W6"].shape) == (c5 * spatial * spatial, round(1024 * width))
    assert _count(net) == expected_param_count(input_dim, width, batchnorm=use_batchnorm)
    assert sum(k.startswith("LRN") for k in net.layers) == (2 if use_lrn else 0)
    assert sum(k.startswith("BatchNorm") for k in net.layers) == (7 if use_batchnorm else 0)
    assert net.loss(x, t, train_flg=True).dtype == xp.float32


def test_layer_order_with_lrn_and_batchnorm(xp):
    net = AlexNet((1, 28, 28), width=1 / 32, use_lrn=True, use_batchnorm=True)
    assert list(net.layers)[:10] == ["Conv1", "BatchNorm1", "Relu1", "LRN1", "Pool1",
                                     "Conv2", "BatchNorm2", "Relu2", "LRN2", "Pool2"]
    assert list(net.layers)[-9:] == ["Affine1", "BatchNorm6", "Relu6", "Dropout1",
                                     "Affine2", "BatchNorm7", "Relu7", "Dropout2", "Affine3"]
    assert "BatchNorm3.running_var" in net.buffers


def test_width_rounds_and_keeps_at_least_one_channel(xp):
    net = AlexNet((1, 28, 28), width=0.001)
    assert [net.params[f"W{i}"].shape[0] for i in range(1, 6)] == [1, 1, 1, 1, 1]
    with pytest.raises(ValueError, match="width must be a positive number, got -1"):
        AlexNet(width=-1)


def test_input_too_small_is_rejected(xp):
    with pytest.raises(ValueError, match="kernel size 3 is larger than the padded input"):
        AlexNet((1, 8, 8))
