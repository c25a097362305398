"""Many small arrays in one flat buffer, each key a view: one operation updates them all.

A network's parameters live in one 1-D buffer per network (``network.params[k]`` are reshaped
slices of it, so they are still the book's dict of arrays and the layers hold them by
reference), and `FlatBuffer.gather` packs the gradients into a buffer of the same layout
with one ``concat``. An optimizer then updates every parameter with about a dozen whole-buffer
operations, whatever the number of layers (tinygrad's fused optimizers and torch's ``foreach``
Adam do the same): on a GPU a launch per parameter per operation is what makes a small network
launch-bound.

An in-place update of the buffer reaches every view on every backend (NumPy, CuPy, torch and
array-api-strict all return views for slices and contiguous reshapes; tested).
"""

from __future__ import annotations

import math

from ._dispatch import get_ops
from ._namespace import array_namespace
from ._packed import PackedArrays, packed

__all__ = ["FlatBuffer", "FlatDict", "PackedArrays", "flat_buffer_of", "packed"]


class FlatBuffer:
    """``data``, a 1-D array, and the key -> (span, shape) layout of the arrays it holds, back
    to back in key order.

    Attributes
    ----------
    data : array, shape (total,)
    keys : tuple of str, in storage order
    views : dict of str -> array
        ``views[k]`` is ``data[a:b]`` reshaped to ``shape_k``, a view sharing ``data``'s memory.
    """

    def __init__(self, data, keys, shapes):
        self.data = data
        self.keys = tuple(keys)
        self.shapes = tuple(tuple(int(s) for s in shape) for shape in shapes)
        spans, start = [], 0
        for shape in self.shapes:
            spans.append((start, start + math.prod(shape)))
            start = spans[-1][1]
        if start != data.shape[0]:
            raise ValueError(f"a flat buffer of {data.shape[0]} values cannot hold shapes {self.shapes}")
        self.spans = tuple(spans)
        self.views = dict(zip(self.keys, get_ops(data).views(data, spans, self.shapes)))

    @property
    def layout(self) -> tuple:
        """What two buffers must share to hold the same arrays in the same places."""
        return self.keys, self.shapes

    @classmethod
    def pack(cls, arrays: dict):
        """A new buffer holding copies of ``arrays`` (in their order); None when they cannot
        share one (no arrays, or mixed backends, devices or dtypes)."""
        values = list(arrays.values())
        if not values or not all(hasattr(v, "shape") for v in values):
            return None
        try:
            array_namespace(*values)
        except TypeError:
            return None
        first = values[0]
        if any(v.dtype != first.dtype or v.device != first.device for v in values):
            return None
        return cls(concat_flat(values), arrays.keys(), [v.shape for v in values])

    def pack_like(self, arrays: dict):
        """A new buffer of this layout holding copies of ``arrays`` (one per key)."""
        return FlatBuffer(concat_flat([arrays[k] for k in self.keys]), self.keys, self.shapes)

    def with_data(self, data):
        """This layout over another 1-D buffer ``data`` (views of ``data``)."""
        return FlatBuffer(data, self.keys, self.shapes)

    def gather(self, arrays: dict):
        """``arrays`` (one per key, in this layout) as a `PackedArrays`: packed into one
        buffer of this layout (one ``concat``) when its ``data`` is first read."""
        return PackedArrays([arrays[k] for k in self.keys], self.keys, self.shapes, self.spans, concat_flat)

    def backs(self, arrays: dict) -> bool:
        """Whether ``arrays`` is exactly this buffer's views, in order (nobody rebound a key)."""
        if len(arrays) != len(self.keys):
            return False
        return all(a is b and k == j for (k, a), (j, b) in zip(arrays.items(), self.views.items()))


def concat_flat(arrays):
    """Every array flattened and concatenated into one new 1-D array (one operation)."""
    return get_ops(*arrays).concat_flat(arrays)


class FlatDict(dict):
    """A dict of the views of a `FlatBuffer` (``.flat``); a plain dict to its users."""

    def __init__(self, flat: FlatBuffer):
        super().__init__(flat.views)
        self.flat = flat


def flat_buffer_of(arrays: dict):
    """The `FlatBuffer` behind ``arrays`` if it has one and still backs every key, else None."""
    flat = getattr(arrays, "flat", None)
    if flat is None or not flat.backs(arrays):
        return None
    return flat
