#!/usr/bin/env bash
# CI entry point: install CI pins, then run the README's test command exactly as written there.
set -euo pipefail
cd "$(dirname "$0")/.."

python -m pip install --quiet --disable-pip-version-check -r ci/requirements-ci.txt

# The command between the test-command markers in README.md is the one users are told to run.
cmd=$(sed -n '/<!-- test-command -->/,/<!-- \/test-command -->/p' README.md | grep -v '^<!--' | grep -v '^```' | sed '/^\s*$/d')
if [ -z "$cmd" ] || [ "$(printf '%s\n' "$cmd" | wc -l)" -ne 1 ]; then
    echo "ci/test.sh: expected exactly one test command between the README markers, got: '$cmd'" >&2
    exit 2
fi
echo "+ $cmd"
status=0
eval "$cmd" || status=$?

# Then the linter (pyproject [tool.ruff]) and the API reference (mkdocs.yml; --strict: a broken
# reference or a docstring that cannot be collected fails the build). Each runs even when the
# step before failed, so one CI run reports them all.
python -m pip install --quiet --disable-pip-version-check -e ".[lint,docs]"
echo "+ ruff check ."
ruff check . || status=$?
echo "+ mkdocs build --strict"
mkdocs build --strict --site-dir "$(mktemp -d)" || status=$?
exit "$status"
