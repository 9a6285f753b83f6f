"""Combine the Rust and PyTorch timings into BENCHMARKS.md and a bar chart (SVG).

    python bench_report.py RUST.jsonl PYTORCH.jsonl OUT.md OUT.svg
"""
import json
import math
import os
import platform
import re
import sys

# (what is measured, PyTorch case, our case): each row compares like with like.
ROWS = [
    ("count the bigrams of names.txt", "count: lecture loop, N[ix1, ix2] += 1", "count: lecture loop, N[ix1, ix2] += 1"),
    ("count the bigrams of names.txt", "count: Python dict", "count: vectorised"),
    ("count the bigrams of names.txt", "count: lecture loop, N[ix1, ix2] += 1", "count: vectorised"),
    ("one full-batch training step", "one step: lecture one-hot", "one step: lecture one-hot"),
    ("100 training steps", "100 steps: one-hot", "100 steps: one-hot"),
    ("100 training steps", "100 steps: one-hot", "100 steps: through the counts"),
    ("sample 1,000 names", "sample 1000: lecture loop", "sample 1000: lecture loop"),
    ("sample 1,000 names", "sample 1000: lecture loop", "sample 1000: all words at once"),
    ("sample 10,000 names", "sample 10000: lecture loop", "sample 10000: lecture loop"),
    ("sample 10,000 names", "sample 10000: lecture loop", "sample 10000: all words at once"),
    ("MLP: 1,000 minibatch steps", "mlp: 1000 steps", "mlp: 1000 steps"),
    ("MLP: the lecture's 200,000 steps", "mlp: 200000 steps, the lecture's run", "mlp: 200000 steps, the lecture's run"),
    ("MLP: 1,000 minibatch steps, PyTorch on one thread too", "mlp: 1000 steps, one thread", "mlp: 1000 steps"),
    ("MLP: 200,000 steps, PyTorch on one thread too", "mlp: 200000 steps, one thread", "mlp: 200000 steps, the lecture's run"),
    ("BatchNorm MLP: 1,000 minibatch steps", "bn mlp: 1000 steps", "bn mlp: 1000 steps"),
    ("BatchNorm MLP: the lecture's 200,000 steps", "bn mlp: 200000 steps, the lecture's run", "bn mlp: 200000 steps, the lecture's run"),
    ("BatchNorm MLP: 200,000 steps, PyTorch on one thread too", "bn mlp: 200000 steps, one thread", "bn mlp: 200000 steps, the lecture's run"),
    ("WaveNet: 1,000 minibatch steps", "wavenet: 1000 steps", "wavenet: 1000 steps"),
    ("WaveNet: the lecture's 200,000 steps", "wavenet: 200000 steps, the lecture's run", "wavenet: 200000 steps, the lecture's run"),
    ("WaveNet: 1,000 minibatch steps, PyTorch on one thread too", "wavenet: 1000 steps, one thread", "wavenet: 1000 steps"),
    ("process start to first tensor op", "start-up: process start to first tensor op", "start-up: process start to first tensor op"),
] + [
    (f"makemore.py --type {kind}: one step{what}", f"zoo {kind}: one step{suffix}", f"zoo {kind}: one step")
    for suffix, what in [("", ""), (", one thread", ", PyTorch on one thread too")]
    for kind in ["bigram", "mlp", "rnn", "gru", "bow", "transformer"]
] + [
    ("makemore.py --type transformer: ours with --fast", "zoo transformer: one step", "zoo transformer --fast: one step"),
    ("makemore run --type transformer: --fast against ours without", "ours: zoo transformer: one step",
     "zoo transformer --fast: one step"),
]


def load(path):
    """Each case's last record (`seconds`; `low` and `high` for interleaved rounds)."""
    with open(path, encoding="utf-8") as f:
        return {r["case"]: r for r in map(json.loads, filter(str.strip, f))}


def seconds_text(s):
    return f"{s * 1e3:.2f} ms" if s < 1 else f"{s:.2f} s"


def fmt(record, case=""):
    """Seconds as ms or s; for a case of N steps, also the time per step; for interleaved
    rounds, the lowest and highest round."""
    s = record["seconds"]
    out = seconds_text(s)
    steps = re.search(r"(\d+) steps", case)
    if steps:
        out += f" ({s / int(steps.group(1)) * 1e6:.0f} µs/step)"
    if "low" in record:
        low, high = seconds_text(record["low"]), seconds_text(record["high"])
        if low.split()[1] == high.split()[1]:
            low = low.split()[0]
        out += f" ({low}–{high}, {record['runs']} rounds)"
    return out


def cpu():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def svg_chart(rows):
    """Horizontal bars of the speed-up (PyTorch time / ours), log scale."""
    width, bar, gap, left = 760, 22, 8, 330
    height = 40 + len(rows) * (bar + gap)
    top = max(r[3] for r in rows)
    scale = (width - left - 90) / math.log10(max(top, 10))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           '<text x="10" y="20" font-size="14">speed-up over the PyTorch lecture code (log scale; 1× = as fast)</text>']
    for k, (what, py, ours, ratio) in enumerate(rows):
        y = 34 + k * (bar + gap)
        w = max(2, scale * math.log10(max(ratio, 1.0))) if ratio >= 1 else 2
        colour = "#2171b5" if ratio >= 1 else "#cb181d"
        out.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{what}: {ours}</text>')
        out.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour}"/>')
        out.append(f'<text x="{left + w + 6:.1f}" y="{y + 15}">{ratio:,.1f}×</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(rust_path, py_path, md_path, svg_path):
    rust, py = load(rust_path), load(py_path)
    rows, table = [], []
    for what, py_case, our_case in ROWS:
        # a baseline "ours: CASE" is our CASE (a row of ours against ours)
        base = rust.get(py_case[len("ours: "):]) if py_case.startswith("ours: ") else py.get(py_case)
        if base is None or our_case not in rust:
            continue
        ratio = base["seconds"] / rust[our_case]["seconds"]
        rows.append((what, py_case, our_case, ratio))
        table.append(f"| {what} | {py_case.split(': ')[-1]} {fmt(base, py_case)} | {our_case.split(': ', 1)[-1]} {fmt(rust[our_case], our_case)} | **{ratio:,.1f}×** |")
    md = [
        "# Benchmarks",
        "",
        "Made by `make bench` (`scripts/bench.sh`): our code (`cargo bench --bench speed`) and the",
        "lecture's own PyTorch code (`scripts/bench_pytorch.py`), one after the other on the same machine,",
        "both with 2 threads; medians of several runs after a warm-up. makemore.py's rows are measured",
        "otherwise, in interleaved rounds (`scripts/bench_zoo.py`, below). Ratio = PyTorch time / our",
        "time (above 1: we are faster).",
        "",
        f"Machine: {cpu()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; threads: 2.",
        "",
        "| task | PyTorch (lecture code) | makemore-rs | ratio |",
        "|---|---|---|---|",
        *table,
        "",
        "![speed-ups](docs/benchmarks.svg)",
        "",
        "In the lectures' rows every fast path gives the lecture's numbers: training through the counts",
        "matches the one-hot losses and weights to ≤ 1e-5 and samples the same 20 names (tests/reference.rs); the batched",
        "sampler draws from the same distribution (chi-square test in tests/sampling.rs) but not the",
        "same words as the one-at-a-time loop. The MLP rows run the lecture's computation with the same",
        "ATen calls as PyTorch and give its losses bit for bit on one machine (tests/mlp.rs). Our MLP",
        "computes on one libtorch thread (`makemore::on_one_thread`: its tensors are small, and a second",
        "thread only adds the cost of waking it); PyTorch runs the lecture's loop with its 2 threads, and",
        "again on one. The BatchNorm MLP rows are lecture 3's network (cells 6-7) and the WaveNet rows",
        "lecture 5's final network (76,579 parameters, context 8, built from the library's layers), both",
        "through the library's trainer. Like the MLP, both train with their backward pass written",
        "out: the ATen calls that `loss.backward()` makes for the lecture's graph, in autograd's order,",
        "without the graph's bookkeeping, so their losses are PyTorch's bit for bit too (tests/batchnorm.rs,",
        "tests/wavenet.rs: the WaveNet's 200,000 steps to the saved parameters).",
        "The makemore.py rows are karpathy/makemore's `makemore.py` itself (scripts/makemore_py) against",
        "`makemore run` on its default threads (the MLP and the Transformer on libtorch's default, 2 here, as",
        "makemore.py computes; the other types on one, which is faster for their small operations), each",
        "the median of the step times the run prints (every 10th of 300 steps, step 0 left out), with",
        "makemore.py's data loader in the main process (`--num-workers 0`: the same batches); both give",
        "the same numbers bit for bit at the same threads (tests/zoo.rs). The RNN and the GRU train with",
        "their backward pass written out as well (the same bits); the other types through autograd.",
        "These rows are measured in rounds, both sides interleaved (`scripts/bench_zoo.py`: each round",
        "runs each type in `makemore run`, then in makemore.py on two threads and on one), because a",
        "shared virtual machine's speed drifts by up to half within minutes, most for the types on two",
        "threads: one side after the other would compare two different machines. Each row gives the",
        "median of the rounds' medians, and in brackets the lowest and the highest round. The last two rows",
        "are our Transformer with `--fast`: libtorch's fused attention and GELU, not makemore.py's numbers",
        "bit for bit but the same function (README, \"Fast\"), against makemore.py and against our",
        "Transformer without it, run right before it in each round.",
        "",
    ]
    with open(md_path, "w", encoding="utf-8") as f:
        f.write("\n".join(md))
    with open(svg_path, "w", encoding="utf-8") as f:
        f.write(svg_chart(rows))
    print("\n".join(table))


if __name__ == "__main__":
    main(*sys.argv[1:5])
