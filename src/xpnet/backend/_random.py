"""The one source of randomness: a seeded generator per backend and device, drawing there.

The array API standard has no random numbers, so this shim wraps each library's own generator
(NumPy ``Generator``, CuPy ``RandomState``, ``torch.Generator``; array-api-strict draws with
NumPy on the host and places the result on the current device). ``seed(n)`` makes every later
draw reproducible on a given backend; results differ *between* backends, which use different
generators. torch's ``'meta'`` device holds no values and has no generator: draws there are
shapes only.

No draw waits for the device: [`choice`][xpnet.backend._random.choice] on CuPy scales uniform draws
(`indices_from_uniform`) instead of calling ``RandomState.randint``, whose rejection
sampling reads a sum back to the host unless ``n`` is a power of two.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_int
from ._config import get_backend, get_device_name
from ._namespace import array_namespace, default_float, get_device, get_namespace

_seed: dict[str, int | None] = {"value": None}
_generators: dict[tuple[str, str | None], object] = {}


def seed(n: int) -> None:
    """Seed every backend's generator; the next draws repeat bit for bit on the same backend."""
    _seed["value"] = check_int("seed", n, minimum=0)
    _generators.clear()


def _generator():
    name, dev = get_backend(), get_device_name()
    key = (name, dev)
    gen = _generators.get(key)
    if gen is None:
        s = _seed["value"]
        if s is None:
            s = int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> 1)
        if name == "cupy":
            import cupy

            with get_device():
                gen = cupy.random.RandomState(s)
        elif name == "torch":
            import torch

            device = get_device()
            gen = None if device.type == "meta" else torch.Generator(device=device).manual_seed(s)
        else:
            gen = np.random.default_rng(s)
        _generators[key] = gen
    return name, gen


def _dtype_name(dtype) -> str:
    xp = get_namespace()
    dtype = default_float(xp) if dtype is None else dtype
    if isinstance(dtype, str):
        return dtype
    for candidate in ("float32", "float64"):
        if dtype == getattr(xp, candidate):
            return candidate
    raise ValueError(f"random draws are floating point (float32/float64), got dtype {dtype!r}")


def _shape(shape) -> tuple[int, ...]:
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if any(int(s) < 0 for s in shape):
        raise ValueError(f"shape must be non-negative, got {shape}")
    return tuple(int(s) for s in shape)


def _standard(kind: str, shape, dtype):
    """Standard normal (``kind='normal'``) or uniform [0, 1) draws on the current device."""
    name, gen = _generator()
    shape, dt = _shape(shape), _dtype_name(dtype)
    if name == "torch":
        import torch

        fn = torch.randn if kind == "normal" else torch.rand
        return fn(shape, generator=gen, dtype=getattr(torch, dt), device=get_device())
    if name == "cupy":
        import cupy

        with get_device():
            if kind == "normal":
                return gen.standard_normal(shape, dtype=getattr(cupy, dt))
            return gen.random_sample(shape, dtype=getattr(cupy, dt))
    host = gen.standard_normal(shape, dtype=dt) if kind == "normal" else gen.random(shape, dtype=dt)
    return _from_host(host)


def _from_host(host):
    """A NumPy draw on the current numpy / array-api-strict device (strict has several)."""
    device = get_device()
    xp = get_namespace()
    return xp.asarray(host) if device is None else xp.asarray(host, device=device)


def normal(shape, *, mean: float = 0.0, std: float = 1.0, dtype=None):
    """Normal draws of the default float dtype (float32) on the current backend and device."""
    x = _standard("normal", shape, dtype)
    if std != 1.0:
        x = x * std
    return x + mean if mean != 0.0 else x


def uniform(shape, *, low: float = 0.0, high: float = 1.0, dtype=None):
    """Uniform draws in [low, high) on the current backend and device."""
    if not high > low:
        raise ValueError(f"uniform needs low < high, got low={low!r}, high={high!r}")
    x = _standard("uniform", shape, dtype)
    return x * (high - low) + low if (low, high) != (0.0, 1.0) else x


def bernoulli_mask(shape, p: float):
    """Boolean mask, True with probability ``p`` (Dropout's keep mask), drawn on the device."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"probability must be in [0, 1], got {p!r}")
    return _standard("uniform", shape, None) < p


def permutation(n: int):
    """A random permutation of ``0..n-1`` as an int64 index array on the current device."""
    n = int(n)
    if n < 0:
        raise ValueError(f"permutation length must be non-negative, got {n}")
    name, gen = _generator()
    if name == "torch":
        import torch

        return torch.randperm(n, generator=gen, device=get_device())
    if name == "cupy":
        with get_device():
            return gen.permutation(n)
    return _from_host(gen.permutation(n))


def choice(n: int, size: int, *, replace: bool = True):
    """``size`` indices drawn from ``0..n-1`` (the book's ``np.random.choice``), on the device."""
    n, size = int(n), int(size)
    if n <= 0 or size < 0 or (not replace and size > n):
        raise ValueError(f"cannot draw {size} indices from {n} (replace={replace})")
    if not replace:
        return permutation(n)[:size]
    name, gen = _generator()
    if name == "torch":
        import torch

        return torch.randint(0, n, (size,), generator=gen, device=get_device())
    if name == "cupy":
        import cupy

        with get_device():
            return indices_from_uniform(gen.random_sample((size,), dtype=cupy.float64), n)
    return _from_host(gen.integers(0, n, size=size, dtype=np.int64))


def indices_from_uniform(u, n: int):
    """``floor(u * n)`` as int64 indices in ``0..n-1``, for uniform draws ``u`` in [0, 1).

    Elementwise on the device, nothing read back; the clamp to ``n - 1`` (through ``where``, not
    compat's mask-indexing ``clip``) covers ``u * n`` rounding up to ``n``. With float64 ``u`` the
    bias is below ``n / 2**53``.
    """
    xp = array_namespace(u)
    i = xp.astype(xp.floor(u * n), xp.int64)
    return xp.where(i < n - 1, i, n - 1)
