#!/usr/bin/env bash
# Write the Jupyter kernelspec for the evcxr Rust kernel inside the project's virtualenv
# (.venv/share/jupyter/kernels/NAME), where Jupyter run from .venv finds it with no
# variables and nothing is written to the user's home. Its `env` gives the kernel the
# same libtorch the cargo build uses (notebooks/evcxr.toml keeps the kernel's build
# folder, so that `:dep` compiles tch once). GOMP_SPINCOUNT=10000: libtorch's OpenMP threads
# spin briefly between operations, then sleep. By default they spin for much longer, and on a
# busy machine that made each training step of lecture 2 thirty times slower (26 ms against
# 0.9 ms); never spinning (OMP_WAIT_POLICY=PASSIVE) wakes them for every operation, which made
# part 1's full-data training steps 5% slower (part 1 warm: 65.8 s against 68.4 s, three runs
# each) and lecture 2's small ones far slower (lecture 2 now computes on one thread). The
# numbers are the same either way.
#
# evcxr starts through scripts/evcxr-kernel.py, which gives each kernel a build folder of its
# own (two notebooks open at once, two kernels).
#
# The folder is deliberately not called `rust`: evcxr rewrites a `rust` kernelspec whose
# version.txt it does not recognise, dropping `env`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
name=${1:-makemore-rust}
root=$(pwd -P)
dir=.venv/share/jupyter/kernels/$name
mkdir -p "$dir"
evcxr=$(command -v evcxr_jupyter) || die "evcxr_jupyter is not installed (run scripts/setup.sh)"
libtorch=$(readlink -f .libtorch)
cat > "$dir/kernel.json.tmp" <<JSON
{
  "argv": ["$root/.venv/bin/python", "$root/scripts/evcxr-kernel.py", "$evcxr", "--control_file", "{connection_file}"],
  "display_name": "Rust (makemore)",
  "language": "rust",
  "interrupt_mode": "message",
  "env": {
    "LIBTORCH": "$libtorch",
    "LD_LIBRARY_PATH": "$libtorch/lib",
    "VIRTUAL_ENV": "$root/.venv",
    "RUST_BACKTRACE": "0",
    "GOMP_SPINCOUNT": "10000",
    "PATH": "$root/.venv/bin:$HOME/.cargo/bin:/usr/local/bin:/usr/bin:/bin"
  }
}
JSON
if ! cmp -s "$dir/kernel.json.tmp" "$dir/kernel.json" 2>/dev/null; then
    mv "$dir/kernel.json.tmp" "$dir/kernel.json"
    step "wrote kernelspec $dir"
else
    rm "$dir/kernel.json.tmp"
    ok "kernelspec $name"
fi
