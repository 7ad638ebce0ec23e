"""A TCP proxy on 127.0.0.1 with a fault switch, put in front of DynamoDB for the chaos run.

Modes (``set_mode``):
- ``pass``: bytes flow both ways untouched;
- ``refuse``: DynamoDB is unavailable: every open connection is reset and every new one is
  accepted and reset at once (what a client sees of a dead endpoint behind a load balancer);
- ``slow``: each chunk a client sends waits ``delay_seconds`` before it is forwarded, so every
  request is that much slower (a DynamoDB that answers, late).
The functions reach DynamoDB only through the proxy; the stack's own table setup does not.
"""

from __future__ import annotations

import socket
import struct
import threading
import time

__all__ = ["MODES", "FaultProxy"]

MODES = ("pass", "refuse", "slow")
_CHUNK = 1 << 16


class FaultProxy:
    def __init__(self, upstream_host: str, upstream_port: int, port: int = 0) -> None:
        self._upstream = (upstream_host, upstream_port)
        self._listener = socket.create_server(("127.0.0.1", port))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.mode = "pass"
        self.delay_seconds = 0.0
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="fault-proxy", daemon=True)

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(5)
        self._listener.close()
        self._reset_all()

    def set_mode(self, mode: str, delay_seconds: float = 0.0) -> None:
        """Switch to ``mode``; ``refuse`` also resets every connection open now."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        if not 0 <= delay_seconds <= 60:
            raise ValueError(f"delay_seconds must be between 0 and 60, got {delay_seconds!r}")
        with self._lock:
            self.mode, self.delay_seconds = mode, delay_seconds if mode == "slow" else 0.0
        if mode == "refuse":
            self._reset_all()

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.mode == "refuse":
                _reset(client)
                continue
            try:
                upstream = socket.create_connection(self._upstream, timeout=5)
            except OSError:
                _reset(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, from_client: bool) -> None:
        try:
            while chunk := source.recv(_CHUNK):
                if from_client and self.mode == "slow":
                    time.sleep(self.delay_seconds)
                if self.mode == "refuse":
                    break
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, target):
                self._forget(end)

    def _forget(self, end: socket.socket) -> None:
        with self._lock:
            known = end in self._open
            self._open.discard(end)
        if known:
            _close(end)

    def _reset_all(self) -> None:
        with self._lock:
            ends, self._open = list(self._open), set()
        for end in ends:
            _reset(end)


def _reset(end: socket.socket) -> None:
    """Close with an RST (linger 0): the peer sees a reset connection, not a clean end."""
    try:
        end.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    _close(end)


def _close(end: socket.socket) -> None:
    try:
        end.shutdown(socket.SHUT_RDWR)  # wakes the pump blocked in recv on it
    except OSError:
        pass
    end.close()
