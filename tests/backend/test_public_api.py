"""``xpnet.backend.__all__`` is what a user needs (issue 21): selection, dtype, device, namespace,
RNG and the sync contexts; the ops, the flat buffer and NumPy's tuning live below it."""

import xpnet.backend as backend
import xpnet.backend.numpy as numpy_backend


def test_the_public_names_are_what_a_user_needs_and_all_resolve():
    public = set(backend.__all__)
    for name in ("use_backend", "set_device", "use_dtype", "array_namespace", "to_numpy", "seed",
                 "normal", "scheduled_sync"):
        assert name in public, name
    assert not {n for n in public if "tun" in n or n.endswith("Ops") or n.startswith("Flat")}, public
    assert all(hasattr(backend, name) for name in public)


def test_tuning_status_lives_with_the_numpy_ops_and_xpnets_internals_stay_importable():
    assert {"tuning_status", "NumpyOps"} <= set(numpy_backend.__all__)
    for name in ("get_ops", "use_ops", "Ops", "FlatBuffer", "flat_buffer_of", "get_communicator"):
        assert hasattr(backend, name), name
