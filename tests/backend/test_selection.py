"""Backend selection: DL_BACKEND read lazily, explicit settings win, clear errors."""

import importlib.util

import numpy as np
import pytest

import xpnet
from xpnet import backend


def test_default_backend_is_numpy_float32(monkeypatch):
    monkeypatch.delenv("DL_BACKEND", raising=False)
    monkeypatch.delenv("DL_DTYPE", raising=False)
    assert xpnet.get_backend() == "numpy"
    assert xpnet.get_dtype() == "float32"


def test_dl_backend_is_read_at_use_not_import(monkeypatch):
    monkeypatch.setenv("DL_BACKEND", "array_api_strict")
    assert xpnet.get_backend() == "array_api_strict"
    monkeypatch.setenv("DL_BACKEND", "numpy")
    assert xpnet.get_backend() == "numpy"


@pytest.mark.parametrize("bad", ["jax", "", "NUMPYY", 3, None])
def test_unknown_backend_lists_valid_names(bad):
    with pytest.raises(ValueError, match="numpy, cupy, torch, array_api_strict") as info:
        xpnet.set_backend(bad)
    assert repr(bad) in str(info.value)


def test_unknown_backend_from_environment(monkeypatch):
    monkeypatch.setenv("DL_BACKEND", "tensorflow")
    with pytest.raises(ValueError, match="'tensorflow'"):
        xpnet.get_backend()


def test_use_backend_restores_previous_setting():
    before = xpnet.get_backend()
    with xpnet.use_backend("array_api_strict") as name:
        assert name == xpnet.get_backend() == "array_api_strict"
        with xpnet.use_backend("numpy"):
            assert xpnet.get_backend() == "numpy"
        assert xpnet.get_backend() == "array_api_strict"
    assert xpnet.get_backend() == before


def test_use_backend_restores_after_error():
    before = xpnet.get_backend()
    with pytest.raises(RuntimeError, match="boom"):
        with xpnet.use_backend("array_api_strict"):
            raise RuntimeError("boom")
    assert xpnet.get_backend() == before


@pytest.mark.skipif(importlib.util.find_spec("cupy") is not None, reason="CuPy is installed here")
def test_cupy_missing_says_so_and_how_to_install():
    with pytest.raises(xpnet.BackendUnavailableError,
                       match=r'not installed.*pip install "xpnet\[cuda12\]" or "xpnet\[cuda13\]"'):
        xpnet.set_backend("cupy")
    assert xpnet.get_backend() != "cupy"


def test_cupy_without_device_says_so(monkeypatch):
    """A CuPy that imports but sees no GPU is a different error from a missing CuPy."""
    import sys
    import types

    fake = types.ModuleType("cupy")
    fake.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=lambda: 0))
    monkeypatch.setitem(sys.modules, "cupy", fake)
    monkeypatch.setattr(backend._config, "_checked", set())
    with pytest.raises(xpnet.BackendUnavailableError, match="no CUDA device"):
        xpnet.set_backend("cupy")


def test_torch_cuda_without_gpu_is_refused_not_downgraded():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(xpnet.BackendUnavailableError, match="no CUDA device"):
        xpnet.set_backend("torch", device="cuda")


@pytest.mark.parametrize("device", ["gpu", "tpu:0", "cuda"])
def test_numpy_rejects_non_cpu_device(device):
    with pytest.raises(ValueError, match=repr(device)):
        xpnet.set_backend("numpy", device=device)


@pytest.mark.parametrize("bad", ["float16", "int32", "double-ish"])
def test_unknown_dtype_is_rejected(bad):
    with pytest.raises(ValueError, match=repr(bad)):
        xpnet.set_dtype(bad)


def test_dtype_setting_and_environment(monkeypatch):
    monkeypatch.setenv("DL_DTYPE", "float64")
    assert xpnet.get_dtype() == "float64"
    with xpnet.use_dtype("float32"):
        assert xpnet.get_dtype() == "float32"
    assert xpnet.get_dtype() == "float64"
    assert np.dtype(xpnet.get_dtype()) == np.float64
