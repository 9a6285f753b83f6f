#!/usr/bin/env bash
# Regenerate the PyTorch reference numbers the tests compare with, on this machine:
# writes makemore-lib/tests/fixtures/<vendor>/{names,accents}-reference.json (vendor:
# intel or amd, from /proc/cpuinfo) with scripts/make_reference.py (lecture 1) and
# .../<vendor>/{names,accents}-mlp.json with scripts/make_reference_mlp.py (lecture 2),
# and tests/fixtures/cpython-shuffle.json (CPython's own shuffles, for the split) with
# scripts/make_shuffle_reference.py. Needs `import torch`,
# i.e. the full torch 2.13.0: it goes into .venv-bench (once, 4.7 GB, a few minutes),
# as for `make bench`. REFERENCE_PYTHON=/path/to/python uses another interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh

python=${REFERENCE_PYTHON:-.venv-bench/bin/python}
if ! "$python" -c "import torch, numpy" 2>/dev/null; then
    [ -z "${REFERENCE_PYTHON:-}" ] || die "REFERENCE_PYTHON=$REFERENCE_PYTHON cannot import torch"
    step "installing the full torch 2.13.0 into .venv-bench (4.7 GB, a few minutes)"
    python3 -m venv .venv-bench
    .venv-bench/bin/pip install --progress-bar off torch==2.13.0 numpy
fi
version=$("$python" -c "import torch; print(torch.__version__)")
case "$version" in 2.13.0*) ;; *) die "torch $version: the tests' libtorch is 2.13.0" ;; esac
step "PyTorch $version: the lecture's steps on names.txt and accents.txt (about a minute)"
"$python" scripts/make_reference.py
step "PyTorch $version: lecture 2, the MLP's 200,000 steps on names.txt and accents.txt (a few minutes)"
"$python" scripts/make_reference_mlp.py
step "CPython's shuffles for the train/dev/test split"
"$python" scripts/make_shuffle_reference.py
ok "reference fixtures written (see the paths above; compare with: git diff --stat)"
