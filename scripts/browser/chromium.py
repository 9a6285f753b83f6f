"""Headless Chromium for the project's browser tests, through Playwright for Python.

Playwright cannot download its own browser builds here, so the tests drive the
system's Chromium (Debian's `chromium` package, which scripts/setup.sh installs):
set MAKEMORE_CHROMIUM to use another binary.

    from chromium import launch
    with sync_playwright() as p:
        browser = launch(p)
"""
import os
import shutil

DEFAULT_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")

# No sandbox only as root (Chromium refuses to start otherwise); no GPU, no
# background traffic of the browser's own (updates, sync, first-run pages): the
# tests must see only the requests of the page under test.
ARGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def executable():
    """The Chromium binary to drive, or a clear error saying how to get one."""
    path = os.environ.get("MAKEMORE_CHROMIUM")
    if path:
        if not os.access(path, os.X_OK):
            raise SystemExit(f"error: MAKEMORE_CHROMIUM={path} is not an executable file")
        return path
    for path in DEFAULT_PATHS:
        if os.access(path, os.X_OK):
            return path
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    raise SystemExit(
        "error: no Chromium found for the browser tests. Install it "
        "(Debian/Ubuntu: apt-get install chromium; scripts/setup.sh does this as root) "
        "or set MAKEMORE_CHROMIUM to a Chromium or Chrome binary."
    )


def launch(playwright, headless=True):
    """Start Chromium (headless unless asked) with the project's flags; the caller closes it."""
    args = list(ARGS)
    if os.geteuid() == 0:
        args.insert(0, "--no-sandbox")
    return playwright.chromium.launch(executable_path=executable(), headless=headless, args=args)
