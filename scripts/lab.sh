#!/usr/bin/env bash
# Open the lecture notebooks in JupyterLab on the project's Rust kernel.
# Installs JupyterLab into .venv the first time (~15 s, 240 MB). Extra arguments go
# to `jupyter lab` (e.g. --no-browser --port 8899).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
[ -x .venv/bin/python ] || die "run scripts/setup.sh (or make lecture) first"
if ! .venv/bin/python -c "import jupyterlab" 2>/dev/null; then
    step "installing JupyterLab into .venv"
    .venv/bin/pip install --progress-bar off --no-warn-conflicts jupyterlab==4.6.6
fi
mkdir -p target/evcxr
# Keep Jupyter's runtime, config and workspace files in the project, not in your home.
export JUPYTER_RUNTIME_DIR=$PWD/target/jupyter/runtime JUPYTER_CONFIG_DIR=$PWD/target/jupyter/config
export JUPYTERLAB_SETTINGS_DIR=$PWD/target/jupyter/lab-settings JUPYTERLAB_WORKSPACES_DIR=$PWD/target/jupyter/lab-workspaces
root_flag=()
[ "$(id -u)" = 0 ] && root_flag=(--allow-root)   # containers often run as root
step "starting JupyterLab on notebooks/ (kernel: Rust (makemore)); stop it with Ctrl-C"
exec .venv/bin/jupyter lab --notebook-dir=notebooks "${root_flag[@]}" "$@"
