"""The collectives of data-parallel training on flat buffers: one message per dtype, not per array.

Parameters and buffers travel as one contiguous 1-D array (`flatten`) and are cut back into
their shapes (`unflatten`); `shard_bounds` gives each rank its contiguous share of a
batch. Array-API code: the communicator (`xpnet.backend._comm`) moves the buffers.
"""

from __future__ import annotations

import math

from ..backend import array_namespace
from ..io.checkpoint import state_arrays

__all__ = ["average_buffers", "broadcast_state", "flatten", "shard_bounds", "unflatten"]


def flatten(arrays, *, dtype=None):
    """One contiguous 1-D array holding ``arrays`` in order (cast to ``dtype`` if given)."""
    xp = array_namespace(*arrays)
    dtype = arrays[0].dtype if dtype is None else dtype
    return xp.concat([xp.reshape(xp.astype(a, dtype, copy=False), (-1,)) for a in arrays])


def unflatten(flat, shapes):
    """Views (or copies, where the library must) of ``flat`` cut into ``shapes``, in order."""
    xp = array_namespace(flat)
    out, start = [], 0
    for shape in shapes:
        stop = start + math.prod(shape)
        out.append(xp.reshape(flat[start:stop], tuple(shape)))
        start = stop
    return out


def shard_bounds(n: int, rank: int, size: int) -> tuple[int, int]:
    """[lo, hi) of rank ``rank``'s contiguous share of ``n`` items; sizes differ by at most one."""
    return n * rank // size, n * (rank + 1) // size


def _assign(arrays: dict, flat) -> None:
    for v, new in zip(arrays.values(), unflatten(flat, [tuple(v.shape) for v in arrays.values()])):
        v[...] = new


def broadcast_state(network, comm, root: int = 0) -> None:
    """Overwrite every rank's parameters and buffers with ``root``'s, in place (one broadcast
    per dtype)."""
    for group in _by_dtype(state_arrays(network)):
        _assign(group, comm.bcast(flatten(list(group.values())), root))


def average_buffers(network, comm) -> None:
    """Replace each floating buffer (BatchNorm running statistics) by its mean over the ranks."""
    buffers = getattr(network, "buffers", None) or {}
    floating = {k: v for k, v in buffers.items() if array_namespace(v).isdtype(v.dtype, "real floating")}
    for group in _by_dtype(floating):
        flat = comm.allreduce_sum(flatten(list(group.values())))
        _assign(group, flat / comm.size)


def _by_dtype(arrays: dict) -> list[dict]:
    groups: dict = {}
    for k, v in arrays.items():
        groups.setdefault(str(v.dtype), {})[k] = v
    return list(groups.values())
