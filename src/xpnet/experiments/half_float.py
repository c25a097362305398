"""Chapter 8's ``half_float_network.py``: a trained network evaluated in float16 against float32.

The book loads its trained DeepConvNet, measures the test accuracy, then does
``param[...] = param.astype(np.float16)`` and ``x_test.astype(np.float16)`` and measures again.
Its arrays are float64 and ``param[...] =`` writes back *into* them, so the book's second run
rounds weights and inputs to float16 but still computes in float64 (NumPy promotes the float16
input against the float64 weights). This study measures both things:

- ``float16_storage``: weights and inputs rounded to float16, computed in float32 (the book's
  measurement: what storing a network in half precision costs);
- ``float16``: every array float16, so every product and sum of the forward pass is computed in
  float16 (what running the network in half precision costs).

float16 exists on NumPy, torch and CuPy; array-api-strict has none (the array API standard
defines only float32 and float64), so the study refuses that backend with a ValueError. NumPy's
float16 arithmetic has no BLAS underneath and is slow for a convnet (``eval_samples`` limits
the work). The network is trained here (``epochs`` of Adam, as ``train``), or loaded from
``weights``: the book's ``params.pkl`` / ``deep_convnet_params.pkl`` or an xpnet ``.npz``.
"""

from __future__ import annotations

import numpy as np

from ..backend import get_backend, get_namespace, to_numpy
from ._common import (
    Progress,
    Run,
    load_data,
    optional_samples,
    positive_float,
    positive_int,
    quiet,
    to_device,
)
from ._loops import fit
from .evaluate import WEIGHT_MODELS, load_test_set, load_weights
from .train import build_model

BINS = 30


def _half(xp):
    dtype = getattr(xp, "float16", None)
    if dtype is None:
        raise ValueError(f"half-float needs a float16 dtype, and backend {get_backend()} has none (the array "
                         "API standard defines only float32 and float64); use numpy, torch or cupy")
    return dtype


def _scores(network, x, batch_size: int) -> np.ndarray:
    """Host float64 scores (N, 10) of ``predict(x)`` in batches; checks no dtype change slipped in."""
    out = []
    for i in range(0, int(x.shape[0]), batch_size):
        y = network.predict(x[i:i + batch_size, ...], train_flg=False)
        if y.dtype != x.dtype:
            raise TypeError(f"predict on {x.dtype} input returned {y.dtype}: a layer changed the precision")
        out.append(to_numpy(y).astype(np.float64))
    return np.concatenate(out)


def _recast(network, xp, dtype) -> None:
    """Rebind every parameter to a copy in ``dtype`` (assignment rebinds the layers too)."""
    for key in list(network.params):
        network.params[key] = xp.astype(network.params[key], dtype)


def _accuracy(scores: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(np.argmax(scores, axis=1) == labels))


def half_float(*, model: str = "simple", weights=None, epochs: int = 1, batch_size: int = 100,
               lr: float = 0.001, samples: int | None = None, eval_samples: int | None = None,
               data: str = "auto", seed: int = 0, progress: Progress = None) -> dict:
    """Test accuracy of a trained ``model`` in float32, with float16 storage, and in float16.

    Parameters
    ----------
    model : ``'simple'`` (SimpleConvNet) or ``'deep'`` (DeepConvNet, the book's)
    weights : path, optional
        Trained weights (the book's pickle or an xpnet ``.npz``), evaluated on the 10,000 official
        test digits; without it the network is trained for ``epochs`` on the first ``samples``
        training images and evaluated on the test split.
    eval_samples : int or None
        Evaluate on the first N test images; None: all.

    Returns
    -------
    dict with the common keys and ``model``, ``trained`` (``'here'`` or the weights file),
    ``eval_count``, ``accuracy`` (``float32``, ``float16_storage``, ``float16``), ``agreement``
    (share of float16 predictions equal to float32's), ``output_dtype`` (of the float16 run),
    ``max_abs_score_diff`` and ``score_diff`` (``edges``, ``counts``: histogram of log10 of
    each sample's largest |float16 - float32| score difference; ``exact``: samples with none).
    """
    if model not in WEIGHT_MODELS:
        raise ValueError(f"unknown model {model!r}: expected one of {', '.join(WEIGHT_MODELS)}")
    epochs, batch_size = positive_int("epochs", epochs), positive_int("batch_size", batch_size)
    lr = positive_float("lr", lr)
    samples, eval_samples = optional_samples(samples), optional_samples(eval_samples, "eval_samples")
    xp = get_namespace()
    half = _half(xp)
    progress = progress or quiet
    run = Run("half-float", seed, {"model": model, "weights": None if weights is None else str(weights),
                                   "epochs": epochs, "batch_size": batch_size, "lr": lr, "samples": samples,
                                   "eval_samples": eval_samples})
    network = build_model(model)
    if weights is not None:
        load_weights(network, weights)
        (x_test, t_test), info = load_test_set(data, eval_samples)
    else:
        arrays, info = load_data(data, samples=samples, flatten=False)
        fit(network, to_device(*arrays), epochs=epochs, batch_size=batch_size, optimizer="Adam", lr=lr,
            progress=progress, stage=f"{model} epochs", evaluate_sample_num_per_epoch=1000)
        x_test, t_test = arrays[2], arrays[3]
        if eval_samples is not None:
            x_test, t_test = x_test[:eval_samples], t_test[:eval_samples]
    (x,) = to_device(x_test)
    progress("evaluating", 0, 3)
    y32 = _scores(network, x, batch_size)
    progress("evaluating", 1, 3)
    _recast(network, xp, half)
    x16 = xp.astype(x, half)
    y16 = _scores(network, x16, batch_size)
    output_dtype = str(network.predict(x16[:1, ...], train_flg=False).dtype).rsplit(".", 1)[-1]
    progress("evaluating", 2, 3)
    _recast(network, xp, x.dtype)  # float16 values, float32 arithmetic
    y_storage = _scores(network, xp.astype(x16, x.dtype), batch_size)
    progress("evaluating", 3, 3)
    diff = np.max(np.abs(y16 - y32), axis=1)
    counts, edges = np.histogram(np.log10(diff[diff > 0]), bins=BINS) if np.any(diff > 0) else ([], [])
    labels = np.asarray(t_test)
    return run.result(info, model=model, trained="here" if weights is None else str(weights),
                      eval_count=int(labels.shape[0]),
                      accuracy={"float32": _accuracy(y32, labels),
                                "float16_storage": _accuracy(y_storage, labels),
                                "float16": _accuracy(y16, labels)},
                      agreement=float(np.mean(np.argmax(y16, 1) == np.argmax(y32, 1))),
                      output_dtype=output_dtype, max_abs_score_diff=float(diff.max()),
                      score_diff={"edges": [round(float(e), 4) for e in edges],
                                  "counts": [int(c) for c in counts],
                                  "exact": int(np.sum(diff == 0))})
