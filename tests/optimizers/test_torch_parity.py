"""Parity with torch.optim (CPU) wherever the algorithms coincide; the book forms' differences.

Our optimizer runs on every backend (the ``xp`` fixture), torch.optim on the CPU; the cases,
gradient sequences and the relative-difference figure are in ``optim_parity.py``.
"""

import pytest
from optim_parity import CASES, SEQUENCES, relative_difference, steps_for, tolerance, torch_run, xpnet_run

import xpnet
from xpnet import optimizers as xo

torch = pytest.importorskip("torch")  # a run without torch (XPNET_TEST_BACKENDS) skips this module


@pytest.mark.parametrize("sequence", SEQUENCES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(CASES))
def test_optimizer_matches_torch_optim(xp, name, dtype, sequence):
    ours = xpnet_run(name, sequence, dtype)
    for p in ours.values():
        assert xpnet.backend.array_namespace(p) is xp and p.dtype == getattr(xp, dtype)
    rel = relative_difference(ours, torch_run(name, sequence, dtype), dtype)
    assert rel <= tolerance(name, dtype), f"{name} {dtype} {steps_for(dtype)} steps: {rel:.3e}"


# The book's forms are not torch's: the same run differs far beyond rounding. (Each book form is
# held to its own formulas in test_book_path.py.)
BOOK_VS_TORCH = {
    "Nesterov (book-2016)": (lambda: xo.Nesterov(lr=0.01, momentum=0.9, form="book-2016"),
                             "Nesterov (torch form)"),
    "Adam": (lambda: xo.Adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7, form="book"), "Adam (torch form)"),
    "Adamax": (lambda: xo.Adamax(lr=0.002, beta1=0.9, beta2=0.999, eps=1e-7, form="book"), "Adamax"),
}


@pytest.mark.parametrize("name", list(BOOK_VS_TORCH))
def test_book_form_differs_from_torch_as_documented(float64, name, monkeypatch):
    make, torch_case = BOOK_VS_TORCH[name]
    monkeypatch.setitem(CASES, "book form", (make, *CASES[torch_case][1:]))
    rel = relative_difference(xpnet_run("book form", "random", "float64"),
                              torch_run(torch_case, "random", "float64"), "float64")
    assert rel > 1e-7, f"the book's {name} matched torch ({rel:.1e}); update the docstrings"


@pytest.mark.parametrize("cls, nesterov", [(xo.Momentum, False), (xo.Nesterov, True)])
def test_book_form_equals_torch_at_constant_lr_but_not_under_a_schedule(float64, cls, nesterov):
    """v = μv − lr·g keeps old learning rates inside v; torch's buffer is rescaled by the new lr.

    (The constant-lr equality is the "(book form)" rows of ``CASES``.)
    """
    params = {"w": xpnet.asarray([1.0, -2.0])}
    t_param = torch.tensor([1.0, -2.0], dtype=torch.float64)
    ours = cls(lr=0.1, momentum=0.9, form="book", lr_schedule=xo.ExponentialDecay(0.1, 0.5))
    theirs = torch.optim.SGD([t_param], lr=0.1, momentum=0.9, dampening=0.0, nesterov=nesterov,
                             weight_decay=0.0)
    sched = torch.optim.lr_scheduler.ExponentialLR(theirs, gamma=0.5)
    for _ in range(5):
        ours.update(params, {"w": params["w"] * 1.0})
        t_param.grad = t_param.detach().clone()
        theirs.step()
        sched.step()
    diff = abs(float(xpnet.to_numpy(params["w"])[0]) - float(t_param[0]))
    assert diff > 1e-3
