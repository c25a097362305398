#!/usr/bin/env bash
# The GPU run in one command, on a CUDA machine, from a checkout:
#
#     bash ci/gpu.sh [OUT]          (OUT: results folder, default gpu-results/)
#
#   1. installs xpnet with the CuPy wheel of the machine's CUDA major version (cuda12 / cuda13
#      extra, with CuPy's [ctk] CUDA libraries) and the test tools; torch as it is installed
#      (XPNET_GPU_INSTALL=0 skips the install: use what the environment has);
#   2. runs the gpu-marked tests on CuPy (DL_BACKEND=cupy) and on torch-CUDA (DL_BACKEND=torch
#      DL_DEVICE=cuda), each with a JUnit XML file;
#   3. runs the GPU rows of the benchmark suites (xpnet-cupy, xpnet-torch-cuda, native torch-cuda)
#      through python -m benchmarks.report (bench.json, bench.md, a chart);
#   4. writes OUT/gpu-results.json (the machine, each step's outcome and counts, the benchmark
#      rows) and OUT/readme-rows.md (the rows for the README's benchmark table).
#
# Without a CUDA GPU it says so in one line and exits 3 (tests/test_ci_gpu_script.py checks this).
# Exit status: 0 when every step passed, else the first failing step's.
set -uo pipefail
cd "$(dirname "$0")/.."
SMI=${XPNET_GPU_SMI:-nvidia-smi}  # (the test points it at a missing command)

if ! gpus=$("$SMI" -L 2>/dev/null) || [ -z "$gpus" ]; then
    echo "ci/gpu.sh: no CUDA GPU on this machine ($SMI lists none); nothing run" >&2
    exit 3
fi

OUT=${1:-gpu-results}
mkdir -p "$OUT"
PY=${PYTHON:-python}
status=0
declare -A OUTCOME SECS

run_step() {  # run_step NAME COMMAND...
    local name=$1 start=$SECONDS rc=0
    shift
    echo "::: $name"
    "$@" || rc=$?
    OUTCOME[$name]=$rc
    SECS[$name]=$((SECONDS - start))
    echo "::: $name: exit $rc in ${SECS[$name]} s"
    [ $rc -eq 0 ] || [ $status -ne 0 ] || status=$rc
}

cuda_major=$("$SMI" | sed -n 's/.*CUDA Version: *\([0-9]*\)\..*/\1/p' | head -1)
install() {
    case "$cuda_major" in
        12 | 13) ;;
        *) echo "ci/gpu.sh: the driver reports CUDA '${cuda_major:-?}'; xpnet's wheels are for 12 and 13" >&2
           return 2 ;;
    esac
    "$PY" -m pip install --quiet -e ".[test-tools,cuda$cuda_major,plot]" "cupy-cuda${cuda_major}x[ctk]"
}
[ "${XPNET_GPU_INSTALL:-1}" = 0 ] || run_step install install

run_step cupy-tests env DL_BACKEND=cupy "$PY" -m pytest -m gpu -q -p no:cacheprovider \
    --junitxml="$OUT/cupy.xml" tests
run_step torch-cuda-tests env DL_BACKEND=torch DL_DEVICE=cuda "$PY" -m pytest -m gpu -q -p no:cacheprovider \
    --junitxml="$OUT/torch-cuda.xml" tests
run_step benchmarks "$PY" -m benchmarks.report --out "$OUT/bench" -k "cupy or cuda"

# One results file and the README rows, from what the steps left.
steps=$(for k in "${!OUTCOME[@]}"; do printf '%s=%s:%s\n' "$k" "${OUTCOME[$k]}" "${SECS[$k]}"; done)
STEPS="$steps" GPUS="$gpus" CUDA_MAJOR="$cuda_major" "$PY" ci/gpu_summary.py "$OUT" || { [ $status -ne 0 ] || status=1; }
exit "$status"
