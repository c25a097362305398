#!/usr/bin/env bash
# CI entry point (.ci/run calls it). Three installs, each as a user would make it:
#   1. the README's test command exactly as written there (Python of the machine, newest releases,
#      pip install -e), then the linter and the site;
#   2. floors: Python 3.10, a wheel built from this checkout, every dependency pinned to the floor
#      pyproject.toml declares (ci/floors.py); the main job, then the test suite of the sdist;
#   3. newest: Python 3.13, the same wheel, the newest releases; the NumPy and backend tests (the
#      library's packages, not the studies and the command line, which the other two runs cover).
# Venvs 2 and 3 have no torch (on Python 3.10 and 3.13 it would be a multi-GB download; the
# machine's CPU build is for 3.11 only): XPNET_TEST_BACKENDS=numpy,array_api_strict says so to
# tests/conftest.py, whose CI=true check still fails a run where an expected backend is skipped.
# Each step's duration is printed; the steps after a failure still run, and the exit status is
# the first failure's.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PIP_QUIET=(--quiet --disable-pip-version-check)
PY310=${XPNET_CI_PY310:-/root/.pyenv/versions/3.10.13/bin/python}
PY313=${XPNET_CI_PY313:-/root/.pyenv/versions/3.13.0/bin/python}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/xpnet-ci.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
status=0
T0=$SECONDS

# XPNET_CI_STEPS (e.g. "floors newest") runs only those groups: readme, lint, dists, floors, newest
step() {  # step GROUP NAME COMMAND...: run, time, remember the first failure
    local group=$1 name=$2 start=$SECONDS rc=0
    shift 2
    case " ${XPNET_CI_STEPS:-readme lint dists floors newest} " in *" $group "*) ;; *) return 0 ;; esac
    echo "::: $name"
    "$@" || rc=$?
    echo "::: $name: $([ $rc -eq 0 ] && echo ok || echo "FAILED (exit $rc)") in $((SECONDS - start)) s"
    [ $rc -eq 0 ] || [ $status -ne 0 ] || status=$rc
    return 0
}

readme_command() {
    # The command between the test-command markers in README.md is the one users are told to run.
    local cmd
    cmd=$(sed -n '/<!-- test-command -->/,/<!-- \/test-command -->/p' README.md | grep -v '^<!--' \
        | grep -v '^```' | sed '/^\s*$/d')
    if [ -z "$cmd" ] || [ "$(printf '%s\n' "$cmd" | wc -l)" -ne 1 ]; then
        echo "ci/test.sh: expected exactly one test command between the README markers, got: '$cmd'" >&2
        return 2
    fi
    # CI pins first: torch 2.13.0 is the CPU build on the machine's disk (no multi-GB CUDA build)
    python -m pip install "${PIP_QUIET[@]}" -r ci/requirements-ci.txt || return
    echo "+ $cmd"
    eval "$cmd"
}

lint_and_site() {
    python -m pip install "${PIP_QUIET[@]}" -e ".[lint,docs]" || return
    local rc=0
    echo "+ ruff check ."
    ruff check . || rc=$?
    echo "+ mkdocs build --strict"
    mkdocs build --strict --site-dir "$WORK/site" || rc=$?
    return $rc
}

build_dists() {
    # --no-isolation: offline, with the setuptools of this Python (pyproject's build-system floor)
    python -m build --no-isolation --outdir "$WORK/dist" . >"$WORK/build.log" 2>&1 \
        || { tail -20 "$WORK/build.log"; return 1; }
    rm -rf src/xpnet.egg-info
    ls -l "$WORK"/dist
}

venv_with_wheel() {  # venv_with_wheel DIR PYTHON PIP-ARGS...: a venv with the built wheel and more
    local dir=$1 python=$2
    shift 2
    "$python" -m venv "$dir" || return
    "$dir/bin/python" -m pip install "${PIP_QUIET[@]}" "$@"
}

floor_venv() {
    python ci/floors.py test-tools plot dask mpi mpich safetensors >"$WORK/floors.txt" || return
    echo "floors: $(tr '\n' ' ' <"$WORK/floors.txt")"
    local wheel=("$WORK"/dist/xpnet-*.whl)
    venv_with_wheel "$WORK/floor" "$PY310" -c "$WORK/floors.txt" \
        "${wheel[0]}[test-tools,plot,dask,mpi,mpich,safetensors]" || return
    "$WORK/floor/bin/python" -m pip list --disable-pip-version-check 2>/dev/null \
        | grep -iE '^(numpy|array.api.[a-z]+|matplotlib|pooch|platformdirs|requests|threadpoolctl|tqdm|pytest|dask|mpi|safetensors) '
}

main_job() {  # the README's main job, as a user runs it, from an empty folder
    local dir=$WORK/job
    mkdir -p "$dir" && cd "$dir" || return
    PATH="$WORK/floor/bin:$PATH" xpnet optimizer-compare
    local rc=$?
    cd "$ROOT" && [ $rc -eq 0 ] && [ -s "$dir/xpnet-out/optimizer-compare.png" ]
}

suite_from_sdist() {  # suite_from_sdist VENV PYTEST-ARGS...: the tests the sdist ships, on the wheel
    local venv=$1
    shift
    rm -rf "$WORK/sdist" && mkdir -p "$WORK/sdist" && tar -xzf "$WORK"/dist/xpnet-*.tar.gz -C "$WORK/sdist" \
        || return
    cd "$WORK"/sdist/xpnet-* || return
    rm -rf src  # the tests import the installed wheel, never the sdist's source
    "$venv/bin/python" -c "import xpnet; print('xpnet', xpnet.__version__, 'from', xpnet.__file__)"
    CI=true XPNET_TEST_BACKENDS=numpy,array_api_strict "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
    local rc=$?
    cd "$ROOT"
    return $rc
}

newest_venv() {
    local wheel=("$WORK"/dist/xpnet-*.whl)
    venv_with_wheel "$WORK/newest" "$PY313" --upgrade --upgrade-strategy eager \
        "${wheel[0]}[test-tools,plot,safetensors,dask,mpi,mpich]" || return
    "$WORK/newest/bin/python" -m pip list --disable-pip-version-check 2>/dev/null \
        | grep -iE '^(numpy|array.api.[a-z]+|matplotlib|pytest|safetensors|dask|mpi4py) '
}

step readme "README test command" readme_command
step lint "ruff and mkdocs --strict" lint_and_site
step dists "wheel and sdist" build_dists
step floors "floors: Python 3.10 venv" floor_venv
step floors "floors: the main job" main_job
step floors "floors: the test suite" suite_from_sdist "$WORK/floor"
step newest "newest: Python 3.13 venv" newest_venv
step newest "newest: NumPy and backend tests" suite_from_sdist "$WORK/newest" tests/backend tests/functions \
    tests/layers tests/optimizers tests/models tests/io tests/datasets tests/training
echo "::: ci/test.sh: $([ $status -eq 0 ] && echo ok || echo "FAILED (exit $status)") in $((SECONDS - T0)) s"
exit "$status"
