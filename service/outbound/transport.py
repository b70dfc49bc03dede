"""One HTTP POST to a receiver, bounded in time, that another thread can cut short.

The standard library's `http.client` (no client dependency for one POST): the connection must open
within `connect_timeout_s`, and the whole attempt — connect, send, the status line and up to
`EXCERPT_BYTES` of the answer — must end within `total_timeout_s`. Socket timeouts alone bound each
read, not the sum (a receiver trickling a byte a second would never time out), so a watchdog timer
shuts the socket down at the deadline. `abort()` does the same at once, from any thread: the worker
calls it when the service stops, so a dead receiver never holds up a shutdown either. Redirects are
not followed (a 3xx is a failed attempt: the registered URL is the one that is trusted).
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

EXCERPT_BYTES = 512


@dataclass(frozen=True)
class Answer:
    status: int
    excerpt: str  # the start of the answer's body, for the delivery log

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class TransportError(Exception):
    """The attempt got no HTTP answer: refused, unreachable, timed out, aborted, broken TLS …"""


class Transport:
    def __init__(self, *, connect_timeout_s: float, total_timeout_s: float) -> None:
        self.connect_timeout_s = connect_timeout_s
        self.total_timeout_s = total_timeout_s
        self._lock = threading.Lock()
        self._current: http.client.HTTPConnection | None = None
        self._aborted = False
        self._tls = ssl.create_default_context()

    def abort(self) -> None:
        """End the attempt in flight (if any) and refuse further ones."""
        with self._lock:
            self._aborted = True
            connection = self._current
        if connection is not None:
            _shut(connection)

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
        connect_timeout = min(self.connect_timeout_s, self.total_timeout_s)
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(host, port, timeout=connect_timeout, context=self._tls)
        else:
            connection = http.client.HTTPConnection(host, port, timeout=connect_timeout)
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            _shut(connection)

        with self._lock:
            if self._aborted:
                raise TransportError("aborted: the service is stopping")
            self._current = connection
        watchdog = threading.Timer(self.total_timeout_s, expire)
        watchdog.daemon = True
        started = time.monotonic()
        watchdog.start()
        try:
            connection.connect()
            if connection.sock is not None:
                remaining = self.total_timeout_s - (time.monotonic() - started)
                connection.sock.settimeout(max(remaining, 0.001))
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            excerpt = response.read(EXCERPT_BYTES).decode("utf-8", "replace")
            return Answer(response.status, excerpt)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            if self._aborted:
                raise TransportError("aborted: the service is stopping") from exc
            if expired.is_set() or isinstance(exc, TimeoutError):
                raise TransportError(f"no answer within {self.total_timeout_s:g} s") from exc
            raise TransportError(describe(exc)) from exc
        finally:
            watchdog.cancel()
            with self._lock:
                self._current = None
            connection.close()


def _shut(connection: http.client.HTTPConnection) -> None:
    sock = connection.sock
    if sock is None:
        return
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


def describe(exc: BaseException) -> str:
    """A short line for the delivery log."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return f"host not found ({exc.strerror or exc})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({exc.reason or exc})"
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]
