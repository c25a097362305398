"""Sections 6.3 and 6.4: Batch Normalization, and overfitting fought with weight decay or dropout."""

from __future__ import annotations

import numpy as np

from ..models import MultiLayerNet, MultiLayerNetExtend
from ._common import (
    Progress,
    Run,
    load_data,
    optional_samples,
    positive_float,
    positive_int,
    quiet,
    rounded,
    to_device,
)
from ._loops import fit


def _book_running_var(net) -> None:
    """Set every BatchNorm running variance of ``net`` to 0, the book's start (see batch_norm)."""
    for key, buffer in getattr(net, "buffers", {}).items():
        if key.endswith(".running_var"):
            buffer[...] = 0.0


def _curves(history: dict) -> dict:
    """Per-epoch accuracies and their last values; a run that diverged before its first
    epoch ended has empty curves and None finals."""
    train, test = history["train_acc"], history["test_acc"]
    last = (train[-1], test[-1]) if train else (None, None)
    return {"train_acc": rounded(train), "test_acc": rounded(test), "final_train": last[0],
            "final_test": last[1], "gap": None if not train else last[0] - last[1],
            "diverged": history.get("diverged")}


def batch_norm(*, samples: int = 1000, epochs: int = 20, batch_size: int = 100, lr: float = 0.01,
               scales: int = 16, eval_samples: int | None = None, data: str = "auto", seed: int = 0,
               progress: Progress = None) -> dict:
    """Accuracy with and without BatchNorm over initial weight scales (the book's Fig. 6-19).

    The book's ``batch_norm_test.py``: 784-100×5-10 ReLU nets, the first 1000 training images,
    SGD lr 0.01, batch 100, 20 epochs, weight std ``logspace(0, -4, 16)``. The figure shows
    training accuracy (as the book's); test accuracy is recorded too (on the first
    ``eval_samples`` images of each set when given, as the Trainer's
    ``evaluate_sample_num_per_epoch``).

    Returns
    -------
    dict with the common keys and ``weight_scales`` [scales]; ``bn`` and ``plain``: lists (one
    per scale) of {"train_acc", "test_acc", "final_train", "final_test", "gap", "diverged"}.
    A run whose loss overflowed (the plain net at large scales, as in the book) stops there:
    its curves end early and ``diverged`` holds the reason.

    The BatchNorm layers start their running variance at 0, the book's start, not xpnet's 1
    (torch's): the figure's accuracies are taken in test mode, with the running statistics, and
    at a weight scale of 1e-4 the first layer's variance is about 1e-6, so a start of 1 takes
    some 150 updates to fade (0.9^k) where the book's start of 0 is only a factor 1 - 0.9^k
    off. This compares like with like at short settings; at the book's (200 updates) both agree.
    """
    samples, epochs = positive_int("samples", samples), positive_int("epochs", epochs)
    batch_size, scales = positive_int("batch_size", batch_size), positive_int("scales", scales)
    lr = positive_float("lr", lr)
    eval_samples = optional_samples(eval_samples, "eval_samples")
    arrays, info = load_data(data, samples=samples)
    run = Run("batch-norm", seed, {"samples": samples, "epochs": epochs, "batch_size": batch_size, "lr": lr,
                                   "scales": scales, "eval_samples": eval_samples, "hidden": [100] * 5})
    arrays = to_device(*arrays)
    weight_scales = np.logspace(0, -4, scales).tolist() if scales > 1 else [1e-4]
    progress = progress or quiet
    out = {"bn": [], "plain": []}
    for i, w in enumerate(weight_scales):
        progress("weight scales", i, len(weight_scales))
        for key, use_bn in (("bn", True), ("plain", False)):
            net = MultiLayerNetExtend(784, [100] * 5, 10, weight_init_std=w, use_batchnorm=use_bn)
            _book_running_var(net)
            out[key].append(_curves(fit(net, arrays, epochs=epochs, batch_size=batch_size, lr=lr,
                                        allow_divergence=True, evaluate_sample_num_per_epoch=eval_samples)))
    progress("weight scales", len(weight_scales), len(weight_scales))
    return run.result(info, weight_scales=weight_scales, **out)


def _overfit(study: str, variants: dict, *, samples, epochs, batch_size, lr, eval_samples, data, seed,
             progress,
             settings) -> dict:
    samples, epochs = positive_int("samples", samples), positive_int("epochs", epochs)
    eval_samples = optional_samples(eval_samples, "eval_samples")
    batch_size, lr = positive_int("batch_size", batch_size), positive_float("lr", lr)
    arrays, info = load_data(data, samples=samples)
    run = Run(study, seed, {"samples": samples, "epochs": epochs, "batch_size": batch_size, "lr": lr,
                            "eval_samples": eval_samples, "hidden": [100] * 6, **settings})
    arrays = to_device(*arrays)
    progress = progress or quiet
    runs = {}
    for label, make in variants.items():
        runs[label] = _curves(fit(make(), arrays, epochs=epochs, batch_size=batch_size, lr=lr,
                                  progress=progress, stage=label, evaluate_sample_num_per_epoch=eval_samples))
    return run.result(info, runs=runs, final={k: {"train": v["final_train"], "test": v["final_test"]}
                                              for k, v in runs.items()})


def overfit_weight_decay(*, samples: int = 300, epochs: int = 201, batch_size: int = 100, lr: float = 0.01,
                         weight_decay: float = 0.1, eval_samples: int | None = None, data: str = "auto",
                         seed: int = 0, progress: Progress = None) -> dict:
    """Train vs test accuracy of a 784-100×6-10 net on 300 images, without and with weight decay.

    The book's ``overfit_weight_decay.py`` (λ = 0 for Fig. 6-20, λ = 0.1 for Fig. 6-21): SGD
    lr 0.01, batch 100, 201 epochs; accuracies on the whole training and test sets (or their
    first ``eval_samples`` images).

    Returns
    -------
    dict with the common keys and ``runs`` {"no weight decay", "weight decay"}: each
    {"train_acc", "test_acc" (per epoch), "final_train", "final_test", "gap"}; ``final``
    {run: {"train", "test"}}.
    """
    weight_decay = positive_float("weight_decay", weight_decay)
    variants = {
        "no weight decay": lambda: MultiLayerNet(784, [100] * 6, 10),
        "weight decay": lambda: MultiLayerNet(784, [100] * 6, 10, weight_decay_lambda=weight_decay),
    }
    return _overfit("overfit-weight-decay", variants, samples=samples, epochs=epochs, batch_size=batch_size,
                    lr=lr, eval_samples=eval_samples, data=data, seed=seed, progress=progress,
                    settings={"weight_decay": weight_decay})


def overfit_dropout(*, samples: int = 300, epochs: int = 301, batch_size: int = 100, lr: float = 0.01,
                    dropout: float = 0.2, eval_samples: int | None = None, data: str = "auto", seed: int = 0,
                    progress: Progress = None) -> dict:
    """Train vs test accuracy of a 784-100×6-10 net on 300 images, without and with dropout.

    The book's ``overfit_dropout.py`` (Fig. 6-23): ``MultiLayerNetExtend(use_dropout=True,
    dropout_ration=0.2)``, Trainer with SGD lr 0.01, batch 100, 301 epochs; accuracies on the
    whole training and test sets (or their first ``eval_samples`` images).

    Returns
    -------
    dict with the common keys and ``runs`` {"no dropout", "dropout"}: each {"train_acc",
    "test_acc" (per epoch), "final_train", "final_test", "gap"}; ``final`` {run: {"train", "test"}}.
    """
    if not 0.0 < float(dropout) < 1.0:
        raise ValueError(f"dropout must be in (0, 1), got {dropout!r}")
    variants = {
        "no dropout": lambda: MultiLayerNetExtend(784, [100] * 6, 10),
        "dropout": lambda: MultiLayerNetExtend(784, [100] * 6, 10, use_dropout=True, dropout_ration=dropout),
    }
    return _overfit("overfit-dropout", variants, samples=samples, epochs=epochs, batch_size=batch_size, lr=lr,
                    eval_samples=eval_samples, data=data, seed=seed, progress=progress,
                    settings={"dropout": float(dropout)})


GRID_ACTIVATIONS = ("sigmoid", "relu")
GRID_INITS = {"std=0.01": 0.01, "Xavier": "xavier", "He": "he"}


def activation_init_bn_grid(*, samples: int | None = None, epochs: int = 10, batch_size: int = 100,
                            lr: float = 0.1, data: str = "auto", seed: int = 0,
                            progress: Progress = None) -> dict:
    """Test accuracy of 784-40-20-10 nets: sigmoid|ReLU × std 0.01|Xavier|He × BatchNorm off|on.

    Not one of the book's scripts: it puts sections 6.2 and 6.3 side by side on a small net,
    trained with SGD (lr 0.1, batch 100) on the whole training set for 10 epochs.

    Returns
    -------
    dict with the common keys and ``panels`` {activation: {init: {"bn": curves, "plain": curves}}}
    where curves is {"train_acc", "test_acc" (per epoch), "final_train", "final_test", "gap"};
    ``activations``, ``inits``.
    """
    samples, epochs = optional_samples(samples), positive_int("epochs", epochs)
    batch_size, lr = positive_int("batch_size", batch_size), positive_float("lr", lr)
    arrays, info = load_data(data, samples=samples)
    run = Run("activation-init-bn-grid", seed, {"samples": samples, "epochs": epochs,
                                                "batch_size": batch_size,
                                                "lr": lr, "hidden": [40, 20]})
    arrays = to_device(*arrays)
    progress = progress or quiet
    total, done, panels = len(GRID_ACTIVATIONS) * len(GRID_INITS) * 2, 0, {}
    for act in GRID_ACTIVATIONS:
        panels[act] = {}
        for init_name, std in GRID_INITS.items():
            panels[act][init_name] = {}
            for key, use_bn in (("plain", False), ("bn", True)):
                progress("networks", done, total)
                net = MultiLayerNetExtend(784, [40, 20], 10, activation=act, weight_init_std=std,
                                          use_batchnorm=use_bn)
                panels[act][init_name][key] = _curves(fit(net, arrays, epochs=epochs, batch_size=batch_size,
                                                          lr=lr))
                done += 1
    progress("networks", total, total)
    return run.result(info, activations=list(GRID_ACTIVATIONS), inits=list(GRID_INITS), panels=panels)
