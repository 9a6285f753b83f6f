#!/usr/bin/env bash
# Write the Jupyter kernelspec for the evcxr Rust kernel inside the project's virtualenv
# (.venv/share/jupyter/kernels/NAME), where Jupyter run from .venv finds it with no
# variables and nothing is written to the user's home. Its `env` gives the kernel the
# same libtorch the cargo build uses (notebooks/evcxr.toml keeps the kernel's build
# folder, so that `:dep` compiles tch once). OMP_WAIT_POLICY=PASSIVE: libtorch's OpenMP
# threads sleep instead of spinning while they wait; on a busy machine spinning threads made
# each training step of lecture 2 thirty times slower (26 ms against 0.9 ms), with the same
# numbers either way.
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
  "argv": ["$evcxr", "--control_file", "{connection_file}"],
  "display_name": "Rust (makemore)",
  "language": "rust",
  "interrupt_mode": "message",
  "env": {
    "LIBTORCH": "$libtorch",
    "LD_LIBRARY_PATH": "$libtorch/lib",
    "VIRTUAL_ENV": "$root/.venv",
    "RUST_BACKTRACE": "0",
    "OMP_WAIT_POLICY": "PASSIVE",
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
