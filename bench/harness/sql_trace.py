"""Requests through Django's WSGI handler in-process, and the SQL they send (libpq's trace).

For helpers running with Django set up (`bench.harness.child --django`): `WsgiClient` calls the
handler as gunicorn does (`close()` on the response sends `request_finished`), with no HTTP and
no server; `statements_sent(fn)` lists the statements `fn()` sends on the default connection;
`mean_ms(fn, rounds)` times it in one thread.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any


class WsgiClient:
    def __init__(self) -> None:
        from django.core.handlers.wsgi import WSGIHandler

        self.app = WSGIHandler()

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        query: str = "",
    ) -> bytes:
        """The response body; `headers` as WSGI keys (`HTTP_X_HUB_SIGNATURE_256`)."""
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            **(headers or {}),
        }
        result = self.app(environ, lambda status, headers, exc_info=None: None)
        try:
            return b"".join(result)
        finally:
            result.close()  # request_finished, as gunicorn does


def statements_sent(fn: Callable[[], Any]) -> list[str]:
    """The SQL text of every Query and Parse message `fn()` sends on Django's default
    connection, in order (one per round trip, bar pipelining)."""
    from django.db import connection
    from psycopg import pq

    with tempfile.TemporaryFile() as trace:
        connection.ensure_connection()
        pgconn = connection.connection.pgconn
        pgconn.trace(trace.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        try:
            fn()
        finally:
            pgconn.untrace()
        trace.seek(0)
        lines = trace.read().decode("utf-8", "replace").splitlines()
    sent = []
    for line in lines:
        parts = line.split("\t", 3)
        if len(parts) == 4 and parts[0] == "F" and parts[2] in ("Query", "Parse"):
            sent.append(parts[3].strip().split('"', 1)[-1].rsplit('"', 1)[0])
    return sent


def mean_ms(fn: Callable[[int], Any], rounds: int) -> float:
    """Mean milliseconds of `fn(i)` over `rounds` calls, one thread."""
    started = time.perf_counter()
    for i in range(rounds):
        fn(i)
    return (time.perf_counter() - started) * 1000 / rounds
