#!/usr/bin/env bash
# One-time set-up of everything makemore-rs needs, from nothing but the package
# registries. Safe to run again: when all is in place it does no network and takes
# seconds.
#
#   1. a Python virtualenv `.venv` holding libtorch 2.13.0 (the `torch` wheel from PyPI:
#      tch 0.26 needs exactly this version, and the libtorch download site is not reachable)
#   2. `.libtorch`, a link to that torch package: `.cargo/config.toml` points tch at it,
#      and the build embeds its lib/ folder as an rpath (no LD_LIBRARY_PATH needed)
#   3. the notebook runner (nbclient, nbconvert), JupyterLab and Playwright for Python
#      in the same virtualenv
#   4. Chromium for the browser tests (apt-get, as root on Debian/Ubuntu; otherwise it
#      says what to install) and the lld linker for the notebook kernel (apt-get too)
#   5. evcxr_jupyter (cargo install, ~10 minutes once) and a project-local kernelspec
#   6. a release build of the library and the `makemore` binary
#
# Variables: PYTHON (default python3); MAKEMORE_FULL_TORCH=1 for the full 4.7 GB torch
# install that also imports in Python (needed only for the PyTorch benchmarks);
# TORCH_DIR=<site-packages>/torch to use a torch 2.13.0 you already have (e.g. conda's);
# MAKEMORE_CHROMIUM=<binary> to run the browser tests on a Chromium installed elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh

PYTHON=${PYTHON:-python3}
TORCH_PIN=2.13.0              # what tch 0.26 expects (tests check this against torch-sys)
CUDA_RUNTIME_PIN=13.0.96      # libtorch_cpu.so links libcudart.so.13 and libcupti.so.13
CUDA_CUPTI_PIN=13.0.85
EVCXR_PIN=0.22.0
JUPYTERLAB_PIN=4.6.6
PLAYWRIGHT_PIN=1.65.2         # drives the system's Chromium (its own browser download is not used)
KERNEL_NAME=makemore-rust

need() { command -v "$1" >/dev/null 2>&1 || die "$1 is not installed: $2"; }
need "$PYTHON" "install Python 3.9 or newer (e.g. apt-get install python3 python3-venv)"
need cargo "install Rust with rustup (https://rustup.rs)"
need c++ "install a C++ compiler (e.g. apt-get install g++): tch builds a small C++ glue library"

# --- 1. virtualenv with libtorch -------------------------------------------------
torch_dir() {
    if [ -n "${TORCH_DIR:-}" ]; then echo "$TORCH_DIR"; else ls -d .venv/lib/python3*/site-packages/torch 2>/dev/null | head -n1; fi
}
torch_version() {
    local d; d=$(torch_dir)
    [ -n "$d" ] && sed -n "s/^__version__ = '\([0-9.]*\).*/\1/p" "$d/version.py" 2>/dev/null
}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv || die "could not create a virtualenv (apt-get install python3-venv?)"
fi
if [ -n "${TORCH_DIR:-}" ]; then
    [ "$(torch_version)" = "$TORCH_PIN" ] || die "TORCH_DIR=$TORCH_DIR does not hold torch $TORCH_PIN"
    ok "torch $TORCH_PIN from TORCH_DIR"
elif [ "$(torch_version)" != "$TORCH_PIN" ] || [ ! -e "$(torch_dir)/lib/libtorch_cpu.so" ]; then
    free_gb=$(df -Pk . | awk 'NR==2 {print int($4 / 1048576)}')
    [ "$free_gb" -ge 3 ] || die "only ${free_gb} GB free here; libtorch needs about 3 GB (1.3 GB installed)"
    step "installing torch $TORCH_PIN from PyPI into .venv (about 1.3 GB; a few minutes)"
    if [ "${MAKEMORE_FULL_TORCH:-0}" = 1 ]; then
        .venv/bin/pip install --progress-bar off "torch==$TORCH_PIN"
    else
        # Only what libtorch_cpu needs: tch never imports the Python package.
        .venv/bin/pip install --progress-bar off --no-deps "torch==$TORCH_PIN" \
            "nvidia-cuda-runtime==$CUDA_RUNTIME_PIN" "nvidia-cuda-cupti==$CUDA_CUPTI_PIN"
    fi
    [ "$(torch_version)" = "$TORCH_PIN" ] || die "torch $TORCH_PIN did not install into .venv"
else
    ok "torch $TORCH_PIN in .venv"
fi

# --- 2. the link tch builds against ----------------------------------------------
target=$(torch_dir)
if [ "$(readlink .libtorch 2>/dev/null)" != "$target" ]; then
    ln -sfn "$target" .libtorch
    step "linked .libtorch -> $target"
fi

# --- 3. notebook runner, JupyterLab, Playwright ------------------------------------
if ! .venv/bin/python -c "import nbclient, nbformat, nbconvert" 2>/dev/null; then
    step "installing nbclient and nbconvert (run notebooks headless, write HTML)"
    .venv/bin/pip install --progress-bar off --no-warn-conflicts nbclient==0.10.2 nbformat==5.10.4 \
        jupyter_client==8.6.3 nbconvert==7.17.2
else
    ok "nbclient"
fi
# pinned versions, checked without importing (quick when they are in place)
pinned() {
    .venv/bin/python - "$@" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(0 if all(version(n) == v for n, v in (a.split("==") for a in sys.argv[1:])) else 1)
PY
}
if ! pinned "jupyterlab==$JUPYTERLAB_PIN" "playwright==$PLAYWRIGHT_PIN"; then
    step "installing JupyterLab $JUPYTERLAB_PIN and Playwright $PLAYWRIGHT_PIN (make lab, and the browser tests)"
    .venv/bin/pip install --progress-bar off --no-warn-conflicts "jupyterlab==$JUPYTERLAB_PIN" "playwright==$PLAYWRIGHT_PIN"
else
    ok "JupyterLab $JUPYTERLAB_PIN, Playwright $PLAYWRIGHT_PIN"
fi

# --- 4. system packages: Chromium (browser tests), lld (faster notebook cells) ---------
# From apt, as root on Debian or Ubuntu; anywhere else set-up says what to install.
apt_install() {   # apt_install PACKAGE...: refresh the package lists only if needed
    if ! apt-cache show "$@" >/dev/null 2>&1; then
        apt-get update -qq
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
can_apt=0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && grep -qiE '^(ID|ID_LIKE)=.*(debian|ubuntu)' /etc/os-release 2>/dev/null; then
    can_apt=1
fi
chromium=${MAKEMORE_CHROMIUM:-}
if [ -z "$chromium" ]; then
    for c in /usr/bin/chromium /usr/bin/chromium-browser; do [ -x "$c" ] && chromium=$c && break; done
fi
if [ -n "$chromium" ] && [ -x "$chromium" ]; then
    ok "Chromium ($chromium)"
elif [ "$can_apt" = 1 ]; then
    step "installing chromium (apt-get; the browser tests drive it headless)"
    apt_install chromium
    ok "Chromium (/usr/bin/chromium)"
else
    printf 'warning: %s\n' "no Chromium for the browser tests (make test). Install it, e.g. as root:" \
        "  apt-get install chromium      (Debian; on Ubuntu use a non-snap Chromium or Google Chrome)" \
        "  or set MAKEMORE_CHROMIUM=/path/to/chromium. make lecture and make lab do not need it." >&2
fi
if command -v ld.lld >/dev/null; then
    ok "lld ($(command -v ld.lld))"
elif [ "$can_apt" = 1 ]; then
    step "installing lld (apt-get; the notebook kernel links each cell with it, faster than ld)"
    apt_install lld
    ok "lld"
else
    printf 'warning: %s\n' "lld is not installed: notebook cells link with the system linker, slower." \
        "  Install it (apt-get install lld, dnf install lld, brew install llvm) for faster cells." >&2
fi

# --- 5. the Rust Jupyter kernel ----------------------------------------------------
if ! cargo install --list | grep -q "^evcxr_jupyter v$EVCXR_PIN:"; then
    step "installing evcxr_jupyter $EVCXR_PIN (cargo install; about 10 minutes, once)"
    cargo install evcxr_jupyter --version "$EVCXR_PIN" --locked
else
    ok "evcxr_jupyter $EVCXR_PIN"
fi
scripts/write-kernelspec.sh "$KERNEL_NAME"
mkdir -p target/evcxr   # the kernel's build folder (notebooks/evcxr.toml)

# --- 6. build --------------------------------------------------------------------
step "building makemore (release; the first build compiles libtorch's glue, ~2-4 minutes)"
cargo build --release --quiet
ok "set-up complete"
