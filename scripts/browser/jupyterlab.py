"""Run the notebooks in JupyterLab, in headless Chromium, and check what a learner sees.

    .venv/bin/python scripts/browser/jupyterlab.py [--out DIR] [--hover NAME]... [--expect-failure] [NOTEBOOK...]

With no NOTEBOOK it runs notebooks/*.ipynb. For each notebook, one at a time: open it
in JupyterLab (a fresh server of the project's .venv, scripts/browser/labserver.py),
click Run > Run All Cells, wait until every cell has run and the kernel is idle, then
check:

  - the notebook's kernel is "Rust (makemore)";
  - every code cell ran (has an execution count) and no dialog came up;
  - no error anywhere: no `error` message from the kernel (evcxr's compile errors are
    these), no stderr output (a `?` error or a panic prints there), no "panicked at";
  - every figure the kernel sent (image/png, image/svg+xml, or HTML holding <svg> or
    <img>) is drawn: an <img> loaded with a non-zero natural size, an inline <svg>,
    visible, with non-zero size, and not wider than its output area (nothing cut off);
  - with --hover NAME (default: part1_bigrams.ipynb): the bigram heatmap is an inline
    <svg>; hovering its n -> . cell shows a tooltip (<title>) holding 6763 and changes the
    cell's style (a CSS :hover rule). A heatmap drawn through an <img> fails: it has no
    tooltips at all;
  - for each text in the notebook's metadata makemore_check.hover_tooltips (e.g. "q: (",
    a point of the lecture-2 embedding scatter): some inline <svg> has a shape whose
    <title> starts with it; hovering that shape shows that tooltip and changes its style.

It writes a screenshot of the whole notebook to DIR/NAME.png (default out/jupyterlab),
never saves a notebook (the server refuses saves; the files are compared before and
after), and ends with "jupyterlab: N passed, M failed". --expect-failure inverts the
verdict: every notebook must fail, and with the failure its metadata names
(makemore_check.expected_failure). The self-checks in scripts/notebook-checks use it.
"""
import argparse
import glob
import hashlib
import json
import os
import sys
import time
import urllib.parse

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from chromium import launch  # noqa: E402
from labserver import LabServer  # noqa: E402

KERNEL_DISPLAY_NAME = "Rust (makemore)"
DEFAULT_HOVER = ["part1_bigrams.ipynb"]
# The heatmap cell to hover: bigram n -> . and its count in names.txt.
HOVER_FROM, HOVER_TO, HOVER_COUNT = "n", ".", "6763"
KERNEL_START_TIMEOUT = 900
# how long the page may show no kernel while the server has an idle one, before a reload (the
# server's kernel is up by then, so this is not a start-up limit)
PAGE_STUCK_AFTER = 30
# reloads before a new kernel: in the cases seen, reloading never helped and a new kernel did
# (once at 60 s, three reloads and a new kernel: 252 s for a 3 s notebook)
PAGE_RELOADS = 1
VIEWPORT = {"width": 1280, "height": 900}
MAX_SCREENSHOT_HEIGHT = 60000
FIGURE_MIMES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml")


def kernel_message(payload):
    """(channel, msg_type, parent msg_id, content) of one frame of a kernel websocket.

    JupyterLab 4 speaks the binary v1 protocol (a count, offsets, then channel, header,
    parent header, metadata, content, buffers); older servers send JSON text."""
    if isinstance(payload, str):
        msg = json.loads(payload)
        return msg.get("channel"), msg["header"].get("msg_type"), msg.get("parent_header", {}).get("msg_id"), msg.get("content", {})
    count = int.from_bytes(payload[:8], "little")
    offsets = [int.from_bytes(payload[8 + 8 * i : 16 + 8 * i], "little") for i in range(count)]
    parts = [payload[offsets[i] : offsets[i + 1]] for i in range(count - 1)]
    channel = parts[0].decode()
    header, parent, content = json.loads(parts[1]), json.loads(parts[2]), json.loads(parts[4])
    return channel, header.get("msg_type"), parent.get("msg_id"), content


class KernelLog:
    """What the kernel said, from the page's websocket: requests, replies, outputs."""

    def __init__(self):
        self.requests = {}  # msg_id -> code of each execute_request the page sent
        self.replies = {}  # msg_id -> status of its execute_reply
        self.errors = []  # (code, text)
        self.stderr = []  # (code, text)
        self.figures = 0  # display_data / execute_result bundles that hold a figure
        self.heatmap_mimes = []  # mime types of bundles that hold the count HOVER_COUNT

    def attach(self, page):
        def on_socket(ws):
            if "/channels" not in ws.url:
                return
            ws.on("framesent", lambda p: self.frame(p, sent=True))
            ws.on("framereceived", lambda p: self.frame(p, sent=False))

        page.on("websocket", on_socket)

    def frame(self, payload, sent):
        try:
            channel, msg_type, parent, content = kernel_message(payload)
        except (ValueError, KeyError, IndexError, UnicodeDecodeError):
            return
        if sent:
            if msg_type == "execute_request":
                self.requests[self._own_id(payload)] = content.get("code", "")
            return
        code = self.requests.get(parent, "")
        if msg_type == "execute_reply":
            self.replies[parent] = content.get("status")
        elif msg_type == "error":
            text = "\n".join(content.get("traceback") or []) or f"{content.get('ename')}: {content.get('evalue')}"
            self.errors.append((code, strip_ansi(text)))
        elif msg_type == "stream" and content.get("name") == "stderr":
            self.stderr.append((code, strip_ansi(content.get("text", ""))))
        elif msg_type in ("display_data", "execute_result"):
            data = content.get("data", {})
            html = data.get("text/html", "")
            if any(m in data for m in FIGURE_MIMES) or "<svg" in html or "<img" in html:
                self.figures += 1
            if any(HOVER_COUNT in str(v) for m, v in data.items() if m != "text/plain"):
                self.heatmap_mimes.append(sorted(data))

    @staticmethod
    def _own_id(payload):
        if isinstance(payload, str):
            return json.loads(payload)["header"]["msg_id"]
        count = int.from_bytes(payload[:8], "little")
        offsets = [int.from_bytes(payload[8 + 8 * i : 16 + 8 * i], "little") for i in range(count)]
        return json.loads(payload[offsets[1] : offsets[2]])["msg_id"]

    def pending(self):
        return [m for m in self.requests if m not in self.replies]


def writes_file(method, url):
    """Whether a request to the server changes a file: a save (PUT), a rename (PATCH), a
    delete, a new file, a restored checkpoint. Creating a checkpoint (JupyterLab does it
    when it opens a file) only copies the file, into target/jupyter-test/checkpoints."""
    path = urllib.parse.urlparse(url).path
    if "/api/contents/" not in path or method in ("GET", "HEAD"):
        return False
    return not (method == "POST" and path.endswith("/checkpoints"))


def strip_ansi(text):
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def first_line(code):
    lines = [line for line in code.splitlines() if line.strip()]
    return (lines[0][:80] if lines else "(empty cell)").strip()


def digest(paths):
    out = {}
    for path in paths:
        with open(path, "rb") as f:
            out[path] = hashlib.sha256(f.read()).hexdigest()
    return out


# --- what the page shows ------------------------------------------------------------

CELLS_JS = """() => [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell')].map(c => ({
    prompt: (c.querySelector('.jp-InputArea-prompt')?.textContent || '').trim(),
    source: c.querySelector('.cm-content')?.innerText || '',
}))"""

STATE_JS = """() => ({
    kernel: document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-KernelName')?.textContent.trim() || '',
    status: document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator')?.getAttribute('data-status') || '',
    dialogs: [...document.querySelectorAll('.jp-Dialog')].map(d => d.innerText.trim().replace(/\\s+/g, ' ')),
})"""

OUTPUTS_JS = """() => {
  const cells = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-CodeCell')];
  const found = {errors: [], figures: []};
  cells.forEach((cell, index) => {
    const source = (cell.querySelector('.cm-content')?.innerText || '').split('\\n').find(l => l.trim()) || '';
    for (const out of cell.querySelectorAll('.jp-OutputArea-output')) {
      const mime = out.getAttribute('data-mime-type') || '';
      const text = out.innerText || '';
      if (mime === 'application/vnd.jupyter.stderr' || text.includes('panicked at')) {
        found.errors.push({cell: index + 1, source, mime, text: text.slice(0, 1500)});
      }
      const area = out.getBoundingClientRect();
      // figures: images, and inline svg that is not inside another svg
      const figs = [...out.querySelectorAll('img'), ...out.querySelectorAll('iframe'), ...[...out.querySelectorAll('svg')].filter(s => !s.parentElement.closest('svg'))];
      if (!figs.length) continue;
      const fig = {cell: index + 1, source, mime, problems: [], kinds: []};
      for (const el of figs) {
        const r = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        const kind = el.tagName.toLowerCase();
        fig.kinds.push(kind);
        if (kind === 'img' && !(el.complete && el.naturalWidth > 0 && el.naturalHeight > 0)) fig.problems.push('an <img> did not load');
        if (r.width < 1 || r.height < 1) fig.problems.push(`a <${kind}> has size ${r.width.toFixed(0)}x${r.height.toFixed(0)}`);
        if (style.visibility === 'hidden' || style.display === 'none' || Number(style.opacity) === 0) fig.problems.push(`a <${kind}> is hidden`);
        if (r.right > area.right + 1) fig.problems.push(`a <${kind}> is ${(r.right - area.right).toFixed(0)} px wider than its output area (cut off): ${r.width.toFixed(0)} px in ${area.width.toFixed(0)} px`);
      }
      if (!fig.problems.length && out.scrollWidth > out.clientWidth + 1) fig.problems.push(`the output scrolls sideways (${out.scrollWidth} px in ${out.clientWidth} px)`);
      found.figures.push(fig);
    }
  });
  return found;
}"""

# Find the heatmap's n -> . cell: an element with data-from/data-to, else the element whose
# <title> reads "n.: ...6763..." (the counts heatmap's tooltip; not another figure's 6763). Returns a description, and marks the element for hovering.
FIND_HEATMAP_JS = """([from, to, count]) => {
  const outputs = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output')];
  for (const out of outputs) {
    for (const img of out.querySelectorAll('img')) {
      let src = img.getAttribute('src') || '';
      try { src = decodeURIComponent(src); } catch (e) {}
      if (src.startsWith('data:image/svg') && src.includes(count)) return {kind: 'img', mime: out.getAttribute('data-mime-type')};
    }
  }
  for (const out of outputs) {
    let target = [...out.querySelectorAll('svg [data-from][data-to]')].find(e => e.getAttribute('data-from') === from && e.getAttribute('data-to') === to);
    if (!target) {
      const title = [...out.querySelectorAll('svg title')].find(t => t.textContent.startsWith(from + to + ':') && t.textContent.includes(count));
      target = title && title.parentElement;
    }
    if (!target) continue;
    document.querySelectorAll('[data-jupyterlab-test-hover]').forEach(e => e.removeAttribute('data-jupyterlab-test-hover'));
    target.setAttribute('data-jupyterlab-test-hover', '1');
    return {kind: 'svg', mime: out.getAttribute('data-mime-type'), tag: target.tagName, titles: out.querySelectorAll('svg title').length};
  }
  return {kind: 'none'};
}"""

# The computed style of the cell and of everything drawn inside it (a <g> around a <rect>
# and a label, say), keyed "tag#index property".
HOVER_STYLE_JS = """() => {
  const el = document.querySelector('[data-jupyterlab-test-hover]');
  const props = ['fill', 'stroke', 'stroke-width', 'opacity', 'fill-opacity', 'filter', 'outline-style', 'outline-width', 'transform'];
  const style = {};
  [el, ...el.querySelectorAll('*')].filter(e => e.tagName.toLowerCase() !== 'title').forEach((e, i) => {
    const s = getComputedStyle(e);
    for (const p of props) style[`<${e.tagName.toLowerCase()}>#${i} ${p}`] = s.getPropertyValue(p);
  });
  const r = el.getBoundingClientRect();
  return {style, hovered: el.matches(':hover'), x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width, h: r.height};
}"""

# The tooltip a browser shows: the <title> child of the deepest element under the pointer
# that has one, walking up from what is actually under the pointer.
TOOLTIP_JS = """([x, y]) => {
  let el = document.elementFromPoint(x, y);
  const top = el ? el.tagName : null;
  while (el) {
    const title = [...el.children].find(c => c.tagName.toLowerCase() === 'title');
    if (title) return {top, tooltip: title.textContent};
    el = el.parentElement;
  }
  return {top, tooltip: null};
}"""

INFO_JS = """() => {
  const el = document.querySelector('[data-jupyterlab-test-hover]');
  const out = el.closest('.jp-OutputArea-output');
  const info = out && out.querySelector('#info');
  return info ? info.textContent : null;
}"""


def hover_marked(page):
    """Move the pointer onto the marked element: its styles before and during, and the
    tooltip the browser shows there."""
    page.locator("[data-jupyterlab-test-hover]").scroll_into_view_if_needed()
    page.mouse.move(5, 5)
    time.sleep(0.3)
    before = page.evaluate(HOVER_STYLE_JS)
    page.mouse.move(before["x"], before["y"])
    time.sleep(0.4)
    during = page.evaluate(HOVER_STYLE_JS)
    return before, during, page.evaluate(TOOLTIP_JS, [during["x"], during["y"]])


def hover_check(page):
    """Problems with hovering the heatmap's n -> . cell (empty if it works)."""
    found = page.evaluate(FIND_HEATMAP_JS, [HOVER_FROM, HOVER_TO, HOVER_COUNT])
    if found["kind"] == "img":
        return [
            f"the heatmap is drawn through an <img> ({found['mime']}): the browser shows no tooltips and no "
            f"hover highlight inside it (hover over {HOVER_FROM}{HOVER_TO} shows nothing). It must be inline "
            "<svg> in text/html output."
        ]
    if found["kind"] == "none":
        return [f"no heatmap found: no output with a {HOVER_FROM}{HOVER_TO} cell or a <title> holding {HOVER_COUNT}"]
    before, during, tip = hover_marked(page)
    problems = []
    if not tip["tooltip"] or HOVER_COUNT not in tip["tooltip"]:
        problems.append(
            f"hovering the {HOVER_FROM}{HOVER_TO} cell shows tooltip {tip['tooltip']!r} (element under the "
            f"pointer: <{tip['top']}>), not its count {HOVER_COUNT}"
        )
    if not during["hovered"]:
        problems.append(f"the {HOVER_FROM}{HOVER_TO} cell does not get :hover under the pointer (something covers it)")
    changed = {k: (before["style"][k], v) for k, v in during["style"].items() if before["style"][k] != v}
    if not changed:
        problems.append(f"hovering the {HOVER_FROM}{HOVER_TO} cell changes none of its styles (no CSS :hover highlight)")
    info = page.evaluate(INFO_JS)
    if info is not None and HOVER_COUNT not in info:
        problems.append(f"the #info element reads {info!r} while hovering {HOVER_FROM}{HOVER_TO}, not {HOVER_COUNT}")
    if not problems:
        print(
            f"    hover {HOVER_FROM}{HOVER_TO}: tooltip {tip['tooltip']!r}; style "
            + ", ".join(f"{k} {a} -> {b}" for k, (a, b) in changed.items()),
            file=sys.stderr,
        )
    page.mouse.move(5, 5)
    return problems


# Mark the shape whose <title> starts with a text (a scatter point's tooltip, say).
FIND_TOOLTIP_JS = """(prefix) => {
  const titles = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output svg title')];
  const title = titles.find(t => t.textContent.startsWith(prefix));
  if (!title) return false;
  document.querySelectorAll('[data-jupyterlab-test-hover]').forEach(e => e.removeAttribute('data-jupyterlab-test-hover'));
  title.parentElement.setAttribute('data-jupyterlab-test-hover', '1');
  return true;
}"""


def tooltip_check(page, prefix):
    """Problems with hovering the shape whose tooltip starts with `prefix` (empty if it works)."""
    if not page.evaluate(FIND_TOOLTIP_JS, prefix):
        return [f"no inline <svg> shape has a tooltip starting with {prefix!r} (metadata makemore_check.hover_tooltips)"]
    before, during, tip = hover_marked(page)
    problems = []
    if not (tip["tooltip"] or "").startswith(prefix):
        problems.append(f"hovering the shape titled {prefix!r}... shows tooltip {tip['tooltip']!r} (under the pointer: <{tip['top']}>)")
    if not any(before["style"][k] != v for k, v in during["style"].items()):
        problems.append(f"hovering the shape titled {prefix!r}... changes none of its styles (no CSS :hover highlight)")
    if not problems:
        print(f"    hover: tooltip {tip['tooltip']!r}", file=sys.stderr)
    page.mouse.move(5, 5)
    return problems


def screenshot(page, path):
    """The whole notebook in one picture: grow the window to the notebook's height."""
    extra = page.evaluate(
        """() => { const o = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer');
                   const cells = o ? o.querySelectorAll('.jp-Cell') : [];
                   if (!cells.length) return 0;
                   const last = cells[cells.length - 1].getBoundingClientRect().bottom + o.scrollTop;
                   return Math.ceil(last - o.getBoundingClientRect().bottom + 24) }"""
    )
    height = min(VIEWPORT["height"] + max(extra, 0), MAX_SCREENSHOT_HEIGHT)
    page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
    time.sleep(1.0)
    page.evaluate(
        """() => { const o = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer'); if (o) o.scrollTop = 0 }"""
    )
    os.makedirs(os.path.dirname(path), exist_ok=True)
    page.screenshot(path=path)
    page.set_viewport_size(VIEWPORT)


def run_notebook(browser, lab, path, out_dir, hover, timeout, kernel=KERNEL_DISPLAY_NAME):
    """Open one notebook, run all cells, check. Returns (problems, seconds)."""
    rel = os.path.relpath(os.path.abspath(path), ROOT)
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    n_code = sum(1 for c in nb["cells"] if c["cell_type"] == "code")
    tooltips = nb.get("metadata", {}).get("makemore_check", {}).get("hover_tooltips", [])
    name = os.path.splitext(os.path.basename(path))[0]
    problems = []
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    log = KernelLog()
    log.attach(page)
    writes = []
    page.on("request", lambda r: writes.append(f"{r.method} {r.url}") if writes_file(r.method, r.url) else None)
    page_errors = []
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    try:
        # ?reset: a fresh layout, whatever an earlier page left in the workspace
        opened = time.monotonic()
        page.goto(lab.url("lab/tree/" + urllib.parse.quote(rel) + "?reset"))
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=120_000)
        # a kernel's first start in an empty build folder compiles evcxr's runtime: minutes
        deadline = time.monotonic() + KERNEL_START_TIMEOUT
        reloads, restarts, next_look = 0, 0, time.monotonic() + PAGE_STUCK_AFTER
        while True:
            state = page.evaluate(STATE_JS)
            if state["dialogs"]:
                return [f"a dialog came up when opening the notebook: {state['dialogs'][0][:300]}"], 0.0
            if state["kernel"] == kernel and state["status"] == "idle":
                break
            if time.monotonic() > deadline:
                return [f"the kernel shown is {state['kernel']!r} ({state['status'] or 'no status'}), not {kernel!r}"], 0.0
            if time.monotonic() > next_look:
                # Seen a few times: the server's kernel is up and idle, but the page never
                # heard of it (its status stays 'unknown'). Reload the page then, then open
                # the notebook with a new kernel, instead of waiting out the start-up limit.
                next_look = time.monotonic() + PAGE_STUCK_AFTER
                server_idle = any(k.get("execution_state") == "idle" for k in lab.api("GET", "kernels") or [])
                if server_idle and reloads < PAGE_RELOADS:
                    reloads += 1
                    print(f"    the kernel is idle on the server but not on the page: reloading ({reloads})", file=sys.stderr)
                    page.reload()
                    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=120_000)
                elif server_idle and restarts < 2:
                    # Shut the session (and its kernel) down and open the notebook again, with
                    # a new kernel.
                    restarts += 1
                    reloads = 0
                    print(f"    still not on the page: a new kernel ({restarts})", file=sys.stderr)
                    for session in lab.api("GET", "sessions") or []:
                        lab.api("DELETE", "sessions/" + session["id"])
                    page.goto(lab.url("lab/tree/" + urllib.parse.quote(rel) + "?reset"))
                    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=120_000)
            time.sleep(0.25)
        # the file browser off: the notebook gets the page's width (as in the screenshot)
        page.locator(".jp-NotebookPanel .jp-Notebook").first.click(position={"x": 5, "y": 5})
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        page.keyboard.press("Control+b")
        cells = page.evaluate(CELLS_JS)
        if len(cells) != n_code:
            problems.append(f"the page shows {len(cells)} code cells, the file has {n_code}")

        start = time.monotonic()
        kernel_seconds = start - opened
        page.locator(".lm-MenuBar-item", has_text="Run").click()
        page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
        deadline = start + timeout
        stable = 0
        while stable < 3:
            time.sleep(0.5)
            state = page.evaluate(STATE_JS)
            if state["dialogs"]:
                problems.append(f"a dialog came up while running: {state['dialogs'][0][:300]}")
                break
            cells = page.evaluate(CELLS_JS)
            running = any(c["prompt"] == "[*]:" for c in cells)
            started = bool(log.requests) or time.monotonic() - start > 30
            if started and not running and state["status"] == "idle" and not log.pending():
                stable += 1
            else:
                stable = 0
            if time.monotonic() > deadline:
                problems.append(f"still running after {timeout} s")
                break
        seconds = time.monotonic() - start

        for i, cell in enumerate(cells, 1):
            if not cell["prompt"].strip("[]: ").isdigit():
                problems.append(f"code cell {i} did not run (prompt {cell['prompt']!r}): {first_line(cell['source'])}")
                break
        for code, text in log.errors:
            problems.append(f"error in cell `{first_line(code)}`:\n{indent(text)}")
        for code, text in log.stderr:
            problems.append(f"stderr output in cell `{first_line(code)}`:\n{indent(text)}")
        shown = page.evaluate(OUTPUTS_JS)
        if not log.errors and not log.stderr:
            for err in shown["errors"]:
                problems.append(f"error output in code cell {err['cell']} `{err['source'][:80]}`:\n{indent(err['text'])}")
        for fig in shown["figures"]:
            for problem in fig["problems"]:
                problems.append(f"figure in code cell {fig['cell']} `{fig['source'][:80]}`: {problem}")
        if len(shown["figures"]) != log.figures:
            problems.append(f"the kernel sent {log.figures} figures, the page shows {len(shown['figures'])}")
        if hover:
            problems += hover_check(page)
        for prefix in tooltips:
            problems += tooltip_check(page, prefix)
        for err in page_errors:
            problems.append(f"JavaScript error in the page: {err[:300]}")
        screenshot(page, os.path.join(out_dir, name + ".png"))
        print(
            f"    page and kernel ready in {kernel_seconds:.1f} s; {len(cells)} code cells in {seconds:.1f} s, {len(shown['figures'])} figures"
            + (" (kinds: " + ", ".join(sorted({k for f in shown["figures"] for k in f["kinds"]})) + ")" if shown["figures"] else ""),
            file=sys.stderr,
        )
    except PlaywrightError as e:
        problems.append(f"browser: {str(e).splitlines()[0]}")
        seconds = 0.0
    finally:
        context.close()
    for request in writes:
        problems.append(f"the page tried to write a file: {urllib.parse.unquote(request)}")
    return problems, seconds


def expected_failure(path, problems):
    """--expect-failure: the problems left when a notebook must fail. A check notebook
    names the failure it must cause in its metadata (makemore_check.expected_failure),
    so that it cannot pass by failing for another reason (a missing folder, say)."""
    with open(path, encoding="utf-8") as f:
        expected = json.load(f).get("metadata", {}).get("makemore_check", {}).get("expected_failure")
    if not problems:
        return ["it passed, but it should have failed" + (f" with: {expected}" if expected else "")]
    if expected and not any(expected in p for p in problems):
        return [f"it failed, but not with the expected: {expected}"] + problems
    print("    (failed as expected) " + next(p for p in problems if not expected or expected in p).splitlines()[0], file=sys.stderr)
    return []


def indent(text, limit=25):
    lines = text.rstrip().splitlines()
    more = [f"... ({len(lines) - limit} more lines)"] if len(lines) > limit else []
    return "\n".join("      " + line for line in lines[:limit] + more)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*")
    parser.add_argument("--out", default=os.path.join(ROOT, "out", "jupyterlab"))
    parser.add_argument("--hover", action="append", metavar="NAME", help="check heatmap hover in this notebook (file name)")
    parser.add_argument("--expect-failure", action="store_true")
    parser.add_argument("--kernel", default=KERNEL_DISPLAY_NAME, help="the kernel display name to expect")
    parser.add_argument("--timeout", type=float, default=2400, help="seconds per notebook (the first run compiles tch)")
    args = parser.parse_args()
    notebooks = args.notebooks or sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")))
    hover = set(args.hover if args.hover is not None else DEFAULT_HOVER)
    before = digest(notebooks)
    passed = failed = 0
    with LabServer(ROOT) as lab, sync_playwright() as p:
        browser = launch(p)
        try:
            for path in notebooks:
                print(f"==> {os.path.relpath(path, ROOT)} in JupyterLab", file=sys.stderr, flush=True)
                problems, seconds = run_notebook(browser, lab, path, args.out, os.path.basename(path) in hover, args.timeout, args.kernel)
                lab.shutdown_kernels()
                if args.expect_failure:
                    problems = expected_failure(path, problems)
                if problems:
                    failed += 1
                    print(f"    FAILED after {seconds:.1f} s", file=sys.stderr)
                    for problem in problems:
                        print("  - " + problem, file=sys.stderr)
                else:
                    passed += 1
                    print(f"    ok  {seconds:6.1f} s", file=sys.stderr)
                sys.stderr.flush()
        finally:
            browser.close()
    changed = [p for p, h in digest(notebooks).items() if h != before[p]]
    for path in changed:
        failed += 1
        print(f"  - FAILED: {os.path.relpath(path, ROOT)} changed on disk during the run", file=sys.stderr)
    print(f"jupyterlab: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
