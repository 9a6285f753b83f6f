#!/usr/bin/env bash
# All the tests: the library's unit and doc tests, the reference tests against
# PyTorch's numbers, the CLI tests, and the notebooks run headless.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
step "cargo test (release profile: the same build as the CLI)"
cargo test --release --workspace
