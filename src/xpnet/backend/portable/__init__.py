"""The portable ops: array API only, the reference every backend's twin is held equal to.

- [`Ops`][xpnet.backend.portable.Ops] ([`ops`][xpnet.backend.torch.ops]): one ``take`` over a cached index
  table (`_tables`) per window
  operation; what array-api-strict and (until it has kernels) CuPy run.
- `TapOps` (`taps`): window operations by filter taps, for CPUs (torch on the CPU).
"""

from .ops import Ops, max_pool_then_relu_backward, max_pool_then_relu_forward
from .taps import TapOps

__all__ = ["Ops", "TapOps", "max_pool_then_relu_backward", "max_pool_then_relu_forward"]
