"""A real HTTP server on 127.0.0.1 (port chosen by the OS) and an empty cache per test.

Routes map a URL path to ``(mode, body)``: ``"ok"`` serves the body, ``"truncate"`` announces a
Content-Length twice the body's, sends the body and closes the connection (an interrupted
transfer); any other path is a 404. ``server.requests`` lists the paths asked for, in order.
"""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pooch
import pytest

from xpnet.backend import use_dtype


class _Handler(BaseHTTPRequestHandler):
    timeout = 5  # a stuck client cannot hold a handler thread forever

    def do_GET(self):  # noqa: N802 - http.server's naming
        server = self.server
        with server.lock:
            server.requests.append(self.path)
        mode, body = server.routes.get(self.path, ("404", b""))
        if mode == "404":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        announced = len(body) * 2 if mode == "truncate" else len(body)
        self.send_header("Content-Length", str(announced))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture(autouse=True)
def _float32_default():
    """The loaders' pixels follow xpnet's default float dtype; these tests state float32 (the
    float64 test sets its own), so they hold under ``DL_DTYPE=float64`` too."""
    with use_dtype("float32"):
        yield


@pytest.fixture
def http_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.routes, server.requests, server.lock = {}, [], threading.Lock()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty ``XPNET_DATA`` cache root; no proxy between the tests and 127.0.0.1."""
    root = tmp_path / "cache"
    monkeypatch.setenv("XPNET_DATA", str(root))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return root


@pytest.fixture
def closed_port():
    """A local URL nobody listens on: connecting is refused at once (an offline mirror)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def pooch_records():
    """What pooch's logger lets through (its own handler wrote to the stderr of import time)."""
    handler, log = _Records(), pooch.get_logger()
    log.addHandler(handler)
    yield handler.messages
    log.removeHandler(handler)
