"""CuPy's ops (`CupyOps`) and the place its kernels go."""

from .ops import CupyOps

__all__ = ["CupyOps"]
