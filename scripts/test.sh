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
# PyTorch's float32 results depend on the CPU (vendor, vector width, thread count): the
# reference tests must pass under the same tolerance policy (docs/tolerances.md) with
# libtorch's scalar kernels and with one thread too.
step "reference tests with scalar kernels (ATEN_CPU_CAPABILITY=default)"
# (the fast-training comparison is skipped here: its one-hot training repeats the other test's)
ATEN_CPU_CAPABILITY=default cargo test --release --test reference --test exercises -- --skip training_through_the_counts
# (the MLP: the split, the parameters at init, the initial loss, autograd against the
# written-out backward; its 200,000-step comparisons ran once above, docs/tolerances.md)
ATEN_CPU_CAPABILITY=default cargo test --release --test mlp -- split parameters initial written_out
step "reference tests with one thread (OMP_NUM_THREADS=1)"
OMP_NUM_THREADS=1 MAKEMORE_EXPECT_THREADS=1 cargo test --release --test reference --test exercises -- --skip training_through_the_counts
OMP_NUM_THREADS=1 cargo test --release --test mlp -- split parameters initial written_out

step "the committed notebooks' outputs are up to date (no kernel: the source hashes; make notebooks rewrites them)"
.venv/bin/python scripts/run-notebooks.py --check-outputs notebooks/*.ipynb
.venv/bin/python scripts/run-notebooks.py --check-outputs --expect-failure $checks/stale-outputs.ipynb

step "the explorer page in headless Chromium (hover, rows, smoothing and NLL, sampling, keyboard, XSS, non-ASCII)"
.venv/bin/python scripts/browser/test_explorer.py
step "figures inline in JupyterLab (HTML with the SVG inline plus PNG; hover; the explorer inline; untrusted copies)"
.venv/bin/python scripts/browser/test_inline_display.py

step "notebooks in JupyterLab (headless Chromium): Run All Cells; kernel, errors, figures, heatmap hover; screenshots in out/jupyterlab/ (the first run compiles tch for the kernel: ~3 min)"
.venv/bin/python scripts/browser/jupyterlab.py notebooks/*.ipynb

step "the JupyterLab test must fail on a compile error, a ? error, a panic, a heatmap drawn as <img>, a cut-off figure"
.venv/bin/python scripts/browser/jupyterlab.py --expect-failure --hover heatmap-img.ipynb --out target/notebook-checks/jupyterlab \
    $checks/compile-error.ipynb $checks/user-error.ipynb $checks/panicking-cell.ipynb $checks/heatmap-img.ipynb $checks/wide-figure.ipynb
step "... and pass an inline heatmap whose cells show their count on hover"
.venv/bin/python scripts/browser/jupyterlab.py --hover heatmap-html.ipynb --out target/notebook-checks/jupyterlab $checks/heatmap-html.ipynb

step "the headless runner of make lecture must fail a notebook with a panicking cell"
.venv/bin/python scripts/run-notebooks.py --expect-failure --out target/notebook-checks $checks/panicking-cell.ipynb
