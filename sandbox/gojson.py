"""JSON bytes as Go's encoding/json writes GOWA's webhook bodies.

GOWA builds most of a webhook as `map[string]any`, which Go writes with its keys sorted; a few
values are Go structs (a location is whatsmeow's protobuf struct, a contact card GOWA's own
struct), which Go writes in field order. `GoStruct` marks such a value: a dict whose insertion
order is its field order. Everything else is sorted.
"""

from __future__ import annotations

import json
from typing import Any

_GO_HTML_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)
# Go writes a float64 without a fraction as an integer below this bound (then as 1e+21).
_GO_PLAIN_FLOAT_LIMIT = 1e21


class GoStruct(dict[str, Any]):
    """A Go struct value: written in the order its fields were set, not sorted."""


def encode_body(value: Any) -> bytes:
    """Bytes as Go's encoding/json writes a value: map keys sorted, struct fields in order,
    compact, UTF-8, `<>&` escaped.

    Receivers must verify the signature over these raw bytes; re-serialising parsed JSON
    (in Python or anything else) is not guaranteed to reproduce them.
    """
    text = json.dumps(_go_order(value), separators=(",", ":"), ensure_ascii=False)
    for char, escaped in _GO_HTML_ESCAPES:
        text = text.replace(char, escaped)
    return text.encode()


def _go_order(value: Any) -> Any:
    if isinstance(value, GoStruct):
        return {key: _go_order(item) for key, item in value.items()}
    if isinstance(value, dict):
        return {key: _go_order(value[key]) for key in sorted(value)}
    if isinstance(value, (list, tuple)):
        return [_go_order(item) for item in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < _GO_PLAIN_FLOAT_LIMIT:
        return int(value)  # Go: 106, where Python would write 106.0
    return value
