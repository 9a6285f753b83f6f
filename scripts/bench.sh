#!/usr/bin/env bash
# Benchmarks side by side, on this machine: our Rust code (cargo bench --bench speed) and the
# lecture's PyTorch code (scripts/bench_pytorch.py), both with 2 threads; then `makemore run`
# and karpathy/makemore's makemore.py, in interleaved rounds (scripts/bench_zoo.py).
# Writes BENCHMARKS.md and docs/benchmarks.svg.
#
# The PyTorch baseline needs `import torch`, i.e. the full 4.7 GB install: it goes into
# .venv-bench (once, a few minutes, by scripts/pytorch-python.sh), apart from the lean
# libtorch in .venv.
# BENCH_PYTHON=/path/to/python uses another interpreter that has torch 2.13.0; ZOO_ROUNDS=N
# sets how many interleaved rounds makemore.py's types take (scripts/bench_zoo.py; 5).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
mkdir -p target/bench

python=$(scripts/pytorch-python.sh --path)

step "Rust: cargo bench --bench speed"
cargo bench --quiet --bench speed | tee target/bench/rust.jsonl
step "PyTorch: the lecture's code"
"$python" scripts/bench_pytorch.py 2>/dev/null | tee target/bench/pytorch.jsonl
step "makemore.py's types, both sides interleaved (${ZOO_ROUNDS:-5} rounds)"
cargo build --release --quiet
"$python" scripts/bench_zoo.py target/release/makemore target/bench/rust.jsonl target/bench/pytorch.jsonl "${ZOO_ROUNDS:-5}"
"$python" scripts/bench_report.py target/bench/rust.jsonl target/bench/pytorch.jsonl BENCHMARKS.md docs/benchmarks.svg
ok "wrote BENCHMARKS.md and docs/benchmarks.svg"
