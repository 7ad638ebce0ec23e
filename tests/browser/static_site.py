"""A static file server on 127.0.0.1 for the built frontend: what a CDN or S3 would be in production."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

__all__ = ["StaticSite"]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


class StaticSite:
    """Serves ``root`` once ``serve(root)`` is called; the port is bound at construction so the
    origin is known before the site is built (the stack's CORS origin depends on it)."""

    def __init__(self) -> None:
        self._root: Path | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler)
        self.port = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    def origin(self, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}"

    def _handler(self, *args, **kwargs):
        if self._root is None:
            raise RuntimeError("StaticSite.serve(root) was not called")
        return functools.partial(_QuietHandler, directory=str(self._root))(*args, **kwargs)

    def serve(self, root: Path) -> StaticSite:
        self._root = root
        self._thread = threading.Thread(target=self._server.serve_forever, name="static-site", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()
