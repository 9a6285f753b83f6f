"""Run notebooks headless on the evcxr kernel and fail loudly on any error.

    .venv/bin/python scripts/run-notebooks.py [--out DIR] [--expect-failure] NOTEBOOK...

Each notebook runs in its own folder, as in JupyterLab (so notebooks/evcxr.toml applies
to the lecture: a panicking cell is an error, compiled crates are cached). A cell
that errors, whose output shows a Rust panic, or that writes to stderr fails the
notebook. (evcxr prints an error returned with `?` to stderr, but sends it after the cell
has ended, and nbclient drops it: the JupyterLab test, scripts/browser/jupyterlab.py,
reads the kernel's messages directly and catches it.) Executed copies (with outputs)
and HTML go to --out (default out/notebooks). Each notebook's line gives its time, the
kernel's start-up and the median cell time; the last line is
"notebooks: N passed, M failed".

--expect-failure inverts the verdict: the run passes only if every notebook fails
(used to prove that a panicking cell does fail the run).
"""
import argparse
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Kernel connection files go to the project, not to ~/.local/share/jupyter.
os.environ.setdefault("JUPYTER_RUNTIME_DIR", os.path.join(ROOT, "target", "jupyter", "runtime"))
KERNEL = "makemore-rust"
CELL_TIMEOUT = 1800  # the first `:dep` compiles tch: minutes on a cold cache


def panicked(nb):
    """A panic message, or an error returned through `?`, in any output, even if the
    kernel did not report an error (evcxr prints a `?` error to stderr and carries on)."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") != "stream":
                continue
            text = out.get("text", "")
            if "panicked at" in text:
                return text.strip().splitlines()[0]
            if out.get("name") == "stderr" and text.strip():
                source = next((line for line in cell.source.splitlines() if line.strip()), "")
                return f"stderr output in cell `{source[:80]}`:\n{text.strip()}"
    return None


def cell_seconds(nb):
    """(seconds, first source line) of each executed code cell, from nbclient's timing."""
    from datetime import datetime

    out = []
    for cell in nb.cells:
        timing = cell.get("metadata", {}).get("execution", {})
        a, b = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if cell.cell_type == "code" and a and b:
            seconds = (datetime.fromisoformat(b.replace("Z", "+00:00")) - datetime.fromisoformat(a.replace("Z", "+00:00"))).total_seconds()
            out.append((seconds, next((line for line in cell.source.splitlines() if line.strip()), "")))
    return out


def timing_summary(nb, seconds):
    cells = cell_seconds(nb)
    if not cells:
        return ""
    times = sorted(t for t, _ in cells)
    median = times[len(times) // 2] if len(times) % 2 else (times[len(times) // 2 - 1] + times[len(times) // 2]) / 2
    slowest = max(cells)
    return (
        f" ({len(cells)} cells: kernel start {seconds - sum(times):.1f} s, median cell {median:.2f} s,"
        f" slowest {slowest[0]:.1f} s `{slowest[1][:50]}`)"
    )


def run(path, out_dir):
    """Execute one notebook; return (ok, seconds, message)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}},
    )
    start = time.monotonic()
    message = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as e:
        lines = [line for line in str(e).splitlines() if line.strip() and line.strip() != "----- stderr -----"]
        message = "\n".join(lines[:40])
    except Exception as e:  # the kernel did not start, died, ...
        message = f"{type(e).__name__}: {e}"
    seconds = time.monotonic() - start
    message = message or panicked(nb)
    name = os.path.splitext(os.path.basename(path))[0]
    os.makedirs(out_dir, exist_ok=True)
    nbformat.write(nb, os.path.join(out_dir, name + ".ipynb"))
    try:
        from nbconvert import HTMLExporter

        html, _ = HTMLExporter().from_notebook_node(nb)
        with open(os.path.join(out_dir, name + ".html"), "w", encoding="utf-8") as f:
            f.write(html)
    except ImportError:
        pass
    return message is None, seconds, message, timing_summary(nb, seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+")
    parser.add_argument("--out", default=os.path.join(ROOT, "out", "notebooks"))
    parser.add_argument("--expect-failure", action="store_true")
    args = parser.parse_args()
    passed = failed = 0
    for path in args.notebooks:
        print(f"==> {path}", file=sys.stderr, flush=True)
        ok, seconds, message, timing = run(path, args.out)
        if args.expect_failure:
            ok, message = (not ok), (None if not ok else "it ran to the end, but it should have failed")
        if ok:
            passed += 1
            print(f"    ok  {seconds:6.1f} s{timing}", file=sys.stderr, flush=True)
        else:
            failed += 1
            print(f"    FAILED after {seconds:.1f} s\n{message}", file=sys.stderr, flush=True)
    print(f"notebooks: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
