"""Run the notebooks in JupyterLab, in headless Chromium, and check what a learner sees.

    .venv/bin/python scripts/browser/jupyterlab.py [--out DIR] [--hover NAME]... [--expect-failure] [NOTEBOOK...]

With no NOTEBOOK it runs notebooks/*.ipynb, all in one page of JupyterLab (a fresh server of
the project's .venv, scripts/browser/labserver.py), as a learner opens them: the first at its
address, each next one through File > Open from Path... once the one before has run its first
cell, so that it opens while the kernel before runs cells; no kernel is shut down. Each notebook
must get its kernel: the kernel's start may take minutes (a first build compiles), but once the
kernel answers (asked on its control channel, out of the page's sight), the page must show it,
idle, within PAGE_KERNEL_LIMIT s, or the notebook fails ("the page never saw its kernel", with
what the page received from it): no reload, no new kernel. Then Run > Run All Cells. When every
notebook has been started, each in turn is put on show, waited for until every cell has run and
its kernel is idle, and checked:

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
import shutil
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
# A kernel's first start in an empty build folder, and a build folder another kernel is
# compiling in, may take minutes: the limit for the server to have the notebook's kernel up.
KERNEL_START_TIMEOUT = 900
# Once the server's kernel is up (it has answered), the page must show it within this: a
# learner's page that does not is stuck ("Unknown" in the status bar, every cell [*]).
PAGE_KERNEL_LIMIT = 60
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


class KernelRecord:
    """What one kernel said on the page's websockets: requests, replies, outputs."""

    def __init__(self):
        self.requests = {}  # msg_id -> code of each execute_request the page sent
        self.replies = {}  # msg_id -> status of its execute_reply
        self.errors = []  # (code, text)
        self.stderr = []  # (code, text)
        self.figures = 0  # display_data / execute_result bundles that hold a figure
        self.heatmap_mimes = []  # mime types of bundles that hold the count HOVER_COUNT
        self.sockets = 0  # websockets the page opened to it
        self.received = {}  # msg_type -> count of the messages that reached the page
        self.last_reply = None  # when the last execute_reply reached the page (time.monotonic())

    def pending(self):
        return [m for m in self.requests if m not in self.replies]


class KernelLog:
    """What each kernel said, from the page's websockets (one page holds every notebook, and
    each notebook's kernel has its own websocket: /api/kernels/ID/channels)."""

    def __init__(self):
        self.kernels = {}  # kernel id -> KernelRecord

    def of(self, kernel_id):
        return self.kernels.setdefault(kernel_id, KernelRecord())

    def attach(self, page):
        def on_socket(ws):
            path = urllib.parse.urlparse(ws.url).path.split("/")
            if path[-1] != "channels" or "kernels" not in path:
                return
            record = self.of(path[path.index("kernels") + 1])
            record.sockets += 1
            ws.on("framesent", lambda p: self.frame(record, p, sent=True))
            ws.on("framereceived", lambda p: self.frame(record, p, sent=False))

        page.on("websocket", on_socket)

    def frame(self, record, payload, sent):
        try:
            channel, msg_type, parent, content = kernel_message(payload)
        except (ValueError, KeyError, IndexError, UnicodeDecodeError):
            return
        if sent:
            if msg_type == "execute_request":
                record.requests[self._own_id(payload)] = content.get("code", "")
            return
        record.received[msg_type] = record.received.get(msg_type, 0) + 1
        code = record.requests.get(parent, "")
        if msg_type == "execute_reply":
            record.replies[parent] = content.get("status")
            record.last_reply = time.monotonic()
        elif msg_type == "error":
            text = "\n".join(content.get("traceback") or []) or f"{content.get('ename')}: {content.get('evalue')}"
            record.errors.append((code, strip_ansi(text)))
        elif msg_type == "stream" and content.get("name") == "stderr":
            record.stderr.append((code, strip_ansi(content.get("text", ""))))
        elif msg_type in ("display_data", "execute_result"):
            data = content.get("data", {})
            html = data.get("text/html", "")
            if any(m in data for m in FIGURE_MIMES) or "<svg" in html or "<img" in html:
                record.figures += 1
            if any(HOVER_COUNT in str(v) for m, v in data.items() if m != "text/plain"):
                record.heatmap_mimes.append(sorted(data))

    @staticmethod
    def _own_id(payload):
        if isinstance(payload, str):
            return json.loads(payload)["header"]["msg_id"]
        count = int.from_bytes(payload[:8], "little")
        offsets = [int.from_bytes(payload[8 + 8 * i : 16 + 8 * i], "little") for i in range(count)]
        return json.loads(payload[offsets[1] : offsets[2]])["msg_id"]


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


# The notebook on show: its tab's label and cells, and whether the left sidebar is open.
SHOWN_JS = """() => ({
    tab: document.querySelector('#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel')?.textContent.trim() || '',
    cells: document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell').length,
    sidebar: !!document.querySelector('#jp-left-stack:not(.lm-mod-hidden)'),
})"""


class KernelProbe:
    """Whether a kernel has started, asked on its control channel, out of the page's sight.

    evcxr answers there only once its start-up is done (it builds a first cell in its build
    folder), and without the busy/idle messages a shell request causes, which the page would
    take as its kernel's status: the probe cannot hide a page that missed its kernel."""

    def __init__(self, lab, kernel_id):
        import zmq
        from jupyter_client.session import Session

        path = os.path.join(lab.state, "runtime", f"kernel-{kernel_id}.json")
        with open(path, encoding="utf-8") as f:
            info = json.load(f)
        self.session = Session(key=info["key"].encode(), signature_scheme=info["signature_scheme"])
        self.context = zmq.Context()
        self.socket = self.context.socket(zmq.DEALER)
        self.socket.linger = 0
        self.socket.connect(f"{info['transport']}://{info['ip']}:{info['control_port']}")
        self.session.send(self.socket, "kernel_info_request")

    def answered(self):
        import zmq

        if not self.socket.poll(0, zmq.POLLIN):
            return False
        self.session.recv(self.socket)
        return True

    def close(self):
        self.socket.close()
        self.context.term()


def open_notebook(page, lab, rel, first):
    """Open a notebook as a learner does: the first at its address (?reset: a fresh layout),
    the next ones in the same page through File > Open from Path..., the notebooks before them
    still open and their kernels running. Waits until it is the notebook on show."""
    if first:
        page.goto(lab.url("lab/tree/" + urllib.parse.quote(rel) + "?reset"))
    else:
        page.locator(".lm-MenuBar-item", has_text="File").click()
        page.locator('.lm-Menu-item[data-command="filebrowser:open-path"]').click()
        page.locator(".jp-Dialog input").fill(rel)
        page.locator(".jp-Dialog button.jp-mod-accept").click()
    deadline = time.monotonic() + 120
    while True:
        shown = page.evaluate(SHOWN_JS)
        if shown["tab"] == os.path.basename(rel) and shown["cells"]:
            return shown
        if time.monotonic() > deadline:
            raise PlaywrightError(f"{rel} was not on show 120 s after opening it (the tab on show: {shown['tab']!r})")
        time.sleep(0.25)


def server_log_excerpt(lab, offset, kernel_id, limit=60):
    """The server log's lines since `offset` about one kernel (its start, restarts, websocket
    connections, the server's kernel_info requests and nudges), and any error or traceback."""
    try:
        with open(lab.log_path, encoding="utf-8", errors="replace") as f:
            f.seek(offset)
            lines = f.read().splitlines()
    except OSError as e:
        return [f"(the server log could not be read: {e})"]
    keys = [k for k in (kernel_id, "Nudge", "kernel_info", "Traceback", "Error", "error", "restart", "Restart") if k]
    # the "activity on" lines are one per kernel message: only their first and last few
    picked = [line for line in lines if any(k in line for k in keys)]
    activity = [line for line in picked if "activity on" in line]
    others = [line for line in picked if "activity on" not in line]
    shown = others + activity[:3] + (["... (%d activity lines)" % (len(activity) - 6)] if len(activity) > 6 else []) + activity[3:][-3:]
    return shown[-limit:]


def wait_for_kernel(page, lab, log, rel, kernel):
    """Wait until the page shows the notebook's kernel, idle. Returns (kernel id, seconds to the
    kernel's start, seconds from then until the page showed it, problems).

    Two waits, told apart: the kernel's start-up (its first start in an empty build folder
    compiles for minutes: up to KERNEL_START_TIMEOUT), then the page (once the kernel answers,
    the page must show it within PAGE_KERNEL_LIMIT, or it is stuck: no reload, no new kernel,
    the test fails)."""
    opened = time.monotonic()
    log_offset = os.path.getsize(lab.log_path)
    kernel_id = probe = up = None
    try:
        while True:
            state = page.evaluate(STATE_JS)
            now = time.monotonic()
            if state["dialogs"]:
                return kernel_id, 0.0, 0.0, [f"a dialog came up when opening the notebook: {state['dialogs'][0][:300]}"]
            if kernel_id is None:
                session = next((s for s in lab.api("GET", "sessions") or [] if s.get("path") == rel), None)
                if session and session.get("kernel"):
                    kernel_id = session["kernel"]["id"]
            if kernel_id and probe is None and os.path.exists(os.path.join(lab.state, "runtime", f"kernel-{kernel_id}.json")):
                probe = KernelProbe(lab, kernel_id)
            if up is None and probe is not None and probe.answered():
                up = now
            if up is not None and state["kernel"] == kernel and state["status"] == "idle":
                return kernel_id, up - opened, now - up, []
            if up is None and now - opened > KERNEL_START_TIMEOUT:
                return kernel_id, 0.0, 0.0, [
                    f"the kernel did not start within {KERNEL_START_TIMEOUT} s "
                    + (f"(kernel {kernel_id} does not answer on its control channel)" if kernel_id else "(the server has no session for the notebook)")
                ]
            if up is not None and now - up > PAGE_KERNEL_LIMIT:
                server = lab.api("GET", f"kernels/{kernel_id}") or {}
                record = log.of(kernel_id)
                return kernel_id, up - opened, now - up, [
                    f"the page never saw its kernel: kernel {kernel_id} started {up - opened:.1f} s after the notebook opened "
                    f"(the server has it {server.get('execution_state')!r}, {server.get('connections')} connection(s)), but "
                    f"{PAGE_KERNEL_LIMIT} s later the page shows {state['kernel'] or '(no kernel)'!r} | {state['status'] or 'no status'!r}; "
                    f"the page's websockets to it: {record.sockets}, messages received: "
                    + (", ".join(f"{k} {v}" for k, v in sorted(record.received.items())) or "none")
                    + "; the server's log of it since the notebook opened:\n"
                    + "\n".join("      " + line for line in server_log_excerpt(lab, log_offset, kernel_id))
                ]
            time.sleep(0.25)
    finally:
        if probe is not None:
            probe.close()


class Run:
    """One notebook of the session: opened, its kernel waited for, Run All clicked."""

    def __init__(self, path):
        self.path = path
        self.rel = os.path.relpath(os.path.abspath(path), ROOT)
        self.name = os.path.splitext(os.path.basename(path))[0]
        with open(path, encoding="utf-8") as f:
            self.nb = json.load(f)
        self.problems = []
        self.kernel_id = None
        self.start = None  # when Run All was clicked
        self.seconds = 0.0
        self.writes = []
        self.page_errors = []


def show_tab(page, name):
    """Put a notebook already open on show, by clicking its tab."""
    page.locator("#jp-main-dock-panel .lm-TabBar-tab", has_text=name).first.click()
    deadline = time.monotonic() + 30
    while page.evaluate(SHOWN_JS)["tab"] != name:
        if time.monotonic() > deadline:
            raise PlaywrightError(f"the tab of {name} did not come on show")
        time.sleep(0.2)


def start_notebook(page, lab, log, run, first, kernel):
    """Open the notebook beside the ones before, wait for its kernel, click Run > Run All Cells."""
    page.on("request", lambda r: run.writes.append(f"{r.method} {r.url}") if writes_file(r.method, r.url) else None)
    page.on("pageerror", lambda e: run.page_errors.append(str(e)))
    try:
        shown = open_notebook(page, lab, run.rel, first)
        run.kernel_id, start_seconds, page_seconds, run.problems = wait_for_kernel(page, lab, log, run.rel, kernel)
        if run.problems:
            return
        print(f"    its kernel started in {start_seconds:.1f} s, on the page {page_seconds:.1f} s later", file=sys.stderr, flush=True)
        # the file browser off: the notebook gets the page's width (as in the screenshot)
        if shown["sidebar"]:
            page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook").first.click(position={"x": 5, "y": 5})
            page.evaluate("() => document.activeElement && document.activeElement.blur()")
            page.keyboard.press("Control+b")
        n_code = sum(1 for c in run.nb["cells"] if c["cell_type"] == "code")
        cells = page.evaluate(CELLS_JS)
        if len(cells) != n_code:
            run.problems.append(f"the page shows {len(cells)} code cells, the file has {n_code}")
        run.start = time.monotonic()
        page.locator(".lm-MenuBar-item", has_text="Run").click()
        page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
    except PlaywrightError as e:
        run.problems.append(f"browser: {str(e).splitlines()[0]}")


def wait_running(page, log, run, timeout):
    """Wait until the notebook's first cell has run (its run is under way, its kernel busy with
    the cells after it), or its run has ended."""
    if run.start is None:
        return
    record = log.of(run.kernel_id)
    deadline = run.start + timeout
    while not record.replies and time.monotonic() < deadline:
        page.wait_for_timeout(250)  # (the page's websocket events arrive only while Playwright waits)


def finish_notebook(page, log, run, out_dir, hover, timeout):
    """Put the notebook on show, wait for its run to end, check what the page shows."""
    if run.start is None:
        return run.problems, 0.0
    problems = run.problems
    record = log.of(run.kernel_id)
    try:
        show_tab(page, os.path.basename(run.path))
        deadline = run.start + timeout
        stable = 0
        while stable < 3:
            time.sleep(0.5)
            state = page.evaluate(STATE_JS)
            if state["dialogs"]:
                problems.append(f"a dialog came up while running: {state['dialogs'][0][:300]}")
                break
            cells = page.evaluate(CELLS_JS)
            running = any(c["prompt"] == "[*]:" for c in cells)
            started = bool(record.requests) or time.monotonic() - run.start > 30
            if started and not running and state["status"] == "idle" and not record.pending():
                stable += 1
            else:
                stable = 0
            if time.monotonic() > deadline:
                problems.append(f"still running after {timeout} s")
                break
        # Run All to the last reply (the notebook may have ended while another was on show)
        run.seconds = (record.last_reply or time.monotonic()) - run.start

        for i, cell in enumerate(cells, 1):
            if not cell["prompt"].strip("[]: ").isdigit():
                problems.append(f"code cell {i} did not run (prompt {cell['prompt']!r}): {first_line(cell['source'])}")
                break
        for code, text in record.errors:
            problems.append(f"error in cell `{first_line(code)}`:\n{indent(text)}")
        for code, text in record.stderr:
            problems.append(f"stderr output in cell `{first_line(code)}`:\n{indent(text)}")
        shown = page.evaluate(OUTPUTS_JS)
        if not record.errors and not record.stderr:
            for err in shown["errors"]:
                problems.append(f"error output in code cell {err['cell']} `{err['source'][:80]}`:\n{indent(err['text'])}")
        for fig in shown["figures"]:
            for problem in fig["problems"]:
                problems.append(f"figure in code cell {fig['cell']} `{fig['source'][:80]}`: {problem}")
        if len(shown["figures"]) != record.figures:
            problems.append(f"the kernel sent {record.figures} figures, the page shows {len(shown['figures'])}")
        if hover:
            problems += hover_check(page)
        for prefix in run.nb.get("metadata", {}).get("makemore_check", {}).get("hover_tooltips", []):
            problems += tooltip_check(page, prefix)
        for err in run.page_errors:
            problems.append(f"JavaScript error in the page: {err[:300]}")
        screenshot(page, os.path.join(out_dir, run.name + ".png"))
        print(
            f"    {len(cells)} code cells in {run.seconds:.1f} s, {len(shown['figures'])} figures"
            + (" (kinds: " + ", ".join(sorted({k for f in shown["figures"] for k in f["kinds"]})) + ")" if shown["figures"] else ""),
            file=sys.stderr,
        )
    except PlaywrightError as e:
        problems.append(f"browser: {str(e).splitlines()[0]}")
    for request in run.writes:
        problems.append(f"the page tried to write a file: {urllib.parse.unquote(request)}")
    return problems, run.seconds


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
            # One page for every notebook, as a learner's browser: each notebook opens beside the
            # ones before, whose kernels keep running.
            page = browser.new_context(viewport=VIEWPORT).new_page()
            log = KernelLog()
            log.attach(page)
            # Each notebook opens while the one before is still running its cells, as a
            # learner opens the next lecture while the last one runs; then each is checked.
            runs = []
            for path in notebooks:
                if runs:
                    wait_running(page, log, runs[-1], args.timeout)
                print(f"==> {os.path.relpath(path, ROOT)}: opened in JupyterLab", file=sys.stderr, flush=True)
                runs.append(Run(path))
                start_notebook(page, lab, log, runs[-1], len(runs) == 1, args.kernel)
            for run in runs:
                print(f"==> {run.rel} in JupyterLab", file=sys.stderr, flush=True)
                problems, seconds = finish_notebook(page, log, run, args.out, os.path.basename(run.path) in hover, args.timeout)
                if args.expect_failure:
                    problems = expected_failure(run.path, problems)
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
    # the server's log (DEBUG: each kernel's connections, nudges and messages) outlives the
    # next server's start, which clears target/jupyter-test/
    os.makedirs(args.out, exist_ok=True)
    shutil.copy(lab.log_path, os.path.join(args.out, "server.log"))
    changed = [p for p, h in digest(notebooks).items() if h != before[p]]
    for path in changed:
        failed += 1
        print(f"  - FAILED: {os.path.relpath(path, ROOT)} changed on disk during the run", file=sys.stderr)
    print(f"jupyterlab: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
