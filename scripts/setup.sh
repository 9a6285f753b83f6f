#!/usr/bin/env bash
# Set-up of what makemore-rs needs, from nothing but the package registries, in three sizes:
#
#   scripts/setup.sh cli        libtorch and the `makemore` binary                      (make cli)
#   scripts/setup.sh [lecture]  + the notebook runner, JupyterLab, lld, the Rust kernel  (make lecture, make lab)
#   scripts/setup.sh test       + Playwright and Chromium for the browser tests          (make test)
#
# Steps that do not depend on each other run side by side, each with its log in
# target/setup/STEP.log and one line when it starts and ends:
#   torch   pip: libtorch 2.13.0 (the `torch` wheel) into .venv; then `.libtorch` links to it
#   build   cargo build --release: the library and the `makemore` binary      (after torch)
#   python  pip: nbclient, nbconvert, JupyterLab (and Playwright) into .venv    (after torch)
#   system  apt-get: lld (and Chromium), as root on Debian/Ubuntu; elsewhere it says what to install
#   evcxr   cargo install evcxr_jupyter (the Rust Jupyter kernel; minutes, once); then its kernelspec
# Safe to run again: what is in place is checked in about a second, with no network.
#
# Variables: PYTHON (default python3); MAKEMORE_FULL_TORCH=1 for the full 4.7 GB torch
# install that also imports in Python; TORCH_DIR=<site-packages>/torch to use a torch 2.13.0
# you already have (e.g. conda's); MAKEMORE_CHROMIUM=<binary> for a Chromium installed
# elsewhere; CARGO_INSTALL_ROOT to put evcxr_jupyter somewhere else than ~/.cargo/bin.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
source scripts/jobs.sh

mode=${1:-lecture}
case "$mode" in cli | lecture | test) ;; *) die "usage: scripts/setup.sh [cli|lecture|test]" ;; esac

PYTHON=${PYTHON:-python3}
TORCH_PIN=2.13.0              # what tch 0.26 expects (tests check this against torch-sys)
CUDA_RUNTIME_PIN=13.0.96      # libtorch_cpu.so links libcudart.so.13 and libcupti.so.13
CUDA_CUPTI_PIN=13.0.85
EVCXR_PIN=0.22.0
JUPYTERLAB_PIN=4.6.6
PLAYWRIGHT_PIN=1.65.2         # drives the system's Chromium (its own browser download is not used)
KERNEL_NAME=makemore-rust
# evcxr_jupyter is built at opt-level 0, except for what it runs at every cell: rust-analyzer's
# type inference (hir and its syntax trees, database and interner) and the crates those lean on,
# at opt-level 1. rust-analyzer's IDE features (completion, assists, diagnostics: only used when
# you press Tab) stay at 0. Measured alone on a quiet 2-core AMD EPYC: opt-level 1 throughout,
# 291 s (485 CPU-s); this mix, 190 s (365 CPU-s), with notebooks as fast within 2 s; opt-level 0
# throughout, 86 s, but every cell twice as slow (the first after `:dep` 35 s: rust-analyzer
# reads tch's source). cargo install's default, opt-level 3: 690 CPU-s.
EVCXR_OPTIMIZED=(ra_ap_hir ra_ap_hir_def ra_ap_hir_expand ra_ap_hir_ty ra_ap_ide ra_ap_ide_db ra_ap_base_db
    ra_ap_cfg ra_ap_intern ra_ap_mbe ra_ap_parser ra_ap_project_model ra_ap_span ra_ap_stdx ra_ap_syntax
    ra_ap_syntax-bridge ra_ap_tt ra_ap_vfs ra-ap-rustc_abi ra-ap-rustc_index ra-ap-rustc_lexer
    ra-ap-rustc_next_trait_solver ra-ap-rustc_parse_format ra-ap-rustc_pattern_analysis ra-ap-rustc_type_ir
    rowan salsa evcxr evcxr_jupyter boxcar countme crossbeam-channel crossbeam-deque crossbeam-epoch
    crossbeam-utils dashmap either hashbrown indexmap intrusive-collections itertools la-arena memchr
    parking_lot parking_lot_core rayon rayon-core rustc-hash smallvec smol_str text-size tracing
    tracing-core triomphe)
EVCXR_BUILD=(env CARGO_PROFILE_RELEASE_OPT_LEVEL=0 cargo install evcxr_jupyter --version "$EVCXR_PIN" --locked)
for crate in "${EVCXR_OPTIMIZED[@]}"; do EVCXR_BUILD+=(--config "profile.release.package.\"$crate\".opt-level=1"); done

# --- what this machine must have ---------------------------------------------------
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is not installed: $2"; }
[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] \
    || die "this is $(uname -s) $(uname -m): libtorch from PyPI's torch wheel is used here, and that needs Linux on x86-64"
glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
printf '%s\n' 2.28 "${glibc:-0}" | sort -V -C \
    || die "glibc ${glibc:-unknown}: the torch $TORCH_PIN wheel needs glibc 2.28 or newer (Debian 10, Ubuntu 18.10, RHEL 8 or later)"
grep -qw avx2 /proc/cpuinfo 2>/dev/null \
    || printf 'warning: %s\n' "this CPU has no AVX2: libtorch draws random normals here with other code than on the machines that made the notebooks' PyTorch numbers (PyTorch itself would draw as we do), so the notebooks stop at their first check of such a draw; the CLI and the library work" >&2
need "$PYTHON" "install Python 3.10 or newer (e.g. apt-get install python3 python3-venv), or set PYTHON=/path/to/python3.X"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
    || die "$PYTHON is Python $("$PYTHON" -c 'import platform; print(platform.python_version())'); torch $TORCH_PIN and JupyterLab need 3.10 or newer: set PYTHON=/path/to/python3.X"
if [ -x .venv/bin/python ] && ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    die ".venv was made by Python $(.venv/bin/python -c 'import platform; print(platform.python_version())'), older than 3.10: remove it (rm -rf .venv) and run this again"
fi
need cargo "install Rust with rustup (https://rustup.rs)"
rust=$(rustc --version | awk '{print $2}')
printf '%s\n' 1.85 "$rust" | sort -V -C || die "Rust $rust: the crate is edition 2024, which needs Rust 1.85 or newer (rustup update)"
need c++ "install a C++ compiler (e.g. apt-get install g++): tch builds a small C++ glue library"

# --- in place already? (checked without network) -----------------------------------
torch_dir() {
    if [ -n "${TORCH_DIR:-}" ]; then echo "$TORCH_DIR"; else ls -d .venv/lib/python3*/site-packages/torch 2>/dev/null | head -n1; fi
}
torch_version() {
    local d; d=$(torch_dir)
    [ -n "$d" ] && sed -n "s/^__version__ = '\([0-9.]*\).*/\1/p" "$d/version.py" 2>/dev/null
}
torch_ready() { [ "$(torch_version)" = "$TORCH_PIN" ] && [ -e "$(torch_dir)/lib/libtorch_cpu.so" ]; }
pinned() {   # pinned NAME==VERSION...: all installed in .venv, checked without importing them
    .venv/bin/python - "$@" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
sys.exit(0 if all(version(n) == v for n, v in (a.split("==") for a in sys.argv[1:])) else 1)
PY
}
link_libtorch() {
    local target; target=$(torch_dir)
    if [ "$(readlink .libtorch 2>/dev/null)" != "$target" ]; then
        ln -sfn "$target" .libtorch
        say "linked .libtorch -> $target"
    fi
}

python_pins=()
[ "$mode" = cli ] || python_pins+=(nbclient==0.10.2 nbformat==5.10.4 nbconvert==7.17.2 "jupyterlab==$JUPYTERLAB_PIN")
[ "$mode" = test ] && python_pins+=("playwright==$PLAYWRIGHT_PIN")

can_apt=0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && grep -qiE '^(ID|ID_LIKE)=.*(debian|ubuntu)' /etc/os-release 2>/dev/null; then
    can_apt=1
fi
apt_packages=()
if [ "$mode" != cli ] && ! command -v ld.lld >/dev/null; then
    if [ "$can_apt" = 1 ]; then apt_packages+=(lld); else
        printf 'warning: %s\n' "lld is not installed: notebook cells link with the system linker, slower." \
            "  Install it (apt-get install lld, dnf install lld) for faster cells." >&2
    fi
fi
chromium=${MAKEMORE_CHROMIUM:-}
if [ "$mode" = test ] && [ -z "$chromium" ]; then
    for c in /usr/bin/chromium /usr/bin/chromium-browser; do [ -x "$c" ] && chromium=$c && break; done
    if [ -z "$chromium" ]; then
        if [ "$can_apt" = 1 ]; then apt_packages+=(chromium); else
            printf 'warning: %s\n' "no Chromium for the browser tests. Install it, e.g. as root:" \
                "  apt-get install chromium      (Debian; on Ubuntu use a non-snap Chromium or Google Chrome)" \
                "  or set MAKEMORE_CHROMIUM=/path/to/chromium. make lecture and make lab do not need it." >&2
        fi
    fi
fi

evcxr_ready() {   # (the list read whole first: grep -q stopping early would fail the pipe)
    local installed; installed=$(cargo install --list 2>/dev/null) || return 1
    grep -q "^evcxr_jupyter v$EVCXR_PIN:" <<<"$installed"
}
want_evcxr=0
[ "$mode" != cli ] && ! evcxr_ready && want_evcxr=1

# --- the steps -----------------------------------------------------------------------
make_venv() { [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv || die "could not create a virtualenv (apt-get install python3-venv?)"; }
pip=(.venv/bin/python -m pip install --progress-bar off --no-warn-conflicts)

if [ "$want_evcxr" = 1 ]; then
    job_start evcxr "cargo install evcxr_jupyter $EVCXR_PIN (the Rust Jupyter kernel; the longest step, once)" \
        "${EVCXR_BUILD[@]}"
fi
if [ ${#apt_packages[@]} -gt 0 ]; then
    # refresh the package lists only if apt does not know the packages yet
    job_start system "apt-get install ${apt_packages[*]}" bash -c \
        'apt-cache show "$@" >/dev/null 2>&1 || apt-get update -qq
         DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"' apt "${apt_packages[@]}"
fi

after_torch() {   # what needs libtorch in place
    make_venv
    link_libtorch
    job_start build "cargo build --release (the library and the makemore binary)" cargo build --release
    if [ ${#python_pins[@]} -eq 0 ]; then :
    elif pinned "${python_pins[@]}"; then say "ok    python: ${python_pins[*]} (in place)"
    else job_start python "pip install ${python_pins[*]}" "${pip[@]}" "${python_pins[@]}"
    fi
}
[ "$want_evcxr" = 1 ] || [ "$mode" = cli ] || say "ok    evcxr_jupyter $EVCXR_PIN (in place)"

if [ -n "${TORCH_DIR:-}" ]; then
    torch_ready || die "TORCH_DIR=$TORCH_DIR does not hold torch $TORCH_PIN"
    after_torch
elif torch_ready; then
    say "ok    torch $TORCH_PIN in .venv (in place)"
    after_torch
else
    # Only what libtorch_cpu needs (tch never imports the Python package), unless asked for all.
    packages=(--no-deps "torch==$TORCH_PIN" "nvidia-cuda-runtime==$CUDA_RUNTIME_PIN" "nvidia-cuda-cupti==$CUDA_CUPTI_PIN")
    size="libtorch only, 1.3 GB"
    need_gb=3; [ "$mode" = cli ] || need_gb=4   # .venv, target/, and evcxr's build while it runs
    if [ "${MAKEMORE_FULL_TORCH:-0}" = 1 ]; then
        packages=("torch==$TORCH_PIN") size="all of it, 4.7 GB"
        need_gb=$((need_gb + 5))   # and pip unpacks 2.5 GB of wheels beside it
    fi
    need_space "$need_gb" set-up
    job_start torch "pip install torch==$TORCH_PIN into .venv ($size)" \
        bash -c '{ [ -x .venv/bin/python ] || "$0" -m venv .venv; } && "$@"' "$PYTHON" "${pip[@]}" "${packages[@]}"
fi

while jobs_running; do
    job_next
    case "$JOB_ENDED" in
    torch)
        torch_ready || die "torch $TORCH_PIN did not install into .venv (see $JOBS_DIR/torch.log)"
        after_torch ;;
    evcxr)
        evcxr_ready || die "evcxr_jupyter $EVCXR_PIN did not install (see $JOBS_DIR/evcxr.log)" ;;
    esac
done
if [ "$mode" != cli ]; then
    scripts/write-kernelspec.sh "$KERNEL_NAME"   # gives the kernel libtorch (rewritten only if it changed)
    mkdir -p target/evcxr   # the kernels' build folders (scripts/evcxr-kernel.py)
fi
say "set-up ($mode) complete"
