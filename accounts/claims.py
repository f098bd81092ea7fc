"""What a claim value must be before it reaches the database.

A correctly signed token can still carry text no column can hold: PostgreSQL refuses NUL
("\\x00") in text, neither backend can encode a lone surrogate (e.g. "\\ud800", which JSON
allows as an escape), and PostgreSQL refuses a value longer than its varchar column.
"""

from __future__ import annotations

from typing import Any

from accounts.models import User
from core.jsonsafe import storable_text


def column_length(field: str) -> int:
    return User._meta.get_field(field).max_length


def subject_is_valid(value: Any) -> bool:
    """An OIDC subject a user can be stored under: a non-blank string that fits the column."""
    return (
        isinstance(value, str)
        and bool(value.strip())
        and len(value) <= column_length("oidc_subject")
        and storable_text(value)
    )
