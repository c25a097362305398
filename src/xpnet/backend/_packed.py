"""Arrays of a flat buffer's layout, packed into one array only when read.

Apart from `_flat` so that the ops, which read them, import no dispatcher (no cycle).
"""

from __future__ import annotations


class PackedArrays:
    """Arrays of a `FlatBuffer`'s layout, packed into one buffer (one
    ``concat``, by ``concat``) only when ``data`` is read. ``pieces`` are the arrays in key
    order and ``spans`` where each goes, so an op with a faster twin can read them without the
    packing copy (NumPy's Adam gathers each thread's slice as it updates it)."""

    def __init__(self, arrays, keys, shapes, spans, concat):
        self.keys, self.shapes, self.spans = keys, shapes, spans
        self.pieces = list(arrays)
        self.views = dict(zip(self.keys, self.pieces))
        self._concat = concat
        self._data = None

    @property
    def layout(self) -> tuple:
        return self.keys, self.shapes

    @property
    def data(self):
        if self._data is None:
            self._data = self._concat(self.pieces)
        return self._data

    def backs(self, arrays: dict) -> bool:
        """Whether ``arrays`` is exactly these arrays, in order."""
        if len(arrays) != len(self.keys):
            return False
        return all(a is b and k == j for (k, a), (j, b) in zip(arrays.items(), self.views.items()))


def packed(g):
    """``g`` as one array: a `PackedArrays` packed (its ``data``), an array as it is."""
    return g.data if isinstance(g, PackedArrays) else g
