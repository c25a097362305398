"""Many small arrays in one flat buffer, each key a view: one operation updates them all.

A network's parameters live in one 1-D buffer per network (``network.params[k]`` are reshaped
slices of it, so they are still the book's dict of arrays and the layers hold them by
reference), and :meth:`FlatBuffer.gather` packs the gradients into a buffer of the same layout
with one ``concat``. An optimizer then updates every parameter with about a dozen whole-buffer
operations, whatever the number of layers (tinygrad's fused optimizers and torch's ``foreach``
Adam do the same): on a GPU a launch per parameter per operation is what makes a small network
launch-bound.

An in-place update of the buffer reaches every view on every backend (NumPy, CuPy, torch and
array-api-strict all return views for slices and contiguous reshapes; tested).
"""

from __future__ import annotations

import math

from ._namespace import array_namespace


class FlatBuffer:
    """``data``, a 1-D array, and the key -> (span, shape) layout of the arrays it holds.

    A key may be stored with its axes in another order (``orders[k]``, the axes of its shape in
    storage order; its view is then a ``permute_dims`` of the stored block) and may be followed
    by ``gaps[k]`` zeros that belong to no key. Both exist so that a layer's parameters can be one
    matrix of the buffer: a convolution's weights stored as (kh, kw, C, FN) rows, then its bias
    as one more row and zero rows after it, are the ((kh*kw+1)*C, FN) matrix that the portable
    ops multiply with (:meth:`xpnet.backend.Ops.conv_joint_layout`). The backend's ops choose
    such layouts; NumPy's choose none.

    Attributes
    ----------
    data : array, shape (total,)
    keys : tuple of str, in storage order
    views : dict of str -> array
        ``views[k]`` is ``data[a:b]`` reshaped to ``shape_k`` (permuted back from storage order
        when ``orders[k]`` is given), a view sharing ``data``'s memory.
    """

    def __init__(self, data, keys, shapes, *, orders=None, gaps=None):
        self.data = data
        self.keys = tuple(keys)
        self.shapes = tuple(tuple(int(s) for s in shape) for shape in shapes)
        self.orders = tuple(orders) if orders is not None else (None,) * len(self.keys)
        self.gaps = tuple(int(g) for g in gaps) if gaps is not None else (0,) * len(self.keys)
        spans, start = [], 0
        for shape, gap in zip(self.shapes, self.gaps):
            spans.append((start, start + math.prod(shape)))
            start = spans[-1][1] + gap
        if start != data.shape[0]:
            raise ValueError(f"a flat buffer of {data.shape[0]} values cannot hold shapes {self.shapes}"
                             + (f" and gaps {self.gaps}" if any(self.gaps) else ""))
        self._spans = spans
        from .ops import get_ops

        stored = get_ops(data).views(data, spans, [self._storage_shape(i) for i in range(len(self.keys))])
        xp = array_namespace(data)
        self.views = {k: v if order is None else xp.permute_dims(v, _inverse(order))
                      for k, v, order in zip(self.keys, stored, self.orders)}

    def _storage_shape(self, i: int) -> tuple:
        order = self.orders[i]
        return self.shapes[i] if order is None else tuple(self.shapes[i][a] for a in order)

    @property
    def layout(self) -> tuple:
        """What two buffers must share to hold the same arrays in the same places."""
        return self.keys, self.shapes, self.orders, self.gaps

    @classmethod
    def pack(cls, arrays: dict, layouts: dict | None = None):
        """A new buffer holding copies of ``arrays`` (in their order); None when they cannot
        share one (no arrays, or mixed backends, devices or dtypes). ``layouts[k]``, where given,
        is ``(order, gap)``: key ``k`` stored with its axes in ``order`` (None: as they are) and
        followed by ``gap`` zeros."""
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
        layouts = layouts or {}
        orders = [layouts.get(k, (None, 0))[0] for k in arrays]
        gaps = [layouts.get(k, (None, 0))[1] for k in arrays]
        data = _concat_stored(values, orders, gaps)
        return cls(data, arrays.keys(), [v.shape for v in values], orders=orders, gaps=gaps)

    def pack_like(self, arrays: dict):
        """A new buffer of this layout holding copies of ``arrays`` (one per key; gaps zero)."""
        data = _concat_stored([arrays[k] for k in self.keys], self.orders, self.gaps)
        return FlatBuffer(data, self.keys, self.shapes, orders=self.orders, gaps=self.gaps)

    def with_data(self, data):
        """This layout over another 1-D buffer ``data`` (views of ``data``)."""
        return FlatBuffer(data, self.keys, self.shapes, orders=self.orders, gaps=self.gaps)

    def clear_gaps(self) -> None:
        """Write zeros into every gap. A gap's gradient is always zero, so only a non-finite step
        (a NaN clipping scale times the whole gradient) can leave something else there, and a
        joint matrix multiplies its gap rows by zeros (NaN · 0 is NaN): whoever writes a known
        good state back into the views (the Trainer's restore, ``load_params``) calls this."""
        for (_, stop), gap in zip(self._spans, self.gaps):
            if gap:
                self.data[stop:stop + gap] = 0.0

    def joint(self, keys, shape):
        """One view of ``shape`` over the spans of ``keys`` (and the gap after the last) when they
        lie back to back in this order (an Affine's ``W`` then ``b`` is its (D+1, M) matrix with
        the bias as last row); None otherwise."""
        try:
            first = self.keys.index(keys[0])
        except ValueError:
            return None
        last = first + len(keys) - 1
        if tuple(self.keys[first:last + 1]) != tuple(keys) or any(self.gaps[first:last]):
            return None
        start, stop = self._spans[first][0], self._spans[last][1] + self.gaps[last]
        if math.prod(shape) != stop - start:
            return None
        from .ops import get_ops

        return get_ops(self.data).views(self.data, [(start, stop)], [tuple(shape)])[0]

    def gather(self, arrays: dict):
        """``arrays`` (one per key, in this layout) as a :class:`PackedArrays`: packed into one
        buffer of this layout (one ``concat``) when its ``data`` is first read."""
        return PackedArrays([arrays[k] for k in self.keys], self)

    def backs(self, arrays: dict) -> bool:
        """Whether ``arrays`` is exactly this buffer's views, in order (nobody rebound a key)."""
        if len(arrays) != len(self.keys):
            return False
        return all(a is b and k == j for (k, a), (j, b) in zip(arrays.items(), self.views.items()))


def _inverse(order):
    inverse = [0] * len(order)
    for position, axis in enumerate(order):
        inverse[axis] = position
    return tuple(inverse)


def _stored_pieces(values, orders, gaps):
    """``values`` in storage order (permuted where an order is given) with a cached zero array
    for each gap: the pieces that, flattened and concatenated, are a buffer's ``data``."""
    from .ops import get_ops

    xp = array_namespace(*values)
    pieces = []
    for v, order, gap in zip(values, orders, gaps):
        pieces.append(v if order is None else xp.permute_dims(v, tuple(order)))
        if gap:
            pieces.append(get_ops(v).gap_zeros(v, gap))
    return pieces


def _concat_stored(values, orders, gaps):
    from .ops import get_ops

    return get_ops(*values).concat_flat(_stored_pieces(values, orders, gaps))


class PackedArrays:
    """Arrays of a :class:`FlatBuffer`'s layout, packed into one buffer only when ``data`` is
    read. ``views`` are the arrays themselves; ``pieces`` the same in storage order (permuted
    where the layout says so, with zero arrays for its gaps) and ``spans`` where each piece
    goes, so an op with a faster twin can read them without the packing copy (NumPy's Adam
    gathers each thread's slice as it updates it)."""

    def __init__(self, arrays, layout: FlatBuffer):
        self.keys, self.shapes, self._spans = layout.keys, layout.shapes, layout._spans
        self.orders, self.gaps = layout.orders, layout.gaps
        self.views = dict(zip(self.keys, arrays))
        self.pieces = _stored_pieces(arrays, layout.orders, layout.gaps)
        spans = []
        for (a, b), gap in zip(layout._spans, layout.gaps):
            spans.append((a, b))
            if gap:
                spans.append((b, b + gap))
        self._piece_spans = spans
        self._data = None

    @property
    def layout(self) -> tuple:
        return self.keys, self.shapes, self.orders, self.gaps

    @property
    def spans(self):
        """Where each of ``pieces`` lies in the packed buffer."""
        return self._piece_spans

    @property
    def data(self):
        if self._data is None:
            from .ops import get_ops

            self._data = get_ops(*self.pieces).concat_flat(self.pieces)
        return self._data

    def backs(self, arrays: dict) -> bool:
        return FlatBuffer.backs(self, arrays)


def packed(g):
    """``g`` as one array: a :class:`PackedArrays` packed (its ``data``), an array as it is."""
    return g.data if isinstance(g, PackedArrays) else g


class FlatDict(dict):
    """A dict of the views of a :class:`FlatBuffer` (``.flat``); a plain dict to its users."""

    def __init__(self, flat: FlatBuffer):
        super().__init__(flat.views)
        self.flat = flat


def flat_buffer_of(arrays: dict):
    """The :class:`FlatBuffer` behind ``arrays`` if it has one and still backs every key, else None."""
    flat = getattr(arrays, "flat", None)
    if flat is None or not flat.backs(arrays):
        return None
    return flat
