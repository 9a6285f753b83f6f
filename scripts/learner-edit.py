"""A learner's edit, run in both kernels: part 2 with its 1,000-step minibatch cell changed
to 1,500 steps.

    .venv/bin/python scripts/learner-edit.py [--out DIR]

The notebooks are for learners, who change numbers. In the kernel `make lab` starts
(lenient checks, variables kept over a panic: scripts/lab.sh) the edited notebook must run to
its last cell: the checks of that cell print one line each ("note: ... differs from the
lecture's run ...") instead of stopping it, and no later cell loses a variable. Under the
tests' kernel (strict) the same notebook must fail, at that cell: the tests still catch any
number that differs from PyTorch's. Either outcome otherwise fails this script.
"""
import argparse
import copy
import importlib.util
import os
import sys

import nbformat

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
spec = importlib.util.spec_from_file_location("run_notebooks", os.path.join(ROOT, "scripts", "run-notebooks.py"))
runner = importlib.util.module_from_spec(spec)
spec.loader.exec_module(runner)

NOTEBOOK = os.path.join(ROOT, "notebooks", "part2_mlp.ipynb")
# The minibatch cell: the one whose losses are checked against this key.
MARK = '"minibatch.losses"'
LOOP, EDITED = "for _ in 0..1000 {", "for _ in 0..1500 {"
# Lines the lenient run must print in the edited cell: the run's other length, and the loss
# over all the data after training.
NOTES = ["note: minibatch.losses: 1500 steps here, 1000 in the lecture's run", "note: minibatch.loss_all differs from the lecture's run"]


def edited():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    hits = [i for i in code if MARK in nb.cells[i].source and LOOP in nb.cells[i].source]
    if len(hits) != 1:
        sys.exit(f"error: {len(hits)} cells of {NOTEBOOK} hold both {MARK} and `{LOOP}`: update scripts/learner-edit.py")
    nb.cells[hits[0]].source = nb.cells[hits[0]].source.replace(LOOP, EDITED)
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    return nb, hits[0], code[-1]


def text(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(ROOT, "target", "notebook-checks", "learner-edit"))
    args = parser.parse_args()
    nb, at, last = edited()
    cwd = os.path.dirname(NOTEBOOK)
    problems = []

    runner.kernel_environment(as_lab=True)
    ok, seconds, message, _, done = runner.run(os.path.join(args.out, "lab", "part2_1500.ipynb"), os.path.join(args.out, "lab"), copy.deepcopy(nb), cwd)
    print(f"==> as make lab starts the kernel: {'ran to the end' if ok else 'FAILED'} in {seconds:.1f} s", file=sys.stderr)
    lines = [line for line in text(done.cells[at]).splitlines() if line.startswith("note:")]
    for line in lines:
        print(f"    {line}", file=sys.stderr)
    if not ok:
        problems.append(f"the lenient run failed: {message}")
    for want in NOTES:
        if not any(line.startswith(want) for line in lines):
            problems.append(f"the edited cell did not print `{want}...`")
    if done.cells[last].get("execution_count") is None or not done.cells[last].get("outputs"):
        problems.append("the last code cell did not run (or printed nothing)")
    lost = [i for i, c in enumerate(done.cells) if "cannot find value" in text(c) or "panicked at" in text(c)]
    if lost:
        problems.append(f"cells {lost} lost a variable or panicked")

    runner.kernel_environment(as_lab=False)
    ok, seconds, message, _, done = runner.run(os.path.join(args.out, "strict", "part2_1500.ipynb"), os.path.join(args.out, "strict"), copy.deepcopy(nb), cwd)
    ran = [i for i, c in enumerate(done.cells) if c.cell_type == "code" and c.get("execution_count") is not None]
    print(f"==> under the tests' kernel: {'ran to the end' if ok else 'failed'} in {seconds:.1f} s; last cell run: {ran[-1] if ran else None} (the edited cell: {at})", file=sys.stderr)
    said = [line for line in (message or "").splitlines() if "check failed" in line] or (message or "").strip().splitlines()[:1]
    print(f"    {said[0] if said else ''}", file=sys.stderr)
    if ok:
        problems.append("the strict run passed: a number that differs from PyTorch's must fail the tests")
    elif not ran or ran[-1] != at:
        problems.append(f"the strict run failed at cell {ran[-1] if ran else None}, not at the edited cell {at}")

    for p in problems:
        print(f"  - {p}", file=sys.stderr)
    print(f"learner edit: {'ok' if not problems else 'FAILED'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
