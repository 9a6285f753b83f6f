#!/usr/bin/env bash
# The main job: the lectures end to end on data/names.txt with the CLI (part 1's bigrams, lecture 2's
# MLP, lecture 3's BatchNorm MLP), and part 1's notebook executed headless beside it. (Run
# scripts/setup.sh first; `make lecture` does both.) Outputs go to out/.
#
#   scripts/lecture.sh [WORDS.txt]    (make lecture WORDS=WORDS.txt)
# With a word list of your own (one word per line), the CLI part runs on it; the notebook,
# which checks the lecture's numbers on names.txt, is not run.
#
# One notebook, not all: a newcomer's first run stays within about ten minutes on a 2-core machine
# as the series grows (the set-up builds the Rust kernel, and the first notebook builds the
# kernel's crates, so `make lab` then opens warm). `make lecture-notebooks` executes every notebook
# the same way; `make lab` opens them in JupyterLab.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
mm=target/release/makemore
[ -x "$mm" ] || die "$mm is not built: run scripts/setup.sh (or make lecture)"
mkdir -p out
data=${1:-data/names.txt}
[ -f "$data" ] || die "no word list '$data' (give a file with one word per line)"

# Part 1's notebook (without a word list of your own) runs meanwhile, in the background: its first
# cell builds the kernel's crates, and most of its work is on one core, as is the CLI's.
notebooks=()
if [ -z "${1:-}" ]; then
    log=out/notebooks.log
    .venv/bin/python scripts/run-notebooks.py notebooks/part1_bigrams.ipynb >"$log" 2>&1 &
    notebooks=($!)
    trap 'kill "${notebooks[0]}" 2>/dev/null || true' EXIT   # if the CLI part fails
    step "part 1's notebook starts in the background (its log: $log); meanwhile, the CLI:"
fi

step "Part 1: counting bigrams, smoothing 1"
"$mm" train --input "$data" --model counts --out out/counts.safetensors
step "20 names from the counts (seed 2147483647)"
"$mm" sample --model out/counts.safetensors --num 20
step "average negative log likelihood of the training set"
"$mm" eval --model out/counts.safetensors --input "$data"

step "Part 2: the neural bigram, 200 steps of gradient descent (lr 50, reg 0.01)"
"$mm" train --input "$data" --model neural --steps 200 --out out/neural.safetensors
step "20 names from the network: almost the same as from the counts"
"$mm" sample --model out/neural.safetensors --num 20
"$mm" eval --model out/neural.safetensors --input "$data"

step "Lecture 2: the MLP (context 3, embedding 10, hidden 200; 200,000 minibatch steps) on CPython's 80/10/10 split"
"$mm" train --input "$data" --model mlp --split 80/10/10 --out out/mlp.safetensors
step "20 names from the MLP"
"$mm" sample --model out/mlp.safetensors --num 20

step "Lecture 3: the MLP with a BatchNorm layer (kaiming init, a small output layer; 200,000 steps)"
"$mm" train --input "$data" --model mlp --batchnorm --split 80/10/10 --out out/mlp-batchnorm.safetensors
step "20 names from the BatchNorm MLP"
"$mm" sample --model out/mlp-batchnorm.safetensors --num 20

step "the lecture's figure"
"$mm" heatmap --input "$data" --out out/bigram-counts.png
"$mm" heatmap --input "$data" --out out/bigram-counts.svg
step "the interactive explorer: open out/bigram-explorer.html in a browser (hover, click a row, smoothing, sampling)"
"$mm" heatmap --input "$data" --out out/bigram-explorer.html
if [ -n "${1:-}" ]; then
    ok "models (counts, neural, mlp, mlp-batchnorm), heatmap (out/bigram-counts.png, .svg) and explorer (out/bigram-explorer.html) of $data written to out/"
    exit 0
fi
step "part 1's notebook, executed headless (a copy with outputs, and HTML, in out/notebooks/)"
status=0
wait "${notebooks[0]}" || status=$?
cat "$log"
[ "$status" = 0 ] || die "the notebook failed (above; the executed copy is in out/notebooks/)"
ok "models, heatmap (out/bigram-counts.png, .svg), explorer (out/bigram-explorer.html) and part 1's executed notebook (out/notebooks/) written to out/"
ok "next: open out/bigram-explorer.html in a browser, and run make lab to work through the notebooks (Run > Run All Cells); make lecture-notebooks executes them all"
