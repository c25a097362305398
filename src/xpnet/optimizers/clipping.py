"""Gradient clipping by global norm (Pascanu et al. 2013; ``torch.nn.utils.clip_grad_norm_``).

The norm is taken over *all* gradients together, ‖g‖ = sqrt(Σ_k Σ g_k²), and every gradient is
scaled by ``max_norm / ‖g‖`` only when ‖g‖ > max_norm, so the direction of the whole update is
kept. Everything stays on the device: the scale is a 0-d array, never pulled to the host, and no
step uses mask indexing or a host-made scalar tensor, so a GPU run pays no synchronisation.

Unlike torch's ``clip_grad_norm_`` this never mutates the caller's gradients (the layers own
them): it returns a new dict. torch divides by ``norm + 1e-6``; here the scale is exactly
``max_norm / max(norm, max_norm)``, which is 1 below the threshold and needs no eps.
"""

from __future__ import annotations

from ..backend import array_namespace
from ._checks import positive


def global_norm(grads: dict):
    """The L2 norm of all arrays in ``grads`` together, as a 0-d array on their device.

    (On NumPy, a NumPy scalar of the gradients' dtype, which NumPy's reductions return.)

    Parameters
    ----------
    grads : dict of str -> array
        Gradients of any shapes, one backend.
    """
    if not grads:
        raise ValueError("global_norm needs at least one gradient, got an empty dict")
    arrays = list(grads.values())
    xp = array_namespace(*arrays)
    total = None
    for g in arrays:
        sq = xp.sum(g * g)
        total = sq if total is None else total + sq
    return xp.sqrt(total)


def clip_grad_norm(grads: dict, max_norm: float) -> dict:
    """``grads`` scaled so that their global norm is at most ``max_norm``; a new dict.

    Parameters
    ----------
    grads : dict of str -> array
    max_norm : float
        Positive threshold.

    Returns
    -------
    dict of str -> array
        Same keys; each array multiplied by ``max_norm / max(global_norm, max_norm)`` in its
        own dtype (float32 stays float32).
    """
    scaled, _ = clip_with_norm(grads, max_norm)
    return scaled


def clip_with_norm(grads: dict, max_norm: float):
    """``(clip_grad_norm(grads, max_norm), global_norm(grads))``, the norm computed once."""
    max_norm = positive("max_norm", max_norm)
    norm = global_norm(grads)
    xp = array_namespace(*grads.values())  # NumPy returns the norm as a scalar, not a 0-d array
    # max(norm, max_norm) through where: compat's CuPy clip writes through a boolean mask (a
    # sync) and compat's torch maximum makes a device tensor of a Python float (a host copy).
    # A NaN norm fails ``<=`` and propagates, as torch.clamp does.
    scale = max_norm / xp.where(norm <= max_norm, max_norm, norm)
    return {k: g * xp.astype(scale, g.dtype) for k, g in grads.items()}, norm
