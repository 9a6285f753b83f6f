# Jupyter server settings for the JupyterLab test runs (scripts/browser/labserver.py passes
# this file with --config). The server listens on loopback only, with no token, and
# refuses to save any file (unless the LabServer was asked for saves): the test runs the
# committed notebooks and must leave them exactly as they are.
import os
import sys

from tornado.web import HTTPError

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from evcxr_server import EvcxrWebsocketConnection  # noqa: E402

c = get_config()  # noqa: F821 (defined by Jupyter when it loads this file)
# The kernel connection of `make lab`'s server too (scripts/evcxr_server.py): it keeps the
# kernel_info socket open, where closing it can leave evcxr deaf on its shell socket.
c.ServerApp.kernel_websocket_connection_class = EvcxrWebsocketConnection

c.ServerApp.ip = "127.0.0.1"
c.ServerApp.open_browser = False
# The driver stops kernels through the REST API without a browser session (loopback only).
c.ServerApp.disable_check_xsrf = True
c.IdentityProvider.token = ""
c.PasswordIdentityProvider.hashed_password = ""
c.PasswordIdentityProvider.password_required = False
# Everything in the log (scripts/browser/jupyterlab.py copies it to its --out folder, and quotes
# a kernel's lines when a page misses that kernel): each websocket's connection, the server's
# kernel_info requests and "nudges", and every kernel message's activity.
c.ServerApp.log_level = "DEBUG"
# No news feed, no update check: the test machine has no network beyond the registries.
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"


def refuse_to_save(model, path, contents_manager, **kwargs):
    """Reject every save: the test must not write outputs into the committed notebooks."""
    raise HTTPError(403, f"the JupyterLab test run does not save files ({path})")


if os.environ.get("MAKEMORE_LAB_SAVES") != "1":
    c.FileContentsManager.pre_save_hook = refuse_to_save
