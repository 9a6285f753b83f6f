#!/usr/bin/env bash
# The tests, in two halves (make test runs both; each prints its stages' times at the end):
#
#   scripts/test.sh rust      the cargo tests (unit, doc, reference against PyTorch, CLI, README),
#                             the reference tests again with scalar kernels and one thread,
#                             the example crate that uses the library from outside, and
#                             cargo doc with warnings denied                         (make test-rust)
#   scripts/test.sh browser   the explorer page and the inline figures in headless Chromium, every
#                             notebook in notebooks/ in JupyterLab (Run All Cells), and the
#                             notebooks that must fail                             (make test-browser)
#   scripts/test.sh [all]     both                                                        (make test)
#
# Run scripts/setup.sh first (`make test` does: set-up `test`).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
source scripts/stages.sh
checks=scripts/notebook-checks

# Strict checks (makemore::check), even from a terminal of `make lab`, whose kernel is lenient.
export MAKEMORE_CHECKS=strict
unset EVCXR_CONFIG_DIR

half=${1:-all}
case "$half" in rust | browser | all) ;; *) die "usage: scripts/test.sh [rust|browser|all]" ;; esac

if [ "$half" != browser ]; then
    stage "cargo test (release profile: the same build as the CLI)" \
        cargo test --release --workspace
    # PyTorch's float32 results depend on the CPU (vendor, vector width, thread count): the
    # reference tests must pass under the same tolerance policy (docs/tolerances.md) with
    # libtorch's scalar kernels and with one thread too.
    # (the fast-training comparison is skipped here: its one-hot training repeats the other test's)
    stage "reference tests with scalar kernels (ATEN_CPU_CAPABILITY=default)" \
        env ATEN_CPU_CAPABILITY=default cargo test --release --test reference --test exercises -- --skip training_through_the_counts
    stage "reference tests with one thread (OMP_NUM_THREADS=1)" \
        env OMP_NUM_THREADS=1 MAKEMORE_EXPECT_THREADS=1 cargo test --release --test reference --test exercises -- --skip training_through_the_counts
    # The MLP under both: the split, the parameters at init, the initial loss, autograd against
    # the written-out backward (its 200,000-step comparisons ran once above: docs/tolerances.md).
    # The network core's layers and optimizers, and lecture 3's BatchNorm MLP before training
    # (its parameters, initial loss and first 1,000 steps), under both too; makemore.py's six
    # types (tests/zoo.rs) with scalar kernels (they compute on one thread whatever the count);
    # not --fast's test, which compares two runs of ours and, with scalar kernels, takes 10 minutes
    # for it (docs/tolerances.md gives what it measured there).
    stage "the MLP's, the layers', the BatchNorm MLP's, the WaveNet's and makemore.py's reference tests with scalar kernels and with one thread" \
        sh -c 'ATEN_CPU_CAPABILITY=default cargo test --release --test mlp -- split parameters initial written_out &&
               OMP_NUM_THREADS=1 cargo test --release --test mlp -- split parameters initial written_out &&
               ATEN_CPU_CAPABILITY=default cargo test --release --test nn --test batchnorm --test backprop --test wavenet -- --skip after --skip names_against_pytorch &&
               ATEN_CPU_CAPABILITY=default cargo test --release --test zoo -- --skip fast_transformer &&
               OMP_NUM_THREADS=1 cargo test --release --test nn --test batchnorm --test backprop --test wavenet -- --skip after --skip names_against_pytorch'
    # A crate of its own (its own workspace and lock file) that depends on makemore by path,
    # as a user's would: its binary must find libtorch with no LD_LIBRARY_PATH.
    stage "the library from your own crate (examples/own-crate: the README's example)" \
        env -u LD_LIBRARY_PATH cargo test --release --manifest-path examples/own-crate/Cargo.toml --target-dir target
    stage "the library's documentation builds with warnings denied (every link resolves)" \
        env RUSTDOCFLAGS="-D warnings" cargo doc --release --no-deps -p makemore
fi

if [ "$half" != rust ]; then
    stage "the committed notebooks' outputs are up to date, show no \`()\` and no print split in two outputs (no kernel: the source hashes; make notebooks rewrites them)" \
        sh -c '.venv/bin/python scripts/run-notebooks.py --check-outputs notebooks/*.ipynb &&
               .venv/bin/python scripts/run-notebooks.py --check-outputs --expect-failure scripts/notebook-checks/stale-outputs.ipynb scripts/notebook-checks/unit-output.ipynb scripts/notebook-checks/split-prints.ipynb'
    stage "the explorer page in headless Chromium (hover, rows, smoothing and NLL, sampling, keyboard, XSS, non-ASCII)" \
        .venv/bin/python scripts/browser/test_explorer.py
    stage "figures inline in JupyterLab (HTML with the SVG inline plus PNG; hover; the explorer inline; untrusted copies)" \
        .venv/bin/python scripts/browser/test_inline_display.py
    # every notebook in notebooks/ (the first run compiles tch for the kernel: ~3 min)
    stage "notebooks in JupyterLab, headless: Run All Cells; kernel, errors, figures, heatmap hover (screenshots in out/jupyterlab/)" \
        .venv/bin/python scripts/browser/jupyterlab.py notebooks/*.ipynb
    stage "JupyterLab test must fail: a compile error, a ? error, a panic, a heatmap as <img>, a cut-off figure" \
        .venv/bin/python scripts/browser/jupyterlab.py --expect-failure --hover heatmap-img.ipynb --out target/notebook-checks/jupyterlab \
        $checks/compile-error.ipynb $checks/user-error.ipynb $checks/panicking-cell.ipynb $checks/heatmap-img.ipynb $checks/wide-figure.ipynb
    stage "... and pass an inline heatmap whose cells show their count on hover" \
        .venv/bin/python scripts/browser/jupyterlab.py --hover heatmap-html.ipynb --out target/notebook-checks/jupyterlab $checks/heatmap-html.ipynb
    stage "the headless runner of make lecture must fail a notebook with a panicking cell" \
        .venv/bin/python scripts/run-notebooks.py --expect-failure --out target/notebook-checks $checks/panicking-cell.ipynb
    stage "a learner's edit (part 2, 1,500 minibatch steps): make lab's kernel runs to the end with notes, the tests' fails at that cell" \
        .venv/bin/python scripts/learner-edit.py
fi
stages_report "make test ($half)"
