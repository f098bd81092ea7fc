"""What a claim value must be before it reaches the database.

A correctly signed token can still carry text no column can hold: PostgreSQL refuses NUL
("\\x00") in text, neither backend can encode a lone surrogate (e.g. "\\ud800", which JSON
allows as an escape), and PostgreSQL refuses a value longer than its varchar column.
"""

from __future__ import annotations

from typing import Any

from accounts.models import User


def column_length(field: str) -> int:
    return User._meta.get_field(field).max_length


def text_is_storable(value: str) -> bool:
    """No NUL and no lone surrogate: the text both backends can store."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a surrogate with no partner (pairs are joined when decoded)
        return False
    return True


def subject_is_valid(value: Any) -> bool:
    """An OIDC subject a user can be stored under: a non-blank string that fits the column."""
    return (
        isinstance(value, str)
        and bool(value.strip())
        and len(value) <= column_length("oidc_subject")
        and text_is_storable(value)
    )
