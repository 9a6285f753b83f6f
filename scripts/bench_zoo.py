"""makemore.py's six types for `make bench`, both sides interleaved: `makemore run` against
karpathy/makemore's `makemore.py` itself (scripts/makemore_py, run as make_reference_zoo.py
runs it), round after round.

    python bench_zoo.py MAKEMORE_BINARY RUST_OUT.jsonl PYTORCH_OUT.jsonl [ROUNDS=5]

A row is the median of the step times a run prints (every 10th of 300 steps, step 0 left
out), with makemore.py's data loader in the main process (--num-workers 0: the same
batches). Each round runs, for each type: ours (at the reference's threads: two for the MLP
and the Transformer, one for the others, as `makemore run` defaults to on two cores),
makemore.py on 2 threads and on one; for the Transformer, ours with --fast too, right after
ours without. Odd rounds run ours first, even rounds makemore.py. On a machine whose speed
drifts (a shared virtual machine moves by up to half within minutes), one run of each side
after the other compares two different machines; round after round, both sides see the same
drift. Each case's number is the median
of its rounds' medians, with the lowest and highest round beside it. Appends one JSON object
per case to each output file.
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_reference_zoo  # noqa: E402  (sets one thread on import)

# makemore.py's loader asks for pinned memory, which a machine without a GPU ignores
warnings.filterwarnings("ignore", message=".*pin_memory.*")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORDS = os.path.join(ROOT, "data", "names.txt")
STEPS = 300
STEP_TIME = re.compile(r"^step [1-9]\d* \| .* step time ([0-9.]+)ms$", re.M)


def median_step(printed):
    """The median step time in seconds of a run's printed lines."""
    ms = [float(m) for m in STEP_TIME.findall(printed)]
    if len(ms) != STEPS // 10 - 1:
        raise SystemExit(f"bench_zoo: a run printed {len(ms)} step times, expected {STEPS // 10 - 1}")
    return statistics.median(ms) / 1000


def ours(binary, kind, work, more=()):
    threads = str(make_reference_zoo.THREADS.get(kind, 1))
    out = subprocess.run(
        [binary, "run", "--type", kind, "--max-steps", str(STEPS), "--num-workers", "0", "--threads", threads,
         "-i", WORDS, "-o", work, *more],
        capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"bench_zoo: makemore run --type {kind} failed: {out.stderr.strip()}")
    return median_step(out.stdout)


def theirs(kind, threads):
    torch.set_num_threads(threads)
    return median_step(make_reference_zoo.run(WORDS, kind, STEPS, raw=True)[0])


def row(case, rounds):
    return {"case": case, "seconds": statistics.median(rounds), "runs": len(rounds),
            "low": min(rounds), "high": max(rounds)}


def main(binary, rust_out, py_out, rounds=5):
    cases = {}
    with tempfile.TemporaryDirectory() as work:
        for r in range(int(rounds)):
            for kind in make_reference_zoo.TYPES:
                mine = [(("rust", f"zoo {kind}: one step"), lambda: ours(binary, kind, work))]
                if kind == "transformer":  # and its fused kernels (ours: --fast)
                    mine.append((("rust", "zoo transformer --fast: one step"),
                                 lambda: ours(binary, kind, work, ["--fast"])))
                theirs_ = [
                    (("pytorch", f"zoo {kind}: one step"), lambda: theirs(kind, 2)),
                    (("pytorch", f"zoo {kind}: one step, one thread"), lambda: theirs(kind, 1)),
                ]
                for case, measure in (mine + theirs_ if r % 2 == 0 else theirs_ + mine):
                    cases.setdefault(case, []).append(measure())
            print(f"bench_zoo: round {r + 1} of {rounds}: "
                  + ", ".join(f"{k} {cases[('rust', f'zoo {k}: one step')][-1] * 1e3:.2f} ms against "
                              f"{cases[('pytorch', f'zoo {k}: one step')][-1] * 1e3:.2f}"
                              for k in make_reference_zoo.TYPES)
                  + f", transformer --fast {cases[('rust', 'zoo transformer --fast: one step')][-1] * 1e3:.2f} ms",
                  file=sys.stderr, flush=True)
    for side, path in [("rust", rust_out), ("pytorch", py_out)]:
        with open(path, "a", encoding="utf-8") as f:
            for (s, case), rounds_ in cases.items():
                if s == side:
                    f.write(json.dumps(row(case, rounds_)) + "\n")


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
