"""local_stack.drills.fault_proxy: a loopback TCP proxy that passes, resets or delays, against a real echo server."""

from __future__ import annotations

import socket
import socketserver
import threading
import time

import pytest

from local_stack.drills.fault_proxy import FaultProxy


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(4096):
            self.request.sendall(data)


@pytest.fixture
def proxy():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    running = FaultProxy("127.0.0.1", server.server_address[1]).start()
    yield running
    running.stop()
    server.shutdown()
    server.server_close()


def _connect(proxy: FaultProxy) -> socket.socket:
    return socket.create_connection(("127.0.0.1", proxy.port), timeout=5)


def _echo(connection: socket.socket, data: bytes) -> bytes:
    connection.sendall(data)
    received = b""
    while len(received) < len(data):
        chunk = connection.recv(4096)
        if not chunk:
            raise ConnectionResetError("closed")
        received += chunk
    return received


def test_in_pass_mode_bytes_flow_both_ways(proxy):
    with _connect(proxy) as connection:
        assert _echo(connection, b"PutItem") == b"PutItem"
        assert _echo(connection, b"x" * 100_000) == b"x" * 100_000


def test_refuse_resets_open_connections_and_every_new_one(proxy):
    with _connect(proxy) as open_before:
        assert _echo(open_before, b"before") == b"before"
        proxy.set_mode("refuse")
        with pytest.raises(OSError):
            _echo(open_before, b"after")
    with pytest.raises(OSError), _connect(proxy) as new:  # reset at connect or at first use: both happen
        _echo(new, b"hello")


def test_back_in_pass_mode_new_connections_work_again(proxy):
    proxy.set_mode("refuse")
    proxy.set_mode("pass")
    with _connect(proxy) as connection:
        assert _echo(connection, b"again") == b"again"


def test_slow_delays_what_the_client_sends(proxy):
    proxy.set_mode("slow", delay_seconds=0.3)
    with _connect(proxy) as connection:
        started = time.monotonic()
        assert _echo(connection, b"late") == b"late"
        assert time.monotonic() - started >= 0.3  # the injected delay itself, not a performance figure


@pytest.mark.parametrize(("mode", "delay"), [("down", 0.0), ("slow", -1.0), ("slow", 61.0)])
def test_a_bad_mode_or_delay_is_refused(proxy, mode, delay):
    with pytest.raises(ValueError):
        proxy.set_mode(mode, delay)
    assert proxy.mode == "pass"
