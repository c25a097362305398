"""xpnet optimizers against torch.optim: the shared cases, and a script printing the figures.

Every hyperparameter is pinned on both sides (torch's defaults are not ours: eps 1e-8 vs
1e-7, Adadelta's rho, ...). Both sides see the same gradient sequence, made on the host in
float64 and cast to the dtype under test: ``'fixed'`` is a deterministic cosine pattern,
``'random'`` seeded normal draws; both span four orders of magnitude across coordinates so that
eps matters. The figure is the max relative difference of the *displacement* from the start,
``max|Δ_xpnet − Δ_torch| / max|Δ_torch|``, stricter than comparing the parameters themselves.

Run ``python tests/optimizers/optim_parity.py`` to print the table for every backend.
"""

from __future__ import annotations

import contextlib
import functools
import math

import numpy as np
import pytest

import xpnet
from xpnet import optimizers as xo
from xpnet.backend import to_numpy

torch = pytest.importorskip("torch")  # a run without torch (XPNET_TEST_BACKENDS) skips this module

SHAPES = {"W": (3, 4), "b": (4,)}
FLOAT64_STEPS, FLOAT32_STEPS = 1000, 50
SEQUENCES = ("fixed", "random")
TORCH_COMMON = {"maximize": False, "foreach": False, "differentiable": False}
BETAS = (0.9, 0.999)

# name -> (our optimizer, torch class, torch kwargs): every hyperparameter written out.
CASES = {
    "SGD": (lambda: xo.SGD(lr=0.01, momentum=0.0), torch.optim.SGD,
            dict(lr=0.01, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False)),
    "Momentum (book form)": (lambda: xo.Momentum(lr=0.01, momentum=0.9, form="book"), torch.optim.SGD,
                             dict(lr=0.01, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=False)),
    "Momentum (torch form)": (lambda: xo.Momentum(lr=0.01, momentum=0.9, form="torch"), torch.optim.SGD,
                              dict(lr=0.01, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=False)),
    "Nesterov (torch form)": (lambda: xo.Nesterov(lr=0.01, momentum=0.9, form="torch"), torch.optim.SGD,
                              dict(lr=0.01, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=True)),
    "Nesterov (book form)": (lambda: xo.Nesterov(lr=0.01, momentum=0.9, form="book"), torch.optim.SGD,
                             dict(lr=0.01, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=True)),
    "AdaGrad": (lambda: xo.AdaGrad(lr=0.01, eps=1e-7), torch.optim.Adagrad,
                dict(lr=0.01, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-7)),
    "RMSprop": (lambda: xo.RMSprop(lr=0.01, decay_rate=0.99, eps=1e-7), torch.optim.RMSprop,
                dict(lr=0.01, alpha=0.99, eps=1e-7, weight_decay=0.0, momentum=0.0, centered=False)),
    "AdaDelta": (lambda: xo.AdaDelta(lr=1.0, rho=0.9, eps=1e-6), torch.optim.Adadelta,
                 dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0)),
    "Adam (torch form)": (lambda: xo.Adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7, form="torch"),
                          torch.optim.Adam,
                          dict(lr=0.001, betas=BETAS, eps=1e-7, weight_decay=0.0, amsgrad=False)),
    "AdamW": (lambda: xo.AdamW(lr=0.001, beta1=0.9, beta2=0.999, weight_decay=0.01, eps=1e-7, form="torch"),
              torch.optim.AdamW, dict(lr=0.001, betas=BETAS, eps=1e-7, weight_decay=0.01, amsgrad=False)),
    "Adamax": (lambda: xo.Adamax(lr=0.002, beta1=0.9, beta2=0.999, eps=1e-7, form="torch"),
               torch.optim.Adamax, dict(lr=0.002, betas=BETAS, eps=1e-7, weight_decay=0.0)),
    "Nadam (momentum_decay=0.004)": (
        lambda: xo.Nadam(lr=0.002, beta1=0.9, beta2=0.999, eps=1e-7, momentum_decay=0.004, form="torch"),
        torch.optim.NAdam,
        dict(lr=0.002, betas=BETAS, eps=1e-7, weight_decay=0.0, momentum_decay=0.004,
             decoupled_weight_decay=False)),
    "Nadam (constant mu)": (
        lambda: xo.Nadam(lr=0.002, beta1=0.9, beta2=0.999, eps=1e-7, momentum_decay=math.inf, form="torch"),
        torch.optim.NAdam,
        dict(lr=0.002, betas=BETAS, eps=1e-7, weight_decay=0.0, momentum_decay=math.inf,
             decoupled_weight_decay=False)),
}
ADAM_FAMILY = {name for name in CASES if name.split()[0] in ("Adam", "AdamW", "Adamax", "Nadam")}


def tolerance(name: str, dtype: str) -> float:
    """The issue's bounds: 1e-10 in float64; 1e-5 in float32, 1e-4 for the Adam family."""
    if dtype == "float64":
        return 1e-10
    return 1e-4 if name in ADAM_FAMILY else 1e-5


def steps_for(dtype: str) -> int:
    return FLOAT64_STEPS if dtype == "float64" else FLOAT32_STEPS


def initial_params() -> dict:
    rng = np.random.default_rng(1234)
    return {k: rng.normal(size=s) for k, s in SHAPES.items()}


def gradients(sequence: str, steps: int) -> list[dict]:
    """``steps`` gradient dicts (host float64), magnitudes from 1e-3 to 10 across coordinates."""
    out = []
    rng = np.random.default_rng(99)
    scales = {k: 10.0 ** np.linspace(-3, 1, math.prod(s)).reshape(s) for k, s in SHAPES.items()}
    for t in range(steps):
        if sequence == "fixed":
            g = {k: np.cos(0.37 * t + np.arange(math.prod(s)).reshape(s)) * scales[k] + 0.1 * scales[k]
                 for k, s in SHAPES.items()}
        else:
            g = {k: rng.normal(size=s) * scales[k] for k, s in SHAPES.items()}
        out.append(g)
    return out


@contextlib.contextmanager
def _torch_default_dtype(dtype):
    # torch.optim keeps scalar state (NAdam's mu_product) in the *default* dtype.
    saved = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(saved)


@functools.lru_cache(maxsize=None)
def torch_run(name: str, sequence: str, dtype: str) -> dict:
    """Final parameters (host float64 arrays) after torch.optim's run; cached across backends."""
    _, cls, kwargs = CASES[name]
    tdt = getattr(torch, dtype)
    steps = steps_for(dtype)
    with _torch_default_dtype(tdt), torch.no_grad():
        params = {k: torch.tensor(v, dtype=tdt) for k, v in initial_params().items()}
        opt = cls(list(params.values()), **kwargs, **TORCH_COMMON)
        for g in gradients(sequence, steps):
            for k, p in params.items():
                p.grad = torch.tensor(g[k], dtype=tdt)
            opt.step()
    return {k: p.numpy().astype(np.float64) for k, p in params.items()}


def xpnet_run(name: str, sequence: str, dtype: str) -> dict:
    """Final parameters of our optimizer on the current backend (the arrays themselves)."""
    make, _, _ = CASES[name]
    params = {k: xpnet.asarray(v, dtype=dtype) for k, v in initial_params().items()}
    grads_seq = [{k: xpnet.asarray(v, dtype=dtype) for k, v in g.items()}
                 for g in gradients(sequence, steps_for(dtype))]
    opt = make()
    for g in grads_seq:
        opt.update(params, g)
    return params


def relative_difference(ours: dict, theirs: dict, dtype: str) -> float:
    """max|Δ_ours − Δ_torch| / max|Δ_torch| over all parameters, Δ = final − initial."""
    start = {k: np.asarray(v, dtype=dtype).astype(np.float64) for k, v in initial_params().items()}
    num = max(float(np.max(np.abs(to_numpy(ours[k]).astype(np.float64) - theirs[k]))) for k in start)
    den = max(float(np.max(np.abs(theirs[k] - start[k]))) for k in start)
    return num / den


def main() -> None:
    print(f"{'backend':<17} {'optimizer':<29} {'dtype':<8} {'steps':>5} {'fixed':>10} {'random':>10}  bound")
    for backend in ("numpy", "array_api_strict", "torch"):
        with xpnet.use_backend(backend):
            for name in CASES:
                for dtype in ("float64", "float32"):
                    figures = [relative_difference(xpnet_run(name, s, dtype), torch_run(name, s, dtype),
                                                   dtype) for s in SEQUENCES]
                    print(f"{backend:<17} {name:<29} {dtype:<8} {steps_for(dtype):>5} "
                          f"{figures[0]:10.2e} {figures[1]:10.2e}  {tolerance(name, dtype):.0e}")


if __name__ == "__main__":
    main()
