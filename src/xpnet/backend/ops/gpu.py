"""The GPU backends' ops: where CuPy kernels (``ElementwiseKernel``, ``RawKernel``) and
torch-CUDA specifics go, each as a method overriding its portable twin in
:class:`~.portable.Ops` and held equal to it by ``tests/backend/test_ops_twins.py``.

No CuPy kernel is written yet: until one has been run and measured on a GPU, CuPy runs the
portable code, which is already written for few launches per step. torch overrides what
array-api-compat's torch wrapper makes cost extra launches, and on the CPU does window
operations by taps (a gather along an inner axis is slow there).
"""

from __future__ import annotations

from .portable import Ops
from .taps import TapOps


def _on_cpu(x) -> bool:
    return x.device.type == "cpu"


class CupyOps(Ops):
    """Ops for CuPy arrays (portable for now; kernels go here)."""

    name = "cupy"


class TorchOps(TapOps):
    """Ops for torch tensors: window operations by taps on the CPU (:class:`~.taps.TapOps`), by
    one gather elsewhere (CUDA, and the meta device that stands for it in CI)."""

    name = "torch"

    def relu_backward(self, dout, state):
        """``dout * (state > 0)``: torch multiplies by a bool mask in one kernel, faster than
        ``where`` on the CPU."""
        if not hasattr(dout, "shape"):
            return Ops.relu_backward(self, dout, state)
        return dout * (state > 0)

    def affine_forward(self, x2d, W, b, joint=None):
        """On the CPU the bias is added after the product: there the ones column's copy of the
        input costs more than the addition it saves (docs/performance.md)."""
        return Ops.affine_forward(self, x2d, W, b, None if _on_cpu(x2d) else joint)

    def conv_joint_layout(self, W):
        """The portable joint layout on a GPU (and the meta device); none on the CPU, where the
        convolution runs by taps (:class:`~.taps.TapOps`)."""
        return None if _on_cpu(W) else Ops.conv_joint_layout(self, W)

    def columns(self, x, filter_h: int, filter_w: int, stride: int, pad: int):
        impl = TapOps.columns if _on_cpu(x) else Ops.columns
        return impl(self, x, filter_h, filter_w, stride, pad)

    def _add_taps(self, xp, cols, input_shape, filter_h, filter_w, stride, pad, row_length):
        impl = TapOps._add_taps if _on_cpu(cols) else Ops._add_taps
        return impl(self, xp, cols, input_shape, filter_h, filter_w, stride, pad, row_length)

    def pool2d_forward(self, x, pool_h: int, pool_w: int, stride: int, pad: int, mode: str):
        impl = TapOps.pool2d_forward if _on_cpu(x) else Ops.pool2d_forward
        return impl(self, x, pool_h, pool_w, stride, pad, mode)

    def pool2d_backward(self, dout, ctx):
        impl = TapOps.pool2d_backward if _on_cpu(dout) else Ops.pool2d_backward
        return impl(self, dout, ctx)

    def max_pool_relu_forward(self, x, pool_h: int, pool_w: int, stride: int, pad: int):
        impl = TapOps.max_pool_relu_forward if _on_cpu(x) else Ops.max_pool_relu_forward
        return impl(self, x, pool_h, pool_w, stride, pad)

    def max_pool_relu_backward(self, dout, ctx):
        impl = TapOps.max_pool_relu_backward if _on_cpu(dout) else Ops.max_pool_relu_backward
        return impl(self, dout, ctx)

    def _take(self, xp, x, indices, axis: int):
        """``torch.index_select``: one kernel. array-api-compat's ``take`` first maps negative
        indices (``where(i < 0, i + n, i)``, three more launches); the tables here have none."""
        import torch

        return torch.index_select(x, axis, indices)
