"""Throughput benchmarks: xpnet on every backend against the same networks in native PyTorch.

- :mod:`.nets`: the benchmarked networks (xpnet models, batch sizes, input shapes).
- :mod:`.peers`: the same architectures as ``torch.nn`` modules, and the parameter copy that
  makes them compute the same function (held equal by ``test_peer_parity.py``).
- :mod:`.runners`: one train step (forward, backward, Adam) and one inference per
  implementation, with device synchronisation inside the timed call and memory probes.
- ``test_train_step.py`` / ``test_inference.py``: the pytest-benchmark suites.
- :mod:`.report`: ``python -m benchmarks.report`` runs the suites timed and writes the table,
  the JSON and the bar chart.

Under plain ``pytest`` (``--benchmark-disable`` is in the project's addopts) every benchmark
body runs once as a smoke test, with the batch capped at ``XPNET_BENCH_SMOKE_BATCH`` (default
8) so that AlexNet at width 1 on NumPy costs well under a second there. Timed runs
(``--benchmark-enable``) always use the full batch sizes of the issue.
"""
