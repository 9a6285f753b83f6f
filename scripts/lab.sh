#!/usr/bin/env bash
# Open the lecture notebook in JupyterLab on the project's Rust kernel.
# JupyterLab is installed into .venv by scripts/setup.sh (make lab runs it first).
# Extra arguments go to `jupyter lab` (e.g. --no-browser --port 8899).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
.venv/bin/python -c "import jupyterlab" 2>/dev/null || die "JupyterLab is not installed in .venv: run scripts/setup.sh (or make lab)"
mkdir -p target/evcxr
# Keep Jupyter's runtime, config, workspace and checkpoint files in the project, not in
# your home or next to the notebooks.
export JUPYTER_RUNTIME_DIR=$PWD/target/jupyter/runtime JUPYTER_CONFIG_DIR=$PWD/target/jupyter/config
export JUPYTERLAB_SETTINGS_DIR=$PWD/target/jupyter/lab-settings JUPYTERLAB_WORKSPACES_DIR=$PWD/target/jupyter/lab-workspaces
# The learner's kernel (the kernel inherits the server's environment; the tests start theirs
# strict, scripts/run-notebooks.py and scripts/browser/labserver.py):
# - MAKEMORE_CHECKS=lenient: a check whose number differs from the lecture's run, because you
#   changed a number, prints one line and the cell goes on (makemore::check's docs). A genuine
#   error (a NaN, tensors of other sizes) still stops the cell.
# - scripts/lab-kernel/init.evcxr turns evcxr's preserve_vars_on_panic back on, so that a cell
#   that panics keeps the variables of the cells before it (notebooks/evcxr.toml turns it off
#   for the tests, where a panic must end the run). evcxr reads that file from EVCXR_CONFIG_DIR,
#   and only while notebooks/evcxr.toml has no [dependencies] table (scripts/learner-edit.py
#   checks that a panic keeps the variables in this kernel).
export MAKEMORE_CHECKS=lenient EVCXR_CONFIG_DIR=$PWD/scripts/lab-kernel
root_flag=()
[ "$(id -u)" = 0 ] && root_flag=(--allow-root)   # containers often run as root
step "starting JupyterLab on notebooks/ (kernel: Rust (makemore)); stop it with Ctrl-C"
exec .venv/bin/jupyter lab --notebook-dir=notebooks "--FileCheckpoints.checkpoint_dir=$PWD/target/jupyter/checkpoints" \
    "--config=$PWD/scripts/lab_config.py" \
    "${root_flag[@]}" "$@"
