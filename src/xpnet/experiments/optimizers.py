"""Section 6.1: how the optimizers move (a 2-D bowl) and how fast they train an MNIST MLP."""

from __future__ import annotations

import math

from ..backend import array_namespace, asarray, to_numpy
from ..functions import smooth_curve
from ..models import MultiLayerNet
from ..optimizers import get_optimizer
from ._common import Progress, Run, load_data, positive_int, quiet, rounded, synthetic, to_device
from ._loops import train_side_by_side

PATH_START = (-7.0, 2.0)
PATH_LR = {
    # the book's rates (optimizer_compare_naive.py)
    "SGD": 0.95, "Momentum": 0.1, "AdaGrad": 1.5, "Adam": 0.3,
    # ours, tuned on this bowl (see optimizer_paths' docstring)
    "Nesterov": 0.1, "RMSprop": 0.15, "AdaDelta": 100.0, "Adamax": 0.6, "Nadam": 0.5, "AdamW": 0.3,
}
BOOK_OPTIMIZERS = ("SGD", "Momentum", "AdaGrad", "Adam")
ALL_OPTIMIZERS = ("SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "AdaDelta", "Adam", "Adamax",
                  "Nadam", "AdamW")


def _check_names(names) -> tuple[str, ...]:
    by_lower = {n.lower(): n for n in ALL_OPTIMIZERS}
    out = []
    for name in names:
        if str(name).lower() not in by_lower:
            raise ValueError(f"unknown optimizer {name!r}: expected some of {', '.join(ALL_OPTIMIZERS)}")
        if by_lower[str(name).lower()] in out:  # one curve per name: a repeat would overwrite its twin
            raise ValueError(f"optimizer {name!r} is named twice: each optimizer runs once")
        out.append(by_lower[str(name).lower()])
    return tuple(out)


def bowl(x, y):
    """The book's f(x, y) = x**2 / 20 + y**2 (works on floats and arrays)."""
    return x**2 / 20.0 + y**2


def optimizer_paths(*, iters: int = 30, optimizers=ALL_OPTIMIZERS, seed: int = 0,
                    progress: Progress = None) -> dict:
    """Trajectories of each optimizer on f(x, y) = x²/20 + y² from (−7, 2) (the book's Fig. 6-8).

    Learning rates: the book's for SGD 0.95, Momentum 0.1, AdaGrad 1.5, Adam 0.3. The others
    were tuned here by hand for a path that reaches the minimum within 30 steps and shows the
    method's character: Nesterov 0.1 (as Momentum), RMSprop 0.15,
    Adamax 0.6, Nadam 0.5, AdamW 0.3 (as Adam), AdaDelta 100: its steps start near
    sqrt(eps) = 1e-3, so at its usual lr 1.0 it moves only 0.2 in 30 steps.

    Returns
    -------
    dict with the common keys (study, backend, data, seed, settings, seconds) and
    ``start`` [x0, y0]; ``paths`` {name: {"lr", "x": [...], "y": [...], "final_f"}} with
    ``iters + 1`` points each (the start included); ``contour`` {"x", "y", "z"} a grid of f over
    [-10, 10] x [-5, 5] for the contour lines.
    """
    iters = positive_int("iters", iters)
    names = _check_names(optimizers)
    run = Run("optimizer-paths", seed, {"iters": iters, "optimizers": list(names),
                                        "lr": {n: PATH_LR[n] for n in names}})
    progress = progress or quiet
    paths = {}
    for k, name in enumerate(names):
        progress("paths", k, len(names))
        params = {"x": asarray([PATH_START[0]]), "y": asarray([PATH_START[1]])}
        opt = get_optimizer(name, lr=PATH_LR[name])
        xp = array_namespace(params["x"])
        points = [xp.concat([params["x"], params["y"]])]
        for _ in range(iters):
            grads = {"x": params["x"] / 10.0, "y": 2.0 * params["y"]}
            opt.update(params, grads)
            points.append(xp.concat([params["x"], params["y"]]))
        host = to_numpy(xp.stack(points))  # one transfer per optimizer
        xs, ys = host[:, 0].tolist(), host[:, 1].tolist()
        paths[name] = {"lr": PATH_LR[name], "x": rounded(xs), "y": rounded(ys),
                       "final_f": float(bowl(xs[-1], ys[-1]))}
    progress("paths", len(names), len(names))
    gx = [-10.0 + 0.25 * i for i in range(81)]
    gy = [-5.0 + 0.25 * j for j in range(41)]
    contour = {"x": gx, "y": gy, "z": [[bowl(x, y) for x in gx] for y in gy]}
    return run.result(synthetic("f(x, y) = x**2/20 + y**2, start (-7, 2)"),
                      start=list(PATH_START), paths=paths, contour=contour)


def optimizer_compare(*, iters: int = 2000, batch_size: int = 128, samples: int | None = None,
                      optimizers=ALL_OPTIMIZERS, data: str = "auto", seed: int = 0,
                      progress: Progress = None) -> dict:
    """Training loss of a 784-100-100-100-100-10 ReLU net (He init) under each optimizer.

    The book's ``optimizer_compare_mnist.py``: batch 128 drawn with replacement, 2000
    iterations, every optimizer at its default hyperparameters (the book's: SGD lr 0.01,
    Momentum 0.01/0.9, AdaGrad 0.01, Adam 0.001), all networks on the same batches.

    Returns
    -------
    dict with the common keys and ``losses`` {name: [loss per iteration]}; ``loss_at``
    {name: {"iteration", "loss", "smoothed"}} at iteration 1900 (the book's last printout; the
    last iteration when ``iters`` <= 1900), ``final_smoothed`` {name: float}, ``optimizers``.
    """
    iters, batch_size = positive_int("iters", iters), positive_int("batch_size", batch_size)
    names = _check_names(optimizers)
    (x_train, t_train, _, _), info = load_data(data, samples=samples)
    run = Run("optimizer-compare", seed, {"iters": iters, "batch_size": batch_size, "samples": samples,
                                          "hidden": [100] * 4, "optimizers": list(names)})
    x, t = to_device(x_train, t_train)
    networks = {n: MultiLayerNet(784, [100] * 4, 10) for n in names}
    opts = {n: get_optimizer(n) for n in names}
    losses = train_side_by_side(networks, opts, x, t, iters=iters, batch_size=batch_size,
                                progress=progress or quiet)
    return run.result(info, optimizers=list(names), losses={n: rounded(v) for n, v in losses.items()},
                      **loss_summary(losses))


def loss_summary(losses: dict, at: int = 1900) -> dict:
    """``loss_at`` (raw and smoothed loss at iteration ``at``) and ``final_smoothed``."""
    loss_at, final = {}, {}
    for name, values in losses.items():
        i = min(at, len(values) - 1)
        smooth = smooth_curve(values)
        loss_at[name] = {"iteration": i, "loss": _finite(values[i]), "smoothed": _finite(smooth[i])}
        final[name] = _finite(smooth[-1])
    return {"loss_at": loss_at, "final_smoothed": final}


def _finite(v) -> float | None:
    v = float(v)
    return v if math.isfinite(v) else None
