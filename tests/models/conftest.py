"""Model tests run torch on one thread.

Their tensors are tiny, and the numerical gradients call a forward pass thousands of times: with
torch's default intra-op thread pool on a shared, loaded CPU, each call waits on spinning worker
threads (measured here: 37 s instead of 0.16 s for one DeepConvNet check). The setting is
restored after each test, so other test directories keep torch's default.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _torch_single_thread():
    try:
        import torch
    except ImportError:
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
