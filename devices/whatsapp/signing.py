"""Webhook signatures: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>``.

CONTRACT.md §6.2: the key is the device's ``webhook_secret`` (else the global one), the message
is the raw request body. Verify the bytes exactly as received, before any JSON parsing:
re-serialising parsed JSON will not reproduce the signature.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["SIGNATURE_HEADER", "sign", "verify"]

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="


def sign(secret: str, body: bytes) -> str:
    """Return the header value the upstream would send for ``body``: ``"sha256=<hex>"``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """True when ``header`` is exactly ``sha256=<hex>`` of ``body`` under ``secret``.

    The ``sha256=`` prefix is required (a bare hex digest is refused), the hex digits may be in
    either case, and the comparison runs in constant time. An empty secret never verifies.
    """
    if not secret or not header or not header.startswith(_PREFIX):
        return False
    received = header[len(_PREFIX) :].strip().lower()
    expected = sign(secret, body)[len(_PREFIX) :]
    # compare_digest on ASCII str only: encode to bytes so odd input cannot raise TypeError.
    return hmac.compare_digest(received.encode("ascii", "replace"), expected.encode("ascii"))
