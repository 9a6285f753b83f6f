#!/usr/bin/env bash
# Regenerate the PyTorch reference numbers the tests compare with, on this machine:
# writes makemore-lib/tests/fixtures/<vendor>/{names,accents}-reference.json (vendor:
# intel or amd, from /proc/cpuinfo) with scripts/make_reference.py (lecture 1) and
# .../<vendor>/{names,accents}-mlp.json with scripts/make_reference_mlp.py (lecture 2),
# .../<vendor>/{names,accents}-bn.json with scripts/make_reference_bn.py (lecture 3's BatchNorm MLP),
# .../<vendor>/names-bn-notebook.json with scripts/make_reference_bn_notebook.py (lecture 3's notebook),
# .../<vendor>/names-backprop.json with scripts/make_reference_backprop.py (lecture 4's notebook and exercise 4),
# .../<vendor>/nn-layers.json with scripts/make_reference_nn.py (the network core's layers and optimizers),
# .../<vendor>/{names,accents}-wavenet.json with scripts/make_reference_wavenet.py (lecture 5's WaveNet),
# .../<vendor>/names-wavenet-notebook.json with scripts/make_reference_wavenet_notebook.py (lecture 5's notebook),
# .../<vendor>/{names,accents}-zoo.json with scripts/make_reference_zoo.py (karpathy/makemore's makemore.py, its six types),
# and tests/fixtures/cpython-shuffle.json (CPython's own shuffles, for the split) with
# scripts/make_shuffle_reference.py. Needs `import torch`, i.e. the full torch 2.13.0:
# scripts/pytorch-python.sh installs it into .venv-bench (once, 4.7 GB, a few minutes).
# REFERENCE_PYTHON=/path/to/python uses another interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh

python=$(scripts/pytorch-python.sh --path)
# OpenMP threads that sleep rather than spin while they wait: the same numbers, and no
# collapse to 25 ms a step when other work shares the cores
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
version=$("$python" -c "import torch; print(torch.__version__)")
step "PyTorch $version: the lecture's steps on names.txt and accents.txt (about a minute)"
"$python" scripts/make_reference.py
step "PyTorch $version: lecture 2, the MLP's 200,000 steps on names.txt and accents.txt (a few minutes)"
"$python" scripts/make_reference_mlp.py
step "PyTorch $version: lecture 3, the BatchNorm MLP's 200,000 steps on names.txt and accents.txt (several minutes)"
"$python" scripts/make_reference_bn.py
step "PyTorch $version: lecture 3's notebook (its initialisations, the loss log's four 200,000-step trainings, the six-layer network; a few minutes)"
"$python" scripts/make_reference_bn_notebook.py
step "PyTorch $version: lecture 4, the backward pass by hand (its 26 gradients, exercise 4's 200,000 steps; a few minutes)"
"$python" scripts/make_reference_backprop.py
step "PyTorch $version: the network core's layers and optimizers (seconds)"
"$python" scripts/make_reference_nn.py
step "PyTorch $version: lecture 5, the WaveNet's 200,000 steps on names.txt and accents.txt (about 12 minutes)"
"$python" scripts/make_reference_wavenet.py
step "PyTorch $version: lecture 5's notebook (the batch of 4 through the network, the performance log's four 200,000-step trainings, exercise (a)'s three runs; about 35 minutes)"
"$python" scripts/make_reference_wavenet_notebook.py
step "CPython's shuffles for the train/dev/test split"
"$python" scripts/make_shuffle_reference.py
step "PyTorch $version: the lecture-2 notebook's exercises (E01's five 200,000-step tries, E03; tens of minutes)"
"$python" scripts/make_reference_mlp_notebook.py
step "PyTorch $version: karpathy/makemore's makemore.py, its six types for 510 steps on names.txt and accents.txt (about a minute)"
"$python" scripts/make_reference_zoo.py
ok "reference fixtures written (see the paths above; compare with: git diff --stat)"
