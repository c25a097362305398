"""Matrix-product work of each benchmarked network, and the ceilings it puts on a ratio.

A train step multiplies matrices three times per weight layer (forward; ``dW``; ``dx``, except
for the first weight layer, whose input gradient nobody needs); inference once. Counted from
the xpnet model's own layer shapes (a convolution is one GEMM over its im2col columns:
``2 * FN * C*FH*FW * N*out_h*out_w``; an affine ``2 * N * D * M``). Everything else in a step
(activations, pooling, the optimizer) is extra time on top.

Two ceilings on ``xpnet-numpy / peer``, each ``peer step time / least GEMM time``:

- at the best rate the machine's BLAS reaches on a large square product (:func:`sgemm_gflops`):
  what im2col + GEMM would allow if every product ran that fast;
- at the rates the network's own product shapes reach (:func:`products_ms`: every product of a
  step timed alone, whole, in whichever operand order is faster): short-and-wide products (16 to
  64 filters over 10^4 to 10^5 columns) run far below the square rate, so this is the ceiling
  that any im2col + this-BLAS design meets, however its other work is optimised.
"""

from __future__ import annotations

import math
import time

import xpnet
from xpnet.backend import normal
from xpnet.layers import Affine, Convolution

from .nets import NetSpec


def step_products(spec: NetSpec) -> dict:
    """``{'train': [(m, k, n), ...], 'infer': [...]}``: every matrix product of one step at
    ``spec.batch`` as (rows, inner, columns), in the im2col orientation (a convolution's forward
    is (FN, K) @ (K, N*P), its dW (FN, N*P) @ (N*P, K), its dx (K, FN) @ (FN, N*P))."""
    with xpnet.use_backend("numpy"):
        xpnet.seed(0)
        net = spec.build()
        x = normal((1, *spec.input_shape))
        train, infer = [], []
        for layer in net.layers.values():
            y = layer.forward(x, train_flg=False)
            if isinstance(layer, Convolution):
                fn, c, fh, fw = layer.W.shape
                k, cols = c * fh * fw, spec.batch * math.prod(y.shape[2:])
                forward, grads = (fn, k, cols), [(fn, cols, k), (k, fn, cols)]
            elif isinstance(layer, Affine):
                d, m = layer.W.shape
                forward, grads = (spec.batch, d, m), [(d, spec.batch, m), (spec.batch, m, d)]
            else:
                x = y
                continue
            train += [forward, *grads[:1 if not infer else 2]]  # the first layer needs no dx
            infer.append(forward)
            x = y
    return {"train": train, "infer": infer}


def step_flops(spec: NetSpec) -> dict:
    """``{'train': flops, 'infer': flops}`` of one step at ``spec.batch``."""
    return {kind: sum(2 * m * k * n for m, k, n in shapes) for kind, shapes in step_products(spec).items()}


def products_ms(shapes, repeats: int = 3) -> float:
    """Least time, ms, NumPy's BLAS takes for the products ``shapes`` (m, k, n), each timed alone
    on whole C-contiguous float32 operands as ``A @ B`` and as ``(B.T @ A.T).T`` (the faster
    counts: an im2col design may choose either), median of ``repeats`` after a warm-up."""
    import numpy as np

    rng = np.random.default_rng(0)
    cache: dict = {}

    def median_ms(a, b):
        a @ b
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            a @ b
            times.append(time.perf_counter() - start)
        return sorted(times)[len(times) // 2] * 1e3

    total = 0.0
    for shape in shapes:
        if shape not in cache:
            m, k, n = shape
            a = rng.standard_normal((m, k), dtype=np.float32)
            b = rng.standard_normal((k, n), dtype=np.float32)
            transposed = np.ascontiguousarray(b.T), np.ascontiguousarray(a.T)
            cache[shape] = min(median_ms(a, b), median_ms(*transposed))
        total += cache[shape]
    return total


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
