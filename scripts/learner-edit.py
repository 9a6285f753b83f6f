"""A learner's edit, run in both kernels: part 2 with its 1,000-step minibatch cell changed
to 1,500 steps (and, in make lab's kernel, the cells that draw run twice).

    .venv/bin/python scripts/learner-edit.py [--out DIR]

The notebooks are for learners, who change numbers. In the kernel `make lab` starts
(lenient checks, variables kept over a panic: scripts/lab.sh) the edited notebook must run to
its last cell: the checks of that cell print one line each ("note: ... differs from the
lecture's run ...") instead of stopping it, and no later cell loses a variable. Under the
tests' kernel (strict) the same notebook must fail, at that cell: the tests still catch any
number that differs from PyTorch's. Either outcome otherwise fails this script.

A learner also runs a cell again. In the lenient run, each cell that draws random numbers or
shuffles (the split, the draws of W1 and W2, the training on 32 examples) runs twice in a
row: the second run must give what the first gave, so the checks after it must print no note
(the split's checks, `assert_eq!`, would stop the run).
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
# The line the lenient run must print in the edited cell's checks: the run's other length. (On a
# machine like the reference's, where the loss after training is checked bit for bit, a second
# note says that it differs.)
NOTES = ["note: minibatch.losses: 1500 steps here, 1000 in the lecture's run"]
# Cells run twice in the lenient run: each one's mark (a line of its source).
TWICE = ["random.shuffle(&mut words);", "(the stream where C's cell left it", "(the stream where W1's cell left it", "copies of the drawn five"]


def twice(nb):
    """`nb` with each cell marked in TWICE followed by a copy of itself."""
    for mark in TWICE:
        hits = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and mark in c.source]
        if len(hits) != 1:
            sys.exit(f"error: {len(hits)} cells of {NOTEBOOK} hold `{mark}`: update scripts/learner-edit.py")
        nb.cells.insert(hits[0] + 1, copy.deepcopy(nb.cells[hits[0]]))
        nb.cells[hits[0] + 1].id = nb.cells[hits[0]].id + "-again"
    return nb


def edited():
    """The notebook with the minibatch cell's loop edited, the index of that cell, and the
    index of the cell holding its checks (MARK): the cell itself, or the checks cell after it."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    loops = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and LOOP in c.source]
    checks = [i for i in loops if MARK in nb.cells[i].source or (i + 1 < len(nb.cells) and MARK in nb.cells[i + 1].source)]
    if len(checks) != 1:
        sys.exit(f"error: {len(checks)} cells of {NOTEBOOK} hold `{LOOP}` with {MARK} in them or in the next cell: update scripts/learner-edit.py")
    at = checks[0]
    nb.cells[at].source = nb.cells[at].source.replace(LOOP, EDITED)
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    return nb, at, at if MARK in nb.cells[at].source else at + 1


def text(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(ROOT, "target", "notebook-checks", "learner-edit"))
    args = parser.parse_args()
    nb, at, checked = edited()
    cwd = os.path.dirname(NOTEBOOK)
    problems = []

    runner.kernel_environment(as_lab=True)
    lab = twice(copy.deepcopy(nb))
    edited_lab = next(i for i, c in enumerate(lab.cells) if EDITED in c.source)
    at_lab = edited_lab + (checked - at)
    ok, seconds, message, _, done = runner.run(os.path.join(args.out, "lab", "part2_1500.ipynb"), os.path.join(args.out, "lab"), lab, cwd)
    print(f"==> as make lab starts the kernel, the cells that draw run twice: {'ran to the end' if ok else 'FAILED'} in {seconds:.1f} s", file=sys.stderr)
    lines = [line for line in text(done.cells[at_lab]).splitlines() if line.startswith("note:")]
    elsewhere = [(i, line) for i, c in enumerate(done.cells) if i != at_lab for line in text(c).splitlines() if line.startswith("note:")]
    if elsewhere:
        problems.append(f"notes outside the edited cell (a cell run twice gave another result?): {elsewhere[:3]}")
    for line in lines:
        print(f"    {line}", file=sys.stderr)
    if not ok:
        problems.append(f"the lenient run failed: {message}")
    for want in NOTES:
        if not any(line.startswith(want) for line in lines):
            problems.append(f"the edited cell's checks did not print `{want}...`")
    last_lab = max(i for i, c in enumerate(done.cells) if c.cell_type == "code")
    if done.cells[last_lab].get("execution_count") is None or not done.cells[last_lab].get("outputs"):
        problems.append("the last code cell did not run (or printed nothing)")
    lost = [i for i, c in enumerate(done.cells) if "cannot find value" in text(c) or "panicked at" in text(c)]
    if lost:
        problems.append(f"cells {lost} lost a variable or panicked")

    # make lab's kernel keeps the variables over a panic (scripts/lab-kernel/init.evcxr); the
    # runner reports the panic, which is expected here. It runs among the check notebooks
    # (their evcxr.toml turns preserve_vars_on_panic off too, as notebooks/'s does).
    kept = nbformat.v4.new_notebook(metadata=nb.metadata)
    # (a fourth cell, so that a print arriving late still finds its cell: run-notebooks.py's KeepLateOutput)
    kept.cells = [nbformat.v4.new_code_cell(s) for s in ["let kept = vec![7];", 'panic!("a learner\'s mistake");', 'println!("kept {kept:?}");', "let _ = 0;"]]
    checks_dir = os.path.join(ROOT, "scripts", "notebook-checks")   # its own evcxr build folder: no crates
    _, _, _, _, done = runner.run(os.path.join(args.out, "lab", "kept.ipynb"), os.path.join(args.out, "lab"), kept, checks_dir)
    said = text(done.cells[2]).strip()
    print(f"==> a panic in make lab's kernel, then the next cell: {said or '(nothing)'}", file=sys.stderr)
    if said != "kept [7]":
        problems.append("make lab's kernel lost a variable over a panic (is preserve_vars_on_panic on? scripts/lab-kernel/init.evcxr)")

    runner.kernel_environment(as_lab=False)
    ok, seconds, message, _, done = runner.run(os.path.join(args.out, "strict", "part2_1500.ipynb"), os.path.join(args.out, "strict"), copy.deepcopy(nb), cwd)
    ran = [i for i, c in enumerate(done.cells) if c.cell_type == "code" and c.get("execution_count") is not None]
    print(f"==> under the tests' kernel: {'ran to the end' if ok else 'failed'} in {seconds:.1f} s; last cell run: {ran[-1] if ran else None} (the edited cell's checks: {checked})", file=sys.stderr)
    said = [line for line in (message or "").splitlines() if "check failed" in line] or (message or "").strip().splitlines()[:1]
    print(f"    {said[0] if said else ''}", file=sys.stderr)
    if ok:
        problems.append("the strict run passed: a number that differs from PyTorch's must fail the tests")
    elif not ran or ran[-1] != checked:
        problems.append(f"the strict run failed at cell {ran[-1] if ran else None}, not at the edited cell's checks ({checked})")

    for p in problems:
        print(f"  - {p}", file=sys.stderr)
    print(f"learner edit: {'ok' if not problems else 'FAILED'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
