#!/usr/bin/env bash
# All the tests: the library's unit and doc tests, the reference tests against
# PyTorch's numbers, the CLI tests, and the notebooks run headless.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
step "cargo test (release profile: the same build as the CLI)"
cargo test --release --workspace
# PyTorch's float32 results depend on the CPU (vendor, vector width, thread count): the
# reference tests must pass under the same tolerance policy (docs/tolerances.md) with
# libtorch's scalar kernels and with one thread too.
step "reference tests with scalar kernels (ATEN_CPU_CAPABILITY=default)"
# (the fast-training comparison is skipped here: its one-hot training repeats the other test's)
ATEN_CPU_CAPABILITY=default cargo test --release --test reference --test exercises -- --skip training_through_the_counts
step "reference tests with one thread (OMP_NUM_THREADS=1)"
OMP_NUM_THREADS=1 MAKEMORE_EXPECT_THREADS=1 cargo test --release --test reference --test exercises -- --skip training_through_the_counts
step "notebooks, headless on the evcxr kernel (the first run compiles tch for the kernel: ~3 min)"
.venv/bin/python scripts/run-notebooks.py notebooks/*.ipynb
step "a notebook with a panicking cell must fail the run"
.venv/bin/python scripts/run-notebooks.py --expect-failure --out target/notebook-checks scripts/notebook-checks/panicking-cell.ipynb
