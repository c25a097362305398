"""The machine a table names: CPU family and model (Zen 3 and Zen 4 are both "AMD EPYC"), vector
extension, and the BLAS kernels NumPy's OpenBLAS chose."""

import pytest

from . import machine


def test_one_line_names_the_cpu_generation_and_the_blas_kernels():
    described = {"cpu": {"model": "AMD EPYC", "family": 25, "model_number": 17, "vector": "avx512f",
                         "logical_cpus": 2},
                 "blas": [{"internal_api": "openblas", "architecture": "SkylakeX"},
                          {"internal_api": "openmp", "architecture": None}],
                 "gpu": None}
    assert machine.one_line(described) == ("AMD EPYC (family 25, model 17, avx512f), 2 CPUs, "
                                           "BLAS kernels: openblas SkylakeX, GPU: none")
    bare = {"cpu": {"model": "arm64", "logical_cpus": 8}, "blas": None, "gpu": "H200"}
    assert machine.one_line(bare) == "arm64, 8 CPUs, GPU: H200"


def test_numpys_openblas_says_which_kernels_it_runs():
    own = machine.openblas()
    if own is None:
        pytest.skip("NumPy's BLAS is not an OpenBLAS this process maps")
    # both read from the library itself: the kernel name it chose is part of its config line
    assert own["config"].startswith("OpenBLAS") and own["architecture"]
    assert own["architecture"] in own["config"], own
