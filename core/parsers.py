"""The API's JSON parser: DRF's, made strict about what the database could not store."""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from core.jsonsafe import UnsafeJSON, loads_strict


class StrictJSONParser(JSONParser):
    """Rejects, as 400 `malformed_request`: invalid JSON, NaN/Infinity, nesting deeper than
    core.jsonsafe.MAX_DEPTH, and strings with NUL or unpaired surrogates (which would
    otherwise fail deep inside the database driver as a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", "utf-8")
        raw = stream.read() if stream is not None else b""
        try:
            return loads_strict(raw.decode(encoding))
        except (UnsafeJSON, UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
