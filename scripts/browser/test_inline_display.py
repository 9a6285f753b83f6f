#!/usr/bin/env python3
"""Browser tests of the inline notebook display in JupyterLab (issue 11).

Writes a small notebook (in target/browser-notebook/) that shows the names.txt
heatmap, a loss figure and the explorer on the project's evcxr kernel, runs it in
JupyterLab (headless, on 127.0.0.1 only) with Playwright driving Debian's chromium,
and checks what a learner sees:

- the heatmap is inline SVG (729 <title> tooltips in the page, not an <img>), no wider
  than the output area, aspect ratio kept; hovering the n. cell highlights it and its
  tooltip reads "n.: 6763 of 18327 after 'n' (P = 0.3690)";
- the saved notebook holds ONE output per figure with both text/html and image/png;
- the explorer runs inside its iframe: hover n. shows 6763, smoothing 0 gives 2.454014;
- reopened untrusted (a copy not signed by this server), JupyterLab sanitizes the HTML
  (no <style>, <svg> or <iframe>): the figures show as their PNG, with no stray text,
  and the explorer says it needs trusted output.

The first run compiles tch for the kernel (a few minutes; cached in target/evcxr).
Needs the kernelspec (scripts/write-kernelspec.sh; override with --kernel / JUPYTER_PATH).
Ends with `browser (JupyterLab): N passed, M failed`; exits 1 on a failure.
"""

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import nbformat
from nbformat.sign import NotebookNotary
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chromium import launch  # noqa: E402
from labserver import LabServer  # noqa: E402
from test_explorer import ROOT, Results  # noqa: E402

WORK = ROOT / "target" / "browser-notebook"


def cell(source):
    return {"cell_type": "code", "execution_count": None, "id": f"c{abs(hash(source)) % 10**8}", "metadata": {}, "outputs": [], "source": source}


def write_notebook(kernel):
    shutil.rmtree(WORK, ignore_errors=True)  # no notebook, workspace or trust left from a last run
    WORK.mkdir(parents=True)
    (WORK / "evcxr.toml").write_text(
        # no tmpdir: the kernel's own build folder, as for notebooks/ (scripts/evcxr-kernel.py)
        '[evcxr]\npreserve_vars_on_panic = false\nopt_level = "0"\n'
    )
    nb = {
        "cells": [
            cell(f':dep makemore = {{ path = "{ROOT / "makemore-lib"}" }}'),
            cell("use makemore::*;"),
            cell(
                f'let words = WordList::read("{ROOT / "data" / "names.txt"}")?;\n'
                "let counts = BigramCounts::from_words(&words, &Vocab::from_words(&words)?)?;"
            ),
            cell("Heatmap::counts(&counts)?"),
            cell('Figure::losses(&[3.7, 3.1, 2.9, 2.6, 2.5], "training loss")?'),
            cell('Explorer::new(&counts, "names.txt")?'),
        ],
        "metadata": {
            "kernelspec": {"display_name": "Rust (makemore)", "language": "rust", "name": kernel},
            "language_info": {"name": "rust"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = WORK / "inline.ipynb"
    path.write_text(json.dumps(nb, indent=1))
    return path


# outputs of the notebook on show (a hidden tab keeps its outputs in the page)
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden) "
HTML_OUT = PANEL + '.jp-OutputArea-output[data-mime-type="text/html"]'
ERROR_OUT = PANEL + '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], ' + PANEL + '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]'


def run_all(page, r, timeout_min):
    page.locator(".jp-Notebook .jp-Cell").first.click()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    try:
        page.wait_for_function(
            f"document.querySelectorAll('{HTML_OUT}').length >= 3 || document.querySelector('{ERROR_OUT}') !== null",
            timeout=timeout_min * 60_000,
            polling=1000,
        )
    except PlaywrightError as e:
        page.screenshot(path=str(WORK / "timeout.png"), full_page=True)
        outputs = page.eval_on_selector_all(PANEL + ".jp-OutputArea-output", "os => os.map(o => o.innerText.slice(0, 300))")
        return r.check("lab: all cells ran", False, f"{e.message.splitlines()[0]}; outputs: {outputs}; see {WORK / 'timeout.png'}")
    errors = page.eval_on_selector_all(ERROR_OUT, "es => es.map(e => e.innerText)")
    return r.check("lab: all cells ran without error", not errors, errors)


def check_heatmap(page, r, label):
    """Trusted output: the inline SVG with tooltips and hover."""
    out = page.locator(HTML_OUT).first
    titles = out.locator("svg title").count()
    r.check(f"{label}: heatmap is inline SVG with 729 <title> tooltips", titles == 729, titles)
    r.check(f"{label}: the PNG fallback is removed (no <img> in the output)", out.locator("img").count() == 0)
    svg = out.locator("svg").first.bounding_box()
    area = out.bounding_box()
    r.check(
        f"{label}: the heatmap fits the output width (column z visible)",
        svg and area and svg["x"] >= area["x"] - 0.5 and svg["x"] + svg["width"] <= area["x"] + area["width"] + 0.5,
        (svg, area),
    )
    ratio = svg["width"] / svg["height"] if svg and svg["height"] else 0
    r.check(f"{label}: aspect ratio kept (square grid)", abs(ratio - 1) < 0.01, ratio)
    target = out.locator("svg rect", has=page.locator("title", has_text="n.: 6763 of 18327"))
    tip = target.locator("title").text_content()
    r.check(f"{label}: n. tooltip has bigram, count and P", tip == "n.: 6763 of 18327 after 'n' (P = 0.3690)", tip)
    target.scroll_into_view_if_needed()
    before = target.evaluate("e => getComputedStyle(e).fillOpacity")
    target.hover()
    after = target.evaluate("e => getComputedStyle(e).fillOpacity")
    r.check(f"{label}: hovering n. highlights it", before == "0" and after == "0.35", (before, after))


def check_untrusted(page, r):
    """Untrusted output is sanitized: the PNG shows, no loose SVG text, a note for the explorer."""
    outs = page.locator(HTML_OUT)
    heat = outs.nth(0)
    img = heat.locator("img").first
    size = img.evaluate("i => [i.naturalWidth, i.naturalHeight, i.getBoundingClientRect().width]")
    r.check("untrusted: the heatmap shows as the PNG, within the output width", img.is_visible() and size[0] > 0 and size[2] <= heat.bounding_box()["width"] + 0.5, size)
    r.check("untrusted: no stray SVG text is visible", heat.inner_text().strip() == "", heat.inner_text()[:80])
    fig = outs.nth(1)
    r.check("untrusted: the loss figure shows as the PNG", fig.locator("img").first.is_visible() and fig.inner_text().strip() == "")
    note = outs.nth(2).inner_text()
    r.check("untrusted: the explorer says it needs trusted output", "runs only in trusted output" in note, note[:80])
    r.check("untrusted: the explorer shows the counts as a picture", outs.nth(2).locator("img").first.is_visible())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kernel", default="makemore-rust", help="kernelspec name (default makemore-rust)")
    parser.add_argument("--timeout-min", type=float, default=20, help="for the first run's compile")
    args = parser.parse_args()
    nb_path = write_notebook(args.kernel)
    r = Results()
    with LabServer(str(ROOT), serve_dir=str(WORK), data_dir=str(WORK / "data"), saves=True) as lab:
        with sync_playwright() as pw:
            browser = launch(pw)
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            page = context.new_page()
            foreign = []
            page.on("request", lambda q: q.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "about:", "blob:")) or foreign.append(q.url))
            page.goto(lab.url(f"lab/tree/{nb_path.name}?reset"))
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
            if run_all(page, r, args.timeout_min):
                check_heatmap(page, r, "lab")
                fig = page.locator(HTML_OUT).nth(1)
                r.check("lab: the loss figure is inline SVG", fig.locator("svg").first.is_visible() and fig.locator("img").count() == 0)
                r.check("lab: the explorer output holds only its frame", page.locator(HTML_OUT).nth(2).locator("img, .makemore-untrusted").count() == 0)
                frame = page.frame_locator(".makemore-explorer iframe")
                page.locator(".makemore-explorer iframe").scroll_into_view_if_needed()
                frame.locator('td[data-from="n"][data-to="."]').hover()
                info = frame.locator("#info").inner_text()
                r.check("lab: explorer iframe: hover n. shows 6763", "count 6763 of 18327" in info, info)
                frame.locator('td[data-from="n"][data-to="."]').click()
                r.check("lab: explorer iframe: click shows the row", "P(next | n)" in frame.locator("#row").inner_text())
                frame.locator("#smoothing").fill("0")
                r.check("lab: explorer iframe: NLL 2.454014 at smoothing 0", frame.locator("#nll").inner_text() == "2.454014")
                # save from the notebook (keys typed while the iframe has the focus stay there)
                page.locator(PANEL + ".jp-Cell .jp-InputPrompt").first.click()
                page.keyboard.press("Control+s")
                for _ in range(60):
                    saved = json.loads(nb_path.read_text())
                    if any(c["outputs"] for c in saved["cells"]):
                        break
                    time.sleep(0.5)
                outputs = [c["outputs"] for c in saved["cells"]]
                for k, name in [(3, "heatmap"), (4, "loss figure"), (5, "explorer")]:
                    rich = [o for o in outputs[k] if o.get("output_type") in ("execute_result", "display_data")]
                    mimes = sorted(rich[0]["data"]) if len(rich) == 1 else [len(rich)]
                    r.check(f"saved: {name} is one output with text/html and image/png", {"text/html", "image/png"} <= set(mimes), mimes)
                # an unsigned copy opens untrusted: its HTML is sanitized
                copy = WORK / "untrusted.ipynb"
                saved["cells"].insert(0, {"cell_type": "markdown", "id": "copy", "metadata": {}, "source": "A copy."})
                copy.write_text(json.dumps(saved))
                notary = NotebookNotary(data_dir=str(WORK / "data"))
                trusted = notary.check_signature(nbformat.read(copy, as_version=4))
                r.check("untrusted: the copy is not signed", not trusted)
                page.goto(lab.url(f"lab/tree/{copy.name}?reset"))
                page.wait_for_selector(HTML_OUT, timeout=60_000)
                check_untrusted(page, r)
            r.check("lab: no requests beyond 127.0.0.1", not foreign, foreign[:5])
            browser.close()
    print(f"browser (JupyterLab): {r.passed} passed, {r.failed} failed")
    sys.exit(1 if r.failed else 0)


if __name__ == "__main__":
    main()
