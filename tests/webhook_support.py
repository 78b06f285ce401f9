"""A real HTTP receiver for webhook tests: a thread with http.server on a free local port."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    port: int
    requests: list[Received] = field(default_factory=list)
    # Answers to give, in order; (200, "ok") once they run out. (status, body, headers)
    answers: list[tuple[int, str, dict[str, str]]] = field(default_factory=list)


def run_receiver() -> Iterator[Receiver]:
    """Yields a running receiver; use as `yield from run_receiver()` in a fixture."""
    box: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            got = box["r"]
            got.requests.append(Received(self.path, dict(self.headers.items()),
                                         self.rfile.read(length)))
            status, text, headers = got.answers.pop(0) if got.answers else (200, "ok", {})
            payload = text.encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    box["r"] = Receiver(f"http://127.0.0.1:{port}/hooks/comments", port)
    thread = threading.Thread(target=server.serve_forever, daemon=True,
                              kwargs={"poll_interval": 0.05})
    thread.start()
    yield box["r"]
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def no_dns(host: str, port: int, type: int = 0) -> list:
    """A resolver for tests that must not ask DNS: IP literals only, names do not resolve."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise socket.gaierror(f"{host}: no DNS in the tests") from None
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    return [(family, socket.SOCK_STREAM, 6, "", (str(address), port))]
