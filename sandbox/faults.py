"""Injected failures: what an unreliable upstream or network does to a client.

A fault matches requests by method and path (exact, or an fnmatch pattern such as
`/send/*`) and then does, in this order: wait `delay` seconds; with `run_handler`, run the real
route for its effects and throw its answer away; then either drop the TCP connection, or hold
the request unanswered until the client gives up or the server stops, or answer with `status`
(JSON in GOWA's error shape, or plain text). A fault with only a delay lets the request through
afterwards, which is how a slow upstream looks.

`run_handler` is how "the upstream acted but the answer was lost" looks: with
`timeout_after_accept` the device is created or the message sent and the client then times out;
with `drop_connection` it sees the connection cut. Without it, those faults hit before the route
runs, so nothing happens upstream.
"""

from __future__ import annotations

import fnmatch
import itertools
from dataclasses import asdict, dataclass
from http import HTTPStatus
from typing import Any

# The code a GOWA-shaped error body carries for a status when the fault names none.
_DEFAULT_CODES = {
    400: "BAD_REQUEST",
    401: "AUTHENTICATION_ERROR",
    404: "NOT_FOUND",
    408: "CONTEXT_ERROR",
    429: "WA_REACHOUT_TIMELOCK",
    500: "INTERNAL_SERVER_ERROR",
    504: "GATEWAY_TIMEOUT",
}


class FaultSpecError(ValueError):
    pass


@dataclass
class Fault:
    id: int
    method: str = "*"
    path: str = "*"
    status: int | None = None
    code: str | None = None
    message: str | None = None
    plain_text: bool = False
    delay: float = 0.0
    timeout_after_accept: bool = False
    drop_connection: bool = False
    run_handler: bool = False  # act first, then lose or replace the answer
    times: int | None = None  # None: until cleared
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.method != "*" and self.method != method.upper():
            return False
        return self.path == path or fnmatch.fnmatchcase(path, self.path)

    @property
    def answers(self) -> bool:
        """Whether the fault replaces the real answer (as opposed to only delaying it)."""
        return self.status is not None or self.timeout_after_accept or self.drop_connection

    def error_code(self) -> str:
        if self.code:
            return self.code
        return _DEFAULT_CODES.get(self.status or 500, "INTERNAL_SERVER_ERROR")

    def error_message(self) -> str:
        if self.message is not None:
            return self.message
        try:
            return HTTPStatus(self.status or 500).phrase
        except ValueError:
            return "Injected fault"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class FaultBook:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, spec: dict[str, Any]) -> Fault:
        fault = Fault(id=next(self._ids), **_validated(spec))
        self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching this request, counted as used once."""
        for fault in self._faults:
            if fault.matches(method, path):
                fault.hits += 1
                if fault.times is not None and fault.hits >= fault.times:
                    self._faults.remove(fault)
                return fault
        return None

    def list(self) -> list[dict[str, Any]]:
        return [fault.as_dict() for fault in self._faults]

    def clear(self) -> int:
        count = len(self._faults)
        self._faults.clear()
        return count


_FIELD_TYPES: dict[str, tuple[type, ...]] = {
    "method": (str,),
    "path": (str,),
    "status": (int,),
    "code": (str,),
    "message": (str,),
    "plain_text": (bool,),
    "delay": (int, float),
    "timeout_after_accept": (bool,),
    "drop_connection": (bool,),
    "run_handler": (bool,),
    "times": (int,),
}


def _validated(spec: dict[str, Any]) -> dict[str, Any]:
    unknown = set(spec) - set(_FIELD_TYPES)
    if unknown:
        raise FaultSpecError("unknown fault fields: " + ", ".join(sorted(unknown)))
    clean: dict[str, Any] = {}
    for name, value in spec.items():
        if value is None:
            continue
        types = _FIELD_TYPES[name]
        # bool is an int in Python; a JSON true must not pass as a status or a count.
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise FaultSpecError(f"{name} has the wrong type")
        clean[name] = value
    clean["method"] = clean.get("method", "*").upper()
    if "status" in clean and not 100 <= clean["status"] <= 599:
        raise FaultSpecError("status must be an HTTP status code")
    if clean.get("times") is not None and clean["times"] < 1:
        raise FaultSpecError("times must be at least 1")
    if clean.get("delay", 0) < 0:
        raise FaultSpecError("delay must not be negative")
    answers = Fault(id=0, **clean).answers
    if not (answers or clean.get("delay")):
        raise FaultSpecError("a fault needs status, delay, timeout_after_accept or drop_connection")
    if clean.get("run_handler") and not answers:
        # Running the route and then letting its answer through is no fault at all.
        raise FaultSpecError("run_handler needs status, timeout_after_accept or drop_connection")
    return clean
