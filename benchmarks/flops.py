"""Matrix-product work of each benchmarked network, and the ceiling it puts on a ratio.

A train step multiplies matrices three times per weight layer (forward; ``dW``; ``dx``, except
for the first weight layer, whose input gradient nobody needs); inference once. Counted from
the xpnet model's own layer shapes (a convolution is one GEMM over its im2col columns:
``2 * FN * C*FH*FW * N*out_h*out_w``; an affine ``2 * N * D * M``). Everything else in a step
(activations, pooling, the optimizer) is extra time on top.

Dividing by the best GEMM rate the machine's BLAS reaches (:func:`sgemm_gflops`) gives the
least time xpnet's im2col + GEMM design can take, so ``peer step time / that`` is the highest
ratio to the peer this machine allows, whatever else is optimised.
"""

from __future__ import annotations

import math
import time

import xpnet
from xpnet.backend import normal
from xpnet.layers import Affine, Convolution

from .nets import NetSpec


def step_flops(spec: NetSpec) -> dict:
    """``{'train': flops, 'infer': flops}`` of one step at ``spec.batch``."""
    with xpnet.use_backend("numpy"):
        xpnet.seed(0)
        net = spec.build()
        x = normal((1, *spec.input_shape))  # FLOPs are linear in the batch: count one sample
        forward, weight_layers = 0, 0
        train = 0
        for layer in net.layers.values():
            y = layer.forward(x, train_flg=False)
            if isinstance(layer, Convolution):
                fn, c, fh, fw = layer.W.shape
                f = 2 * fn * c * fh * fw * math.prod(y.shape[2:])
            elif isinstance(layer, Affine):
                f = 2 * math.prod(layer.W.shape)
            else:
                f = 0
            if f:
                forward += f
                train += f * (2 if weight_layers == 0 else 3)
                weight_layers += 1
            x = y
    return {"train": train * spec.batch, "infer": forward * spec.batch}


def sgemm_gflops(n: int = 2048, repeats: int = 5) -> float:
    """Best float32 GEMM rate of NumPy's BLAS on an n x n x n product, GFLOP/s."""
    import numpy as np

    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    b = a.copy()
    a @ b  # warm-up: threads started, pages touched
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9
