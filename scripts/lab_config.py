# Jupyter server settings for `make lab` (scripts/lab.sh passes this file with --config).
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evcxr_server import EvcxrWebsocketConnection  # noqa: E402

c = get_config()  # noqa: F821 (defined by Jupyter when it loads this file)
# A page's kernel connection that does not close its kernel_info socket at the moment evcxr may
# stop reading its shell socket for it (scripts/evcxr_server.py)
c.ServerApp.kernel_websocket_connection_class = EvcxrWebsocketConnection
