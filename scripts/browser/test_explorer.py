#!/usr/bin/env python3
"""Browser tests of the bigram explorer page (`makemore heatmap --out FILE.html`).

Builds the page with target/release/makemore, opens it from file:// in headless
Chromium (Debian's /usr/bin/chromium, driven by Playwright) and checks what a user
sees: hovering, clicking, the smoothing control and its NLL, the views, sampling,
the keyboard, colour contrast, hostile word lists, a non-ASCII list, the largest
vocabulary the page accepts and the clear error above it. Fails on any console
error, page error, dialog or network request.

Expected values come from the project's fixtures (PyTorch's reference counts and
NLLs in makemore-lib/tests/fixtures/intel/*-reference.json) and from counting the word
lists here in Python, not from the page.

Usage: scripts/browser/test_explorer.py [--update-docs] [--headed]
  writes out/browser/*.html and out/browser/explorer.png; with --update-docs also
  docs/explorer.png. Ends with `browser: N passed, M failed`; exits 1 on a failure.
"""

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chromium import launch  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
MAKEMORE = ROOT / "target" / "release" / "makemore"
FIXTURES = ROOT / "makemore-lib" / "tests" / "fixtures"
# PyTorch's reference values; counts, vocabularies and NLLs to 6 decimals are the same in
# every CPU vendor's set (intel/, amd/), so one set serves on any machine
REFERENCE = FIXTURES / "intel"
OUT = ROOT / "out" / "browser"
MAX_TOKENS = 200  # makemore::EXPLORER_MAX_TOKENS


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {name}")
        else:
            self.failed += 1
            print(f"FAIL {name}{': ' + str(detail) if detail else ''}")
        return ok


def bigram_counts(words):
    """Bigram counts of a word list, '.' marking start and end (the lecture's N)."""
    n = Counter()
    for w in words:
        s = "." + w + "."
        for a, b in zip(s, s[1:]):
            n[a, b] += 1
    return n


def average_nll(n, chars, k):
    """-sum N log P / sum N with P = (N + k) / (row sum + k V), in doubles."""
    rows = Counter()
    for (a, _), c in n.items():
        rows[a] += c
    v = len(chars)
    total = sum(n.values())
    return -sum(c * math.log((c + k) / (rows[a] + k * v)) for (a, _), c in n.items()) / total


def build(word_file, page, *extra):
    """Run makemore heatmap --out page; returns the completed process."""
    return subprocess.run(
        [str(MAKEMORE), "heatmap", "--input", str(word_file), "--out", str(page), *extra],
        capture_output=True,
        text=True,
    )


class Watched:
    """A page whose console errors, page errors, dialogs and network requests are recorded."""

    def __init__(self, browser, url, viewport=(1400, 1000)):
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        self.page = self.context.new_page()
        self.url = url
        self.errors = []
        self.dialogs = []
        self.requests = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(url)
        # the script has run once #nll holds a number
        self.page.wait_for_function("/^\\d/.test(document.getElementById('nll').textContent)")

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def foreign_requests(self):
        return [u for u in self.requests if u != self.url and not u.startswith("data:")]

    def text(self, selector):
        return self.page.inner_text(selector)

    def close(self):
        self.context.close()


def cell(a, b):
    return f'td[data-from="{css_string(a)}"][data-to="{css_string(b)}"]'


def css_string(s):
    return s.replace("\\", "\\\\").replace('"', '\\"')


def test_names(browser, r, update_docs):
    words = (ROOT / "data" / "names.txt").read_text().splitlines()
    ref = json.loads((REFERENCE / "names-reference.json").read_text())
    chars = ref["itos"]
    page_file = OUT / "names.html"
    run = build(ROOT / "data" / "names.txt", page_file)
    if not r.check("names: makemore heatmap --out names.html", run.returncode == 0, run.stderr):
        return
    size = page_file.stat().st_size
    print(f"     page size for names.txt: {size} bytes")
    r.check("names: page under 100 kB", size < 100_000, size)
    w = Watched(browser, page_file.as_uri())
    p = w.page

    # every bigram is one cell with PyTorch's count
    cells = p.eval_on_selector_all("td[data-from]", "tds => tds.map(t => [t.dataset.from, t.dataset.to, +t.dataset.count])")
    expected = [[a, b, ref["N"][i][j]] for i, a in enumerate(chars) for j, b in enumerate(chars)]
    r.check("names: 729 cells carry data-from/-to/-count equal to PyTorch's N", cells == expected)

    # hover n -> . shows the lecture's 6763, and its probability at smoothing 1
    p.hover(cell("n", "."))
    info = w.text("#info")
    n_row = sum(ref["N"][chars.index("n")])
    p_smoothed = (6763 + 1) / (n_row + 27)
    r.check("names: hover n. shows 6763 in #info", "n." in info and "count 6763 of" in info, info)
    r.check("names: hover n. shows P at smoothing 1", f"= {p_smoothed:.6f} at smoothing 1" in info, info)

    # click the cell: the row n as bars, with its entropy
    p.click(cell("n", "."))
    row = w.text("#row")
    bars = p.eval_on_selector_all("#row .track", "ts => ts.map(t => t.dataset.to)")
    values = [float(v) for v in p.eval_on_selector_all("#row .val", "vs => vs.map(v => v.textContent)")]
    probs = [(c + 1) / (n_row + 27) for c in ref["N"][chars.index("n")]]
    entropy_bits = -sum(q * math.log2(q) for q in probs)
    r.check("names: click n. shows P(next | n) in #row", "P(next | n)" in row and bars == chars, row[:80])
    r.check(
        "names: row bars are P(next | n) to 4 decimals",
        all(abs(v - q) <= 0.5e-4 + 1e-12 for v, q in zip(values, probs)) and len(values) == 27,
        values[:3],
    )
    r.check("names: row shows its entropy", f"entropy {entropy_bits:.3f} bits" in row, row[:80])
    p.click('button.rowlabel[data-row="1"]')
    r.check("names: click row label a shows P(next | a)", "P(next | a)" in w.text("#row"))
    r.check("names: the row label is marked pressed", p.get_attribute('button.rowlabel[data-row="1"]', "aria-pressed") == "true")

    # smoothing: the NLLs (PyTorch: 2.454576824893644 and 2.454014490087453)
    r.check("names: #nll is 2.454577 at smoothing 1", w.text("#nll") == "2.454577", w.text("#nll"))
    r.check("names: matches PyTorch's exact NLL", w.text("#nll") == f"{ref['nll_smoothed']['avg_exact']:.6f}")
    p.fill("#smoothing", "0")
    r.check("names: #nll is 2.454014 at smoothing 0", w.text("#nll") == "2.454014", w.text("#nll"))
    p.hover(cell("n", "."))
    r.check("names: at smoothing 0 hover n. shows 6763 / row sum", f"= {6763 / n_row:.6f} at smoothing 0" in w.text("#info"))
    p.fill("#smoothing", "10")
    nll10 = average_nll(bigram_counts(words), chars, 10)
    r.check("names: #nll at smoothing 10 equals the counts' NLL", w.text("#nll") == f"{nll10:.6f}", (w.text("#nll"), nll10))
    r.check("names: the slider follows the number field", p.input_value("#smoothing-range") == "10")
    p.fill("#smoothing", "-1")
    r.check(
        "names: smoothing -1 is refused with a message, NLL kept",
        "0 or more" in w.text("#smoothing-error") and w.text("#nll") == f"{nll10:.6f}",
    )
    # the slider with the keyboard: Home is 0, one ArrowRight is 0.1
    p.focus("#smoothing-range")
    p.keyboard.press("Home")
    r.check("names: slider Home gives smoothing 0", w.text("#nll") == "2.454014" and p.input_value("#smoothing") == "0")
    p.keyboard.press("ArrowRight")
    nll01 = average_nll(bigram_counts(words), chars, 0.1)
    r.check("names: slider ArrowRight gives smoothing 0.1", w.text("#nll") == f"{nll01:.6f}", w.text("#nll"))
    p.fill("#smoothing", "1")
    r.check("names: back to 2.454577 at smoothing 1", w.text("#nll") == "2.454577")

    # views: text and colours change
    before = p.eval_on_selector(cell("q", "."), "t => getComputedStyle(t).backgroundColor")
    p.check('input[name=view][value="probs"]')
    pn = (6763 + 1) / (n_row + 27)
    r.check("names: probabilities view shows P in the cell", p.inner_text(cell("n", ".") + " .v") == f"{pn:.3f}")
    p.check('input[name=view][value="log"]')
    after = p.eval_on_selector(cell("q", "."), "t => getComputedStyle(t).backgroundColor")
    r.check("names: log view shows counts and colours rare bigrams darker", p.inner_text(cell("n", ".") + " .v") == "6763" and before != after, (before, after))
    contrast = lowest_contrast(p)
    p.check('input[name=view][value="counts"]')
    contrast = min(contrast, lowest_contrast(p))
    r.check("names: every cell's text has contrast >= 4.5:1 (WCAG AA)", contrast >= 4.5, contrast)

    # keyboard: cells are focusable, arrows move
    p.focus(cell(".", "."))
    moves = []
    for key in ["ArrowRight", "ArrowDown", "ArrowDown", "End", "ArrowLeft", "Home", "ArrowUp"]:
        p.keyboard.press(key)
        moves.append(p.evaluate("document.activeElement.dataset.from + document.activeElement.dataset.to"))
    r.check("names: arrow keys, Home and End move the focus", moves == [".a", "aa", "ba", "bz", "by", "b.", "a."], moves)
    r.check("names: focus shows the cell in #info", w.text("#info").startswith("a."), w.text("#info"))
    p.keyboard.press("Enter")
    r.check("names: Enter shows the focused cell's row", "P(next | a)" in w.text("#row"))
    r.check("names: one cell in the tab order", p.eval_on_selector_all("td[tabindex='0']", "ts => ts.length") == 1)

    # sampling: names from the current P, reproducible by seed
    p.fill("#smoothing", "0")
    p.fill("#seed", "42")
    p.click("#sample")
    first = p.eval_on_selector_all("#samples li", "ls => ls.map(l => l.textContent)")
    p.click("#sample")
    again = p.eval_on_selector_all("#samples li", "ls => ls.map(l => l.textContent)")
    p.fill("#seed", "43")
    p.click("#sample")
    other = p.eval_on_selector_all("#samples li", "ls => ls.map(l => l.textContent)")
    n = bigram_counts(words)
    seen = all(all(n[a, b] > 0 for a, b in zip("." + s, s + ".")) for s in first if not s.endswith("…"))
    r.check("names: sample fills 10 names", len(first) == 10 and all(first), first)
    r.check("names: the same seed gives the same names", first == again)
    r.check("names: another seed gives other names", first != other)
    r.check("names: at smoothing 0 every sampled bigram occurs in names.txt", seen, first)
    p.fill("#seed", "-3")
    p.click("#sample")
    r.check("names: a negative seed is refused with a message", "seed must be" in w.text("#samples"))

    # screenshot: a hovered cell, a row and samples
    p.fill("#smoothing", "1")
    p.fill("#seed", "2147483647")
    p.click("#sample")
    p.click(cell("n", "."))
    p.hover(cell("n", "."))
    p.set_viewport_size({"width": 1300, "height": 900})
    OUT.mkdir(parents=True, exist_ok=True)
    shot = OUT / "explorer.png"
    p.screenshot(path=str(shot))
    print(f"     screenshot: {shot.relative_to(ROOT)} ({shot.stat().st_size} bytes)")
    if update_docs:
        docs = ROOT / "docs" / "explorer.png"
        docs.write_bytes(shot.read_bytes())
        r.check("names: docs/explorer.png under 300 kB", docs.stat().st_size < 300_000, docs.stat().st_size)

    r.check("names: no console or page errors", not w.errors, w.errors)
    r.check("names: no dialogs", not w.dialogs, w.dialogs)
    r.check("names: no network requests but the page", not w.foreign_requests(), w.foreign_requests())
    w.close()


def lowest_contrast(page):
    """The lowest WCAG contrast ratio between a cell's text colour and its background."""
    return page.evaluate(
        """() => {
        const lum = (s) => {
          const c = s.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map(v => v / 255)
            .map(v => v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
          return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
        };
        let low = Infinity;
        for (const td of document.querySelectorAll('td[data-from]')) {
          const st = getComputedStyle(td);
          const a = lum(st.color), b = lum(st.backgroundColor);
          low = Math.min(low, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05));
        }
        return low;
      }"""
    )


HOSTILE = [
    "<img src=x onerror=alert(1)>",
    '"><script>alert(2)</script>',
    "</script><script>alert(3)</script>",
    "' onmouseover='alert(4)",
    "&lt;b&gt;bold&lt;/b&gt;",
    "<svg onload=alert(5)>",
    "emma",
]


def test_hostile(browser, r, tmp):
    word_file = tmp / "\"><b>xss&amp;.txt"
    word_file.write_text("\n".join(HOSTILE) + "\n")
    page_file = OUT / "hostile.html"
    run = build(word_file, page_file)
    if not r.check("hostile: the page builds", run.returncode == 0, run.stderr):
        return
    w = Watched(browser, page_file.as_uri())
    p = w.page
    chars = sorted(set("".join(HOSTILE)))
    r.check("hostile: one cell per bigram", p.eval_on_selector_all("td[data-from]", "t => t.length") == (len(chars) + 1) ** 2)
    p.hover(cell("<", "i"))
    r.check("hostile: hover <i shows it as text", w.text("#info").startswith("<i") and "count 1 of" in w.text("#info"), w.text("#info"))
    p.hover(cell('"', ">"))
    r.check('hostile: hover "> shows it as text', w.text("#info").startswith('">'), w.text("#info"))
    labels = p.eval_on_selector_all("button.rowlabel", "bs => bs.map(b => b.textContent)")
    r.check("hostile: row labels are the characters as text", labels == ["."] + ["\u2423" if c == " " else c for c in chars], labels)
    p.click(f'button.rowlabel[data-row="{1 + chars.index("<")}"]')
    r.check("hostile: row of < shows", "P(next | <)" in w.text("#row"))
    p.fill("#count", "200")
    p.click("#sample")
    names = p.eval_on_selector_all("#samples li", "ls => ls.map(l => l.textContent)")
    r.check("hostile: 200 sampled names shown as text", len(names) == 200 and p.eval_on_selector_all("#samples li *", "e => e.length") == 0)
    tags = p.evaluate("""() => ({img: document.querySelectorAll('img').length, svg: document.querySelectorAll('svg').length,
        script: document.querySelectorAll('script').length, b: document.querySelectorAll('b').length})""")
    r.check("hostile: no injected elements (no img, svg, b; the page's 2 scripts)", tags == {"img": 0, "svg": 0, "script": 2, "b": 0}, tags)
    r.check("hostile: the file name is text in the header and title", w.text("header .source") == word_file.name and p.title() == "Bigram explorer: " + word_file.name, p.title())
    r.check("hostile: no dialog fired", not w.dialogs, w.dialogs)
    r.check("hostile: no console or page errors", not w.errors, w.errors)
    r.check("hostile: no network requests", not w.foreign_requests(), w.foreign_requests())
    w.close()


def test_accents(browser, r):
    ref = json.loads((REFERENCE / "accents-reference.json").read_text())
    chars = ref["itos"]
    page_file = OUT / "accents.html"
    run = build(FIXTURES / "accents.txt", page_file)
    if not r.check("accents: the page builds", run.returncode == 0, run.stderr):
        return
    w = Watched(browser, page_file.as_uri())
    p = w.page
    cells = p.eval_on_selector_all("td[data-from]", "tds => tds.map(t => [t.dataset.from, t.dataset.to, +t.dataset.count])")
    expected = [[a, b, ref["N"][i][j]] for i, a in enumerate(chars) for j, b in enumerate(chars)]
    r.check(f"accents: {len(chars)}x{len(chars)} cells equal PyTorch's N", cells == expected)
    r.check("accents: #nll at smoothing 1 is PyTorch's", w.text("#nll") == f"{ref['nll_smoothed']['avg_exact']:.6f}", w.text("#nll"))
    p.fill("#smoothing", "0")
    r.check("accents: #nll at smoothing 0 is PyTorch's", w.text("#nll") == f"{ref['nll_unsmoothed']['avg_exact']:.6f}", w.text("#nll"))
    i, j = chars.index("ë"), chars.index(".")
    p.hover(cell("ë", "."))
    r.check("accents: hover ë. shows its count", w.text("#info").startswith("ë.") and f"count {ref['N'][i][j]} of" in w.text("#info"), w.text("#info"))
    p.click(cell("ø", "r"))
    r.check("accents: click shows P(next | ø)", "P(next | ø)" in w.text("#row"))
    p.click("#sample")
    names = p.eval_on_selector_all("#samples li", "ls => ls.map(l => l.textContent)")
    r.check("accents: samples use the list's letters", len(names) == 10 and all(set(s) <= set(chars) for s in names), names)
    r.check("accents: no console or page errors, no requests", not w.errors and not w.foreign_requests(), (w.errors, w.foreign_requests()))
    w.close()


def test_large(browser, r, tmp):
    # '.' plus MAX_TOKENS - 1 CJK characters: the largest page; one more is refused
    letters = [chr(0x4E00 + k) for k in range(MAX_TOKENS)]
    words = ["".join(letters[k : k + 3]) for k in range(0, MAX_TOKENS - 1)]
    words = [w for w in words if letters[MAX_TOKENS - 1] not in w]
    at_limit = tmp / "large.txt"
    at_limit.write_text("\n".join(words) + "\n")
    page_file = OUT / "large.html"
    run = build(at_limit, page_file)
    if not r.check(f"large: {MAX_TOKENS} tokens build a page", run.returncode == 0, run.stderr):
        return
    print(f"     page size for {MAX_TOKENS} tokens: {page_file.stat().st_size} bytes")
    start = time.monotonic()
    w = Watched(browser, page_file.as_uri())
    p = w.page
    loaded = time.monotonic() - start
    r.check(f"large: {MAX_TOKENS ** 2} cells", p.eval_on_selector_all("td[data-from]", "t => t.length") == MAX_TOKENS**2)
    nll1 = average_nll(bigram_counts(words), ["."] + letters[: MAX_TOKENS - 1], 1)
    r.check("large: #nll at smoothing 1", w.text("#nll") == f"{nll1:.6f}", (w.text("#nll"), nll1))
    start = time.monotonic()
    p.fill("#smoothing", "0")
    p.wait_for_function("document.getElementById('nll').textContent !== '%s'" % f"{nll1:.6f}")
    redraw = time.monotonic() - start
    print(f"     {MAX_TOKENS} tokens: load {loaded:.2f} s, smoothing redraw {redraw:.2f} s")
    r.check("large: a smoothing change redraws within 2 s", redraw < 2.0, redraw)
    far = cell(letters[150], letters[151])
    p.hover(far)
    r.check("large: hover deep in the grid shows the cell", w.text("#info").startswith(letters[150] + letters[151]), w.text("#info"))
    p.focus(far)
    p.keyboard.press("ArrowDown")
    r.check("large: arrows move there too", p.evaluate("document.activeElement.dataset.from") == letters[151])
    r.check("large: no console or page errors", not w.errors, w.errors)
    w.close()
    over = tmp / "over.txt"
    over.write_text("\n".join(words + [letters[MAX_TOKENS - 1]]) + "\n")
    run = build(over, OUT / "over.html")
    r.check(
        f"large: {MAX_TOKENS + 1} tokens are refused with the limit",
        run.returncode == 1 and f"at most {MAX_TOKENS} tokens" in run.stderr and not (OUT / "over.html").exists(),
        run.stderr,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--update-docs", action="store_true", help="also write docs/explorer.png")
    parser.add_argument("--headed", action="store_true", help="show the browser")
    args = parser.parse_args()
    if not MAKEMORE.exists():
        sys.exit(f"{MAKEMORE} is missing: run cargo build --release first")
    OUT.mkdir(parents=True, exist_ok=True)
    for stale in OUT.glob("*.html"):
        stale.unlink()
    r = Results()
    with sync_playwright() as pw, tempfile.TemporaryDirectory() as tmp:
        browser = launch(pw, headless=not args.headed)
        for test in (
            lambda: test_names(browser, r, args.update_docs),
            lambda: test_hostile(browser, r, Path(tmp)),
            lambda: test_accents(browser, r),
            lambda: test_large(browser, r, Path(tmp)),
        ):
            try:
                test()
            except Exception as e:  # a timeout or a missing element fails the group, not the run
                r.check("no exception", False, f"{type(e).__name__}: {e}")
        browser.close()
    print(f"browser: {r.passed} passed, {r.failed} failed")
    sys.exit(1 if r.failed else 0)


if __name__ == "__main__":
    main()
