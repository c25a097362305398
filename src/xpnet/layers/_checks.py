"""Small argument checks the layers share: called from a constructor, or first thing in
forward/backward, so that misuse raises one line naming the layer and the value instead of a
raw operand or attribute error from deep inside an operation. Metadata only (types, shapes):
no device synchronisation."""

from __future__ import annotations

from ..backend import array_namespace


def require_arrays(layer: str, **arrays) -> None:
    """TypeError naming ``layer`` and the argument for anything that is not an array."""
    for name, value in arrays.items():
        if not (hasattr(value, "shape") and hasattr(value, "dtype")):
            raise TypeError(f"{layer} {name} must be an array, got {type(value).__name__}")


def require_like(layer: str, name: str, value, like, like_name: str) -> None:
    """TypeError/ValueError unless array ``value`` has ``like``'s backend, dtype and shape."""
    require_arrays(layer, **{name: value})
    array_namespace(value, like)  # xpnet's mixed-backend TypeError, naming both
    if tuple(value.shape) != tuple(like.shape):
        raise ValueError(f"{layer} {name} has shape {tuple(value.shape)}, {like_name} has shape "
                         f"{tuple(like.shape)}")
    if value.dtype != like.dtype:
        raise TypeError(f"{layer} {name} has dtype {value.dtype}, {like_name} has dtype {like.dtype}")


def forward_done(layer: str, state) -> None:
    """RuntimeError when ``backward`` comes before any ``forward`` (``state`` still None)."""
    if state is None:
        raise RuntimeError(f"{layer}.backward needs a forward first")


def dout_shape(layer: str, dout, expected) -> None:
    """ValueError unless the array ``dout`` has the shape of the last forward's output."""
    if hasattr(dout, "shape") and tuple(dout.shape) != tuple(expected):
        raise ValueError(f"{layer}.backward: dout has shape {tuple(dout.shape)}, but the last forward's "
                         f"output has shape {tuple(expected)}")
