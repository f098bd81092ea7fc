"""JSON that the database can always store.

Python's `json` accepts what PostgreSQL and SQLite cannot keep: NaN and Infinity, NUL
characters, lone UTF-16 surrogates ("\\ud800"), and nesting deep enough to exhaust the
interpreter's stack. Input from outside (API bodies, upstream events) passes through here first.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 64
# In a Python str every surrogate code point is unpaired (pairs decode to one character), and
# UTF-8 cannot encode it; PostgreSQL text cannot hold NUL.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class UnsafeJSON(ValueError):
    """The document cannot be stored as it is."""


def loads_strict(data: bytes | str) -> Any:
    """Parse `data`; raise UnsafeJSON for malformed, non-finite, too deep or unstorable input."""
    try:
        value = json.loads(data, parse_constant=_reject_constant)
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise UnsafeJSON(str(exc) if not isinstance(exc, RecursionError) else "too deep") from None
    problem = _problem(value, depth=0)
    if problem:
        raise UnsafeJSON(problem)
    return value


def sanitize(value: Any, depth: int = 0) -> Any:
    """A copy of `value` that can be stored: NUL and lone surrogates replaced with U+FFFD,
    non-finite numbers as None, nesting cut at MAX_DEPTH. For recording what arrived, not for
    validating it."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {_clean_text(str(k)): sanitize(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [sanitize(v, depth + 1) for v in value]
    return value


def storable_text(value: str) -> bool:
    return _UNSTORABLE.search(value) is None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _problem(value: Any, depth: int) -> str | None:
    if depth > MAX_DEPTH:
        return "too deep"
    if isinstance(value, str):
        return None if storable_text(value) else "text with NUL or an unpaired surrogate"
    if isinstance(value, dict):
        for key, item in value.items():
            problem = _problem(key, depth + 1) or _problem(item, depth + 1)
            if problem:
                return problem
    elif isinstance(value, list):
        for item in value:
            problem = _problem(item, depth + 1)
            if problem:
                return problem
    return None


def _clean_text(value: str) -> str:
    return value if storable_text(value) else _UNSTORABLE.sub("\ufffd", value)
