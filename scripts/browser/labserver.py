"""A JupyterLab server for tests: the project's .venv, a free loopback port, no token,
project-local Jupyter folders and the settings a test run needs.

    with LabServer(root) as lab:
        lab.url("lab/tree/notebooks/part1_bigrams.ipynb")
        lab.shutdown_kernels()

`serve_dir` serves another folder than the project (a test's own notebooks), `data_dir`
keeps Jupyter's data (the notebook trust database) there, and `saves=True` lets the
notebooks be saved (a test of what a saved notebook holds).

Its own Jupyter folders live in target/jupyter-test/ (runtime, config, lab settings,
workspaces), apart from those of `make lab`, and are laid anew at each start, so a
layout saved by hand never leaks into a test. The settings turn autosave off and draw
every cell (no virtual scrolling, so the test sees all outputs); the server config
(jupyter_test_config.py) refuses every save on top of that.
"""
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))

SETTINGS = {
    # Running cells makes a notebook "dirty"; autosave would write the outputs into it.
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    # Without this, cells far below the fold are not in the page at all.
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    def __init__(self, root, startup_timeout=120, serve_dir=None, data_dir=None, saves=False):
        self.root = root
        self.serve_dir = serve_dir or root
        self.data_dir = data_dir
        self.saves = saves
        self.startup_timeout = startup_timeout
        self.state = os.path.join(root, "target", "jupyter-test")
        self.port = None
        self.process = None
        self.log_path = os.path.join(self.state, "server.log")

    def url(self, path=""):
        return f"http://127.0.0.1:{self.port}/{path}"

    def api(self, method, path):
        request = urllib.request.Request(self.url("api/" + path), method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def __enter__(self):
        jupyter = os.path.join(self.root, ".venv", "bin", "jupyter")
        if not os.access(jupyter, os.X_OK):
            raise SystemExit("error: .venv/bin/jupyter is missing: run scripts/setup.sh (make setup)")
        shutil.rmtree(self.state, ignore_errors=True)
        env = dict(os.environ)
        for var, sub in [
            ("JUPYTER_RUNTIME_DIR", "runtime"),
            ("JUPYTER_CONFIG_DIR", "config"),
            ("JUPYTERLAB_SETTINGS_DIR", "lab-settings"),
            ("JUPYTERLAB_WORKSPACES_DIR", "lab-workspaces"),
        ]:
            env[var] = os.path.join(self.state, sub)
            os.makedirs(env[var], exist_ok=True)
        if self.data_dir:
            env["JUPYTER_DATA_DIR"] = self.data_dir
        env["MAKEMORE_LAB_SAVES"] = "1" if self.saves else "0"
        # The tests' kernel is strict, even when started from a shell of `make lab`'s server
        # (scripts/lab.sh): a wrong number fails the run, and a panic ends it.
        env["MAKEMORE_CHECKS"] = "strict"
        env.pop("EVCXR_CONFIG_DIR", None)
        for plugin, values in SETTINGS.items():
            path = os.path.join(env["JUPYTERLAB_SETTINGS_DIR"], plugin + ".jupyterlab-settings")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                json.dump(values, f)
        self.port = free_port()
        args = [
            jupyter,
            "lab",
            f"--config={os.path.join(HERE, 'jupyter_test_config.py')}",
            f"--ServerApp.root_dir={self.serve_dir}",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            # JupyterLab makes a checkpoint of each file it opens: keep them out of notebooks/
            f"--FileCheckpoints.checkpoint_dir={os.path.join(self.state, 'checkpoints')}",
        ]
        if os.geteuid() == 0:
            args.append("--allow-root")
        self.log = open(self.log_path, "w", encoding="utf-8")
        # Its own process group, so that stopping it also stops the kernels it started.
        self.process = subprocess.Popen(
            args, cwd=self.root, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"error: JupyterLab exited at start (code {self.process.returncode}); see {self.log_path}")
            try:
                self.api("GET", "status")
                return self
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise SystemExit(f"error: JupyterLab did not answer within {self.startup_timeout} s; see {self.log_path}")
            time.sleep(0.3)

    def shutdown_kernels(self, timeout=60):
        """Stop every kernel."""
        for session in self.api("GET", "sessions") or []:
            self.api("DELETE", f"sessions/{session['id']}")
        for kernel in self.api("GET", "kernels") or []:
            self.api("DELETE", f"kernels/{kernel['id']}")
        deadline = time.monotonic() + timeout
        while self.api("GET", "kernels"):
            if time.monotonic() > deadline:
                raise RuntimeError("kernels still running after shutdown")
            time.sleep(0.2)

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            try:
                self.shutdown_kernels(timeout=20)
            except Exception:
                pass
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()
        if getattr(self, "log", None):
            self.log.close()
        return False
