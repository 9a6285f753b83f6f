#!/usr/bin/env bash
# All the tests: the library's unit and doc tests, the reference tests against
# PyTorch's numbers, the CLI tests, and the notebooks run in JupyterLab in headless
# Chromium, as a learner runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
checks=scripts/notebook-checks

step "cargo test (release profile: the same build as the CLI)"
cargo test --release --workspace

step "notebooks in JupyterLab (headless Chromium): Run All Cells; kernel, errors, figures, heatmap hover; screenshots in out/jupyterlab/ (the first run compiles tch for the kernel: ~3 min)"
.venv/bin/python scripts/browser/jupyterlab.py notebooks/0*.ipynb

step "the JupyterLab test must fail on a compile error, a ? error, a panic, a heatmap drawn as <img>, a cut-off figure"
.venv/bin/python scripts/browser/jupyterlab.py --expect-failure --hover heatmap-img.ipynb --out target/notebook-checks/jupyterlab \
    $checks/compile-error.ipynb $checks/user-error.ipynb $checks/panicking-cell.ipynb $checks/heatmap-img.ipynb $checks/wide-figure.ipynb
step "... and pass an inline heatmap whose cells show their count on hover"
.venv/bin/python scripts/browser/jupyterlab.py --hover heatmap-html.ipynb --out target/notebook-checks/jupyterlab $checks/heatmap-html.ipynb

step "the headless runner of make lecture must fail a notebook with a panicking cell"
.venv/bin/python scripts/run-notebooks.py --expect-failure --out target/notebook-checks $checks/panicking-cell.ipynb
