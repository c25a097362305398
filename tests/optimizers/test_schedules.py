"""Learning-rate schedules give their documented values (and torch's lr_scheduler's), warm-up
composes, and an optimizer uses schedule(t) for update t."""

import math

import numpy as np
import pytest

import xpnet
from xpnet import optimizers as xo
from xpnet.backend import to_numpy

torch = pytest.importorskip("torch")  # a run without torch (XPNET_TEST_BACKENDS) skips this module


def _torch_lrs(make_scheduler, lr, steps):
    opt = torch.optim.SGD([torch.zeros(1)], lr=lr)
    sched, out = make_scheduler(opt), []
    for _ in range(steps):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def test_step_decay_values_and_torch_steplr():
    s = xo.StepDecay(0.1, step_size=3, gamma=0.5)
    assert [s(t) for t in range(7)] == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025], rel=1e-15)
    ref = _torch_lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5), 0.1, 10)
    assert [s(t) for t in range(10)] == pytest.approx(ref, rel=1e-12)


def test_exponential_decay_values_and_torch_exponentiallr():
    s = xo.ExponentialDecay(0.2, gamma=0.9)
    assert [s(t) for t in range(4)] == pytest.approx([0.2, 0.18, 0.162, 0.1458], rel=1e-14)
    assert xo.ExponentialDecay(0.2, gamma=0.5, decay_steps=10)(5) == pytest.approx(0.2 * 0.5**0.5, rel=1e-15)
    ref = _torch_lrs(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9), 0.2, 20)
    assert [s(t) for t in range(20)] == pytest.approx(ref, rel=1e-12)


def test_cosine_decay_values_and_torch_cosineannealinglr():
    s = xo.CosineDecay(0.1, total_steps=10, min_lr=0.01)
    assert s(0) == 0.1 and s(5) == pytest.approx(0.055, rel=1e-14) and s(10) == pytest.approx(0.01, rel=1e-14)
    assert s(25) == pytest.approx(0.01, rel=1e-14)  # stays at min_lr after total_steps
    ref = _torch_lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.01), 0.1, 11)
    assert [s(t) for t in range(11)] == pytest.approx(ref, rel=1e-10)


def test_warmup_ramps_linearly_then_runs_the_shifted_base_schedule():
    base = xo.CosineDecay(0.1, total_steps=8)
    s = xo.Warmup(base, warmup_steps=4, start_lr=0.02)
    assert [s(t) for t in range(5)] == pytest.approx([0.02, 0.04, 0.06, 0.08, 0.1], rel=1e-14)
    assert [s(4 + t) for t in range(9)] == pytest.approx([base(t) for t in range(9)], rel=1e-15)
    assert xo.Warmup(0.3, warmup_steps=3)(1) == pytest.approx(0.1, rel=1e-15)  # a constant base
    assert xo.Warmup(0.3, warmup_steps=3)(100) == 0.3


@pytest.mark.parametrize("make, match", [
    (lambda: xo.StepDecay(0.1, step_size=0), r"step_size must be a positive integer, got 0"),
    (lambda: xo.StepDecay(-0.1, step_size=2), r"lr must be >= 0 and finite, got -0.1"),
    (lambda: xo.ExponentialDecay(0.1, gamma=1.5), r"gamma must be in \(0, 1\], got 1.5"),
    (lambda: xo.CosineDecay(0.1, total_steps=10, min_lr=0.2), r"min_lr must be <= lr, got min_lr=0.2"),
    (lambda: xo.Warmup(0.1, warmup_steps=-1), r"warmup_steps must be a positive integer, got -1"),
    (lambda: xo.CosineDecay(0.1, 10)(-1), r"step must be >= 0, got -1"),
])
def test_bad_schedule_arguments_are_rejected(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_optimizer_uses_schedule_of_t_for_update_t(xp):
    """Update t (0-based) moves p by schedule(t)·g: SGD makes the learning rate visible."""
    sched = xo.StepDecay(0.1, step_size=2, gamma=0.5)
    opt = xo.SGD(lr=123.0)
    opt.lr_schedule = sched  # attach after construction
    params = {"w": xpnet.asarray([0.0])}
    seen = []
    for t in range(5):
        assert opt.current_lr == sched(t)
        before = float(to_numpy(params["w"])[0])
        opt.update(params, {"w": xpnet.asarray([1.0])})
        seen.append(before - float(to_numpy(params["w"])[0]))
    np.testing.assert_allclose(seen, [0.1, 0.1, 0.05, 0.05, 0.025], rtol=1e-6)
    assert opt.lr == 123.0  # the base value is untouched


def test_scheduled_adam_matches_torch_with_a_scheduler(float64):
    """Adam (torch form) under ExponentialDecay = torch Adam stepped with ExponentialLR."""
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=5)
    grads = rng.normal(size=(40, 5))
    params = {"w": xpnet.asarray(w0)}
    ours = xo.Adam(lr=0.05, eps=1e-7, form="torch", lr_schedule=xo.ExponentialDecay(0.05, 0.95))
    tw = torch.tensor(w0)
    theirs = torch.optim.Adam([tw], lr=0.05, betas=(0.9, 0.999), eps=1e-7, weight_decay=0.0, foreach=False)
    sched = torch.optim.lr_scheduler.ExponentialLR(theirs, gamma=0.95)
    for g in grads:
        ours.update(params, {"w": xpnet.asarray(g)})
        tw.grad = torch.tensor(g)
        theirs.step()
        sched.step()
    np.testing.assert_allclose(to_numpy(params["w"]), tw.numpy(), rtol=1e-12, atol=1e-14)
    assert math.isclose(ours.current_lr, sched.get_last_lr()[0], rel_tol=1e-12)
