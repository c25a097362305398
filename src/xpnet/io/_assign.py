"""Copy loaded host arrays into existing arrays of any backend: check everything, then write.

Layers hold their parameters by reference, so loading must write *into* the arrays that are
already there (``target[k][...] = new``) rather than replace dict entries. All names, shapes and
dtypes are checked before the first write, so a file that does not fit leaves every target array
exactly as it was.
"""

from __future__ import annotations

import numpy as np

from ..backend import array_namespace


def dtype_name(dtype) -> str:
    """``'float32'`` for NumPy, CuPy, torch and array-api-strict dtypes alike."""
    text = str(dtype).rsplit(".", 1)[-1]
    try:
        return np.dtype(text).name
    except TypeError:
        return text


def check_arrays(target: dict, loaded: dict, *, prefix: str = "") -> list[str]:
    """Every reason why ``loaded[prefix + k]`` cannot be copied into ``target[k]`` (empty: fits).

    Keys of ``loaded`` outside ``prefix`` are ignored; names are reported with the prefix, as
    they appear in the file.
    """
    found = {k[len(prefix):]: v for k, v in loaded.items() if k.startswith(prefix)}
    problems = []
    missing = sorted(set(target) - set(found))
    extra = sorted(set(found) - set(target))
    if missing:
        problems.append(f"missing from the file: {', '.join(prefix + k for k in missing)}")
    if extra:
        problems.append(f"unexpected in the file (not in the model): {', '.join(prefix + k for k in extra)}")
    for key in sorted(set(target) & set(found)):
        have, new = target[key], found[key]
        if tuple(have.shape) != tuple(new.shape):
            problems.append(f"{prefix}{key}: shape {tuple(new.shape)} in the file, "
                            f"{tuple(have.shape)} in the model")
        elif dtype_name(have.dtype) != dtype_name(new.dtype):
            problems.append(f"{prefix}{key}: dtype {dtype_name(new.dtype)} in the file, "
                            f"{dtype_name(have.dtype)} in the model")
    return problems


def like(value: np.ndarray, reference):
    """``value`` (host NumPy) as an array of ``reference``'s namespace and device, same dtype."""
    xp = array_namespace(reference)
    return xp.asarray(value, device=reference.device)


def copy_arrays(target: dict, loaded: dict, *, prefix: str = "") -> None:
    """Write ``loaded[prefix + k]`` into ``target[k]`` in place (after `check_arrays`)."""
    for key, have in target.items():
        have[...] = like(loaded[prefix + key], have)


def assign_arrays(target: dict, loaded: dict, *, prefix: str = "") -> None:
    """Copy ``loaded[prefix + k]`` into each existing array ``target[k]``, in place.

    Parameters
    ----------
    target : dict of str -> array (any backend); written in place, references stay valid
    loaded : dict of str -> host NumPy array, e.g. from [`load_arrays`][xpnet.io.load_arrays]

    Raises
    ------
    ValueError
        listing every missing and unexpected name and every shape or dtype mismatch (the key and
        both shapes); nothing is written then.
    """
    problems = check_arrays(target, loaded, prefix=prefix)
    if problems:
        raise ValueError("arrays do not fit: " + "; ".join(problems))
    copy_arrays(target, loaded, prefix=prefix)
