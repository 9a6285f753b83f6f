#!/usr/bin/env bash
# The full PyTorch 2.13.0, for what imports torch: make bench, make reference, and the test
# that a PyTorch user can load and sample our MLP files (tests/mlp_cli.rs). The lean libtorch
# of .venv cannot be imported; the full install goes into .venv-bench, once (4.7 GB, a few
# minutes).
#
#   scripts/pytorch-python.sh SCRIPT.py ARGS...   run a script with it
#   scripts/pytorch-python.sh --path              print the interpreter's path
#
# PYTORCH_PYTHON=/path/to/python uses another interpreter that has torch 2.13.0 and
# safetensors (BENCH_PYTHON and REFERENCE_PYTHON, read by bench.sh and reference.sh, too).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh

python=${PYTORCH_PYTHON:-${BENCH_PYTHON:-${REFERENCE_PYTHON:-.venv-bench/bin/python}}}
check='import torch, numpy, safetensors; print(torch.__version__)'
if ! version=$("$python" -c "$check" 2>/dev/null); then
    [ "$python" = .venv-bench/bin/python ] || die "$python cannot import torch, numpy and safetensors"
    # pip unpacks 2.5 GB of wheels next to the 4.7 GB it installs (in TMPDIR and ~/.cache/pip,
    # usually the same disk)
    need_space 8 "the full torch 2.13.0 in .venv-bench" "or set PYTORCH_PYTHON to a Python that has it"
    step "installing the full torch 2.13.0 into .venv-bench (4.7 GB, a few minutes)"
    python3 -m venv .venv-bench
    .venv-bench/bin/pip install --progress-bar off torch==2.13.0 numpy safetensors >&2
    version=$("$python" -c "$check")
fi
case "$version" in 2.13.0*) ;; *) die "torch $version: the tests' libtorch is 2.13.0" ;; esac
if [ "${1:-}" = --path ]; then
    echo "$python"
else
    exec "$python" "$@"
fi
