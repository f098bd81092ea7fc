"""Phone numbers and JIDs as the upstream takes them (CONTRACT §7).

One rule for every phone the platform passes on: the API validates a caller's number with
:func:`normalise_phone`, and the client puts the same digits on the wire, so a number the API
accepts is one the upstream accepts too.
"""

from __future__ import annotations

import re

__all__ = ["bare_jid", "jid_for_phone", "normalise_phone"]

USER_SERVER = "s.whatsapp.net"
# The shortest international numbers (country code included) have 7 digits; fewer is a typo.
_MIN_DIGITS = 6
_E164_MAX_DIGITS = 15
_SEPARATORS_RE = re.compile(r"[\s().+-]")
# ASCII digits only: `\d` and str.isdigit() would take "²" or Arabic-Indic digits.
_DIGITS_RE = re.compile(r"[0-9]+")
_DEVICE_SUFFIX_RE = re.compile(r":\d+(?=@)")


def normalise_phone(phone: str) -> str:
    """Return the international digits of ``phone`` (country code first, no ``+``).

    Spaces, dashes, brackets, dots and ``+`` are dropped, and so is a leading ``00`` (the
    international call prefix). What is left must be 6 to 15 ASCII digits; one that still starts
    with ``0`` is a national number the upstream rejects ("must be in international format").
    Anything else is ``ValueError``.
    """
    if not isinstance(phone, str):
        raise TypeError("phone must be a string")
    digits = _SEPARATORS_RE.sub("", phone)
    if digits.startswith("00"):
        digits = digits[2:]
    if not _DIGITS_RE.fullmatch(digits):
        raise ValueError("phone number must be digits, with spaces, dashes, dots or brackets")
    if digits.startswith("0"):
        raise ValueError("phone number must be in international format (country code first)")
    if not _MIN_DIGITS <= len(digits) <= _E164_MAX_DIGITS:
        raise ValueError(
            "phone number must have %(min)d to %(max)d digits"
            % {"min": _MIN_DIGITS, "max": _E164_MAX_DIGITS}
        )
    return digits


def jid_for_phone(phone: str) -> str:
    """``"+55 11 91234-5678"`` -> ``"5511912345678@s.whatsapp.net"``.

    A value that already contains ``@`` (a user, group, LID or newsletter JID) is returned
    stripped of surrounding spaces, unchanged otherwise.
    """
    if isinstance(phone, str) and "@" in phone:
        return phone.strip()
    return f"{normalise_phone(phone)}@{USER_SERVER}"


def bare_jid(jid: str) -> str:
    """Strip the companion-device suffix.

    ``"628…:12@s.whatsapp.net"`` -> ``"628…@s.whatsapp.net"``; other JIDs are unchanged.
    """
    return _DEVICE_SUFFIX_RE.sub("", jid.strip()) if jid else ""
