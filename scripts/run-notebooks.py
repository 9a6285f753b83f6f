"""Run notebooks headless on the evcxr kernel and fail loudly on any error.

    .venv/bin/python scripts/run-notebooks.py [--out DIR] [--expect-failure] NOTEBOOK...
    .venv/bin/python scripts/run-notebooks.py --write-back NOTEBOOK...     # make notebooks
    .venv/bin/python scripts/run-notebooks.py --check-outputs NOTEBOOK...  # no kernel: stale outputs?

Each notebook runs in its own folder, as in JupyterLab (so notebooks/evcxr.toml applies
to the lecture: a panicking cell is an error, compiled crates are cached). A cell
that errors, whose output shows a Rust panic, or that writes to stderr fails the
notebook (evcxr prints an error returned with `?` to stderr). evcxr sends what a cell prints
from a reader thread, and now and then the last lines arrive just after the cell has ended;
nbclient would drop them (a committed output once lost a tensor's last line), so this runner
gives them to their cell (KeepLateOutput). The JupyterLab test, scripts/browser/jupyterlab.py,
reads the kernel's messages directly. Executed copies (with outputs)
and HTML go to --out (default out/notebooks). Each notebook's line gives its time, the
kernel's start-up and the median cell time; the last line is
"notebooks: N passed, M failed".

--expect-failure inverts the verdict: the run passes only if every notebook fails
(used to prove that a panicking cell does fail the run).

The kernel is the tests' kernel: strict checks (MAKEMORE_CHECKS=strict: a number that differs
from PyTorch's panics) and evcxr's preserve_vars_on_panic off (notebooks/evcxr.toml: a panic ends
the run). --as-lab starts it as `make lab` does for a learner (scripts/lab.sh): lenient checks,
which print one line where a number differs, and variables kept over a panic; the notebook then
fails only on a genuine error (a panic, a `?` error).

Committed outputs. The notebooks are committed with their outputs, so that they read on
GitHub without running. --write-back runs each notebook and, if it passes, writes it
back in place with its outputs, after three changes: a figure sent both as HTML (inline
SVG, the explorer's page) and as PNG keeps only the PNG and its text (GitHub shows PNG;
the HTML would make the file large, and JupyterLab shows the figures again, with hover,
when the cell runs); nbclient's timing metadata goes; and every code cell gets
`metadata.makemore.source_chain`, a SHA-256 over the sources of that cell and of every
code cell before it (an output depends on the cells before it too). --check-outputs,
without a kernel, fails a notebook whose outputs are stale: a code cell without its
hash, or whose hash no longer matches the sources, or that never ran, or that shows `()` (the
empty value of a loop a cell ends with: evcxr shows it unless the loop ends in `};`), or that has
two stdout outputs in a row (GitHub would draw each line in a box). `make notebooks`
writes them back; `make test` checks them.
"""
import argparse
import hashlib
import json
import os
import queue
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete, CellExecutionError, CellTimeoutError
from nbclient.util import ensure_async

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Kernel connection files go to the project, not to ~/.local/share/jupyter.
os.environ.setdefault("JUPYTER_RUNTIME_DIR", os.path.join(ROOT, "target", "jupyter", "runtime"))
KERNEL = "makemore-rust"
LAB_KERNEL_CONFIG = os.path.join(ROOT, "scripts", "lab-kernel")  # as scripts/lab.sh sets it


def kernel_environment(as_lab):
    """The environment the kernel inherits: the tests' (strict), or `make lab`'s."""
    if as_lab:
        os.environ["MAKEMORE_CHECKS"] = "lenient"
        os.environ["EVCXR_CONFIG_DIR"] = LAB_KERNEL_CONFIG
    else:
        os.environ["MAKEMORE_CHECKS"] = "strict"
        os.environ.pop("EVCXR_CONFIG_DIR", None)
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


class KeepLateOutput(NotebookClient):
    """nbclient, keeping what a cell prints after it has ended. evcxr forwards a cell's
    output from a reader thread, and now and then the last lines (say, a tensor's
    `Tensor[[27], Int]` footer, or the error of a `?`) reach the kernel's channel just
    after the cell's end. nbclient drops them: it reads only the messages of the cell it is
    running. Here a printed message of a cell that has ended goes to that cell, and after
    the last cell the channel is read until it has been quiet for LATE_OUTPUT_WAIT."""

    LATE_OUTPUT_WAIT = 0.3  # seconds, once per notebook

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ended = {}  # msg_id of an ended cell's request -> (cell, cell_index)
        code = [i for i, c in enumerate(self.nb.cells) if c.cell_type == "code" and c.source.strip()]
        self.last_code_cell = code[-1] if code else None

    def keep_late(self, msg):
        ended = self.ended.get(msg["parent_header"].get("msg_id"))
        if ended and msg["msg_type"] == "stream":
            self.process_message(msg, *ended)

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        while True:
            msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=None))
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                self.keep_late(msg)
                continue
            try:
                self.process_message(msg, cell, cell_index)  # raises CellExecutionComplete at the end
            except CellExecutionComplete:
                self.ended[parent_msg_id] = (cell, cell_index)
                return

    async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
        cell = await super().async_execute_cell(cell, cell_index, *args, **kwargs)
        if cell_index == self.last_code_cell:
            while True:
                try:
                    self.keep_late(await ensure_async(self.kc.iopub_channel.get_msg(timeout=self.LATE_OUTPUT_WAIT)))
                except queue.Empty:
                    break
        return cell


def run(path, out_dir, nb=None, cwd=None):
    """Execute one notebook (`nb`, if given, is its content: an edited copy) in its folder
    (or `cwd`); return (ok, seconds, message, timing, the executed notebook)."""
    nb = nb if nb is not None else nbformat.read(path, as_version=4)
    client = KeepLateOutput(
        nb,
        kernel_name=KERNEL,
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": cwd or os.path.dirname(os.path.abspath(path))}},
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
    return message is None, seconds, message, timing_summary(nb, seconds), nb


def source_chains(nb):
    """For each code cell, a SHA-256 over its source and the sources of the code cells
    before it (each prefixed with its length, so that no two cell lists collide)."""
    h = hashlib.sha256()
    chains = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        data = cell.source.encode("utf-8")
        h.update(f"{len(data)}:".encode() + data)
        chains.append(h.copy().hexdigest())
    return chains


def smaller_png(b64):
    """The same PNG with its image data deflated at zlib's level 9 (the library writes
    PNGs fast, at a lower level): the same pixels, about half the bytes."""
    import base64
    import struct
    import zlib

    png = base64.b64decode(b64)
    chunks, pos = [], 8
    while pos < len(png):
        (n,) = struct.unpack(">I", png[pos : pos + 4])
        chunks.append((png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + n]))
        pos += 12 + n
    idat = zlib.compress(zlib.decompress(b"".join(d for t, d in chunks if t == b"IDAT")), 9)
    out, wrote_idat = [png[:8]], False
    for kind, data in chunks:
        if kind == b"IDAT":
            if wrote_idat:
                continue
            kind, data, wrote_idat = b"IDAT", idat, True
        out.append(struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data)))
    smaller = b"".join(out)
    return base64.b64encode(smaller).decode() if len(smaller) < len(png) else b64


def merged_streams(outputs):
    """The outputs with each run of stream outputs of one name (stdout, stderr) in a row made
    one: evcxr sends every printed line as an output of its own, and GitHub draws each in a
    box of its own. A figure between two prints still separates them."""
    merged = []
    for out in outputs:
        prev = merged[-1] if merged else None
        if out.get("output_type") == "stream" and prev is not None and prev.get("output_type") == "stream" and prev.get("name") == out.get("name"):
            prev["text"] = "".join(prev["text"]) + "".join(out["text"])
        else:
            merged.append(out)
    return merged


def committed_copy(nb):
    """The executed notebook as committed: consecutive prints merged into one output, PNG
    instead of HTML where a figure has both (and a PNG seen before in the notebook only
    once), PNGs deflated at level 9, no timing metadata, and each code cell's source chain
    in its metadata."""
    chains = iter(source_chains(nb))
    seen = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs = merged_streams(cell.get("outputs", []))
        cell.metadata.pop("execution", None)
        cell.metadata["makemore"] = {"source_chain": next(chains)}
        for out in cell.get("outputs", []):
            data = out.get("data")
            if not data or "image/png" not in data:
                continue
            data.pop("text/html", None)
            png = data["image/png"] if isinstance(data["image/png"], str) else "".join(data["image/png"])
            if png in seen:
                del data["image/png"]
                data["text/plain"] = "(a picture shown earlier in this notebook: run the cell to see this output in full)"
                continue
            seen.add(png)
            data["image/png"] = smaller_png(png)
    return nb


def stale_cells(nb):
    """Why each stale code cell of a committed notebook is stale (empty: up to date)."""
    problems = []
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for i, (cell, chain) in enumerate(zip(code_cells, source_chains(nb)), 1):
        first = next((line for line in cell.source.splitlines() if line.strip()), "")[:60]
        stored = cell.get("metadata", {}).get("makemore", {}).get("source_chain")
        if stored is None:
            problems.append(f"code cell {i} `{first}`: no outputs made by `make notebooks` (no source_chain)")
        elif stored != chain:
            problems.append(f"code cell {i} `{first}`: its source, or a code cell's before it, changed since its outputs were made")
        elif cell.get("execution_count") is None:
            problems.append(f"code cell {i} `{first}`: never ran")
        outputs = cell.get("outputs", [])
        if any(a.get("output_type") == b.get("output_type") == "stream" and a.get("name") == b.get("name") == "stdout" for a, b in zip(outputs, outputs[1:])):
            problems.append(f"code cell {i} `{first}`: two stdout outputs in a row (written by another runner): `make notebooks` merges them")
        shown = [o for o in outputs if o.get("output_type") == "execute_result"]
        if any("".join(o.get("data", {}).get("text/plain", "")).strip() == "()" for o in shown):
            problems.append(f"code cell {i} `{first}`: shows `()`, the empty value of the loop it ends with: close that loop with `}};`")
    return problems


def expected_problem(path, problems):
    """Whether a self-check notebook fails for the reason its metadata names
    (makemore_check.expected_failure), or for any reason if it names none."""
    with open(path, encoding="utf-8") as f:
        expected = json.load(f).get("metadata", {}).get("makemore_check", {}).get("expected_failure")
    return any(expected in p for p in problems) if expected else bool(problems)


def check_outputs(paths):
    stale = 0
    for path in paths:
        problems = stale_cells(nbformat.read(path, as_version=4))
        if problems:
            stale += 1
            print(f"==> {path}: outputs are stale or wrong; mend what is said below, run `make notebooks` and commit the notebook", file=sys.stderr)
            for p in problems[:10]:
                print(f"  - {p}", file=sys.stderr)
            if len(problems) > 10:
                print(f"  - ... and {len(problems) - 10} more", file=sys.stderr)
    print(f"notebook outputs: {len(paths) - stale} up to date, {stale} stale")
    return 1 if stale else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+")
    parser.add_argument("--out", default=os.path.join(ROOT, "out", "notebooks"))
    parser.add_argument("--expect-failure", action="store_true")
    parser.add_argument("--write-back", action="store_true", help="write each passing notebook back with its outputs")
    parser.add_argument("--check-outputs", action="store_true", help="no kernel: fail if committed outputs are stale")
    parser.add_argument("--as-lab", action="store_true", help="the kernel as `make lab` starts it: lenient checks, variables kept over a panic")
    args = parser.parse_args()
    if args.as_lab and args.write_back:
        parser.error("--write-back writes the tests' outputs: not with --as-lab")
    kernel_environment(args.as_lab)
    if args.check_outputs:
        if args.expect_failure:  # every notebook given must be found stale, for the reason it names
            fresh = [p for p in args.notebooks if not expected_problem(p, stale_cells(nbformat.read(p, as_version=4)))]
            for path in fresh:
                print(f"  - {path}: not found stale (or wrong) for the reason it names, but it should be", file=sys.stderr)
            print(f"notebook outputs: {len(args.notebooks) - len(fresh)} found stale as expected, {len(fresh)} not")
            return 1 if fresh else 0
        return check_outputs(args.notebooks)
    passed = failed = 0
    for path in args.notebooks:
        print(f"==> {path}", file=sys.stderr, flush=True)
        ok, seconds, message, timing, executed = run(path, args.out)
        if args.expect_failure:
            ok, message = (not ok), (None if not ok else "it ran to the end, but it should have failed")
        if ok:
            passed += 1
            print(f"    ok  {seconds:6.1f} s{timing}", file=sys.stderr, flush=True)
            if args.write_back and not args.expect_failure:
                nbformat.write(committed_copy(executed), path)
                print(f"    outputs written back to {path} ({os.path.getsize(path) / 1e3:.0f} kB)", file=sys.stderr, flush=True)
        else:
            failed += 1
            print(f"    FAILED after {seconds:.1f} s\n{message}", file=sys.stderr, flush=True)
    print(f"notebooks: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
