"""Inputs at a network's public calls, brought to where its parameters live.

The book's scripts hand a network what NumPy gives them (``x_train[batch_mask]``, labels as
NumPy arrays, sometimes plain lists); on another backend the network converts at its door
(``predict``, ``loss``, ``gradient``, ``accuracy``, ``numerical_gradient``) instead of every
script converting. An array of the parameters' own library and device passes untouched (one
type and one device comparison), so the NumPy paths cost nothing more.
"""

from __future__ import annotations

from ..backend import array_namespace, to_numpy


def _describe(x) -> str:
    shape = getattr(x, "shape", None)
    return f"a {type(x).__name__}" + (f" of shape {tuple(shape)}" if shape is not None else "")


def as_input(x, reference, name: str):
    """``x`` as an array of ``reference``'s library and device.

    Arrays of another library (or device) cross through the host; nested lists and tuples of
    numbers become arrays. Floating values that had to be converted take ``reference``'s float
    dtype (the book's NumPy float64 for a float32 network); integer and boolean values keep
    theirs. Anything else (strings, ragged lists, objects) raises TypeError naming ``name``.
    """
    if reference is None:
        return x
    if type(x) is type(reference) and getattr(x, "device", None) == getattr(reference, "device", None):
        return x
    xp = array_namespace(reference)
    device = getattr(reference, "device", None)
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        try:
            host = to_numpy(x)
        except Exception as exc:  # noqa: BLE001 (any library's refusal, reported as one TypeError)
            raise TypeError(f"{name} must be an array of numbers, got {_describe(x)} ({exc})") from None
    elif isinstance(x, (list, tuple)):
        host = x
    else:
        raise TypeError(f"{name} must be an array (or a nested list of numbers), got {_describe(x)}")
    try:
        converted = xp.asarray(host, device=device)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise TypeError(f"{name} must be an array of numbers, got {_describe(x)} that does not "
                        f"convert ({' '.join(str(exc).split())})") from None
    if not xp.isdtype(converted.dtype, ("bool", "integral", "real floating")):
        raise TypeError(f"{name} must hold real numbers, got {_describe(x)} of dtype {converted.dtype}")
    if xp.isdtype(converted.dtype, "real floating") and converted.dtype != reference.dtype:
        converted = xp.astype(converted, reference.dtype)
    return converted
