"""The Jupyter server's side of a kernel connection, with one change for the evcxr kernel.

Both JupyterLab servers of the project use it (`make lab`: scripts/lab_config.py; the tests:
scripts/browser/jupyter_test_config.py), as `ServerApp.kernel_websocket_connection_class`.

The change: when a page opens a kernel's websocket, jupyter_server asks the kernel for its
kernel_info on a shell socket of its own, and closes that socket as soon as the reply comes, at
the very moment it opens the page's sockets and "nudges" the kernel on new ones. evcxr 0.22 (its
ZeroMQ is zmq.rs 0.6) sometimes stops reading its shell socket for good when that socket
disconnects while the new ones connect: the kernel still answers on its control socket, but no
shell request gets a reply or a status again, and the page shows the kernel as "Unknown" with every
cell waiting, forever. Reproduced without a browser, with jupyter_server's sequence of sockets
against a freshly started kernel: 11 hangs in 50 starts; with the kernel_info socket kept open, none
in 20. So this connection keeps it open until the page's websocket closes.
"""
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection


class EvcxrWebsocketConnection(ZMQChannelsWebsocketConnection):
    """jupyter_server's connection, but the kernel_info socket lives as long as the websocket."""

    _kept_kernel_info_channel = None

    def _handle_kernel_info_reply(self, msg):
        # the parent closes self.kernel_info_channel after handling the reply: hand it over first
        self._kept_kernel_info_channel, self.kernel_info_channel = self.kernel_info_channel, None
        self.log.debug("Keeping the kernel_info socket of %s open until its websocket closes", self.kernel_id)
        super()._handle_kernel_info_reply(msg)

    def disconnect(self):
        kept, self._kept_kernel_info_channel = self._kept_kernel_info_channel, None
        if kept is not None and not kept.closed():
            kept.close()
        return super().disconnect()
