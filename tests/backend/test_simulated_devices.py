"""The simulated accelerators are valid device settings, and other names are refused clearly."""

from __future__ import annotations

import pytest

import xpnet
from xpnet.backend import get_device, get_device_name, normal


@pytest.mark.parametrize("backend, device", [
    ("torch", "meta"), ("array_api_strict", "device1"), ("array_api_strict", "device2"),
    ("array_api_strict", "cpu"),
])
def test_simulated_devices_are_accepted_and_new_arrays_live_there(backend, device):
    pytest.importorskip(backend)
    with xpnet.use_backend(backend, device=device):
        assert get_device_name() == device
        x = normal((2, 3))
        assert x.device == get_device() or (device == "cpu" and get_device() is None)


@pytest.mark.parametrize("backend, device, pattern", [
    ("torch", "gpu", "'cpu', 'cuda', 'cuda:N' or 'meta', got 'gpu'"),
    ("array_api_strict", "device3", "takes device 'cpu', 'device1', 'device2', got 'device3'"),
    ("numpy", "device1", "runs on the CPU only, got device 'device1'"),
])
def test_unknown_devices_are_refused_naming_the_choices(backend, device, pattern):
    with pytest.raises(ValueError, match=pattern):
        xpnet.use_backend(backend, device=device).__enter__()
