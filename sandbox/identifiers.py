"""JIDs, message ids and timestamps the way GOWA and WhatsApp shape them (CONTRACT §7)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

USER_SERVER = "s.whatsapp.net"
GROUP_SERVER = "g.us"
LID_SERVER = "lid"
KNOWN_SERVERS = frozenset({USER_SERVER, GROUP_SERVER, LID_SERVER, "newsletter", "broadcast"})


class InvalidPhone(ValueError):
    """The `phone` field cannot become a JID; the text is GOWA-like."""


def phone_to_jid(phone: str) -> str:
    """Turn a send request's `phone` into a JID exactly as GOWA does.

    A leading `+` is dropped; nothing else is cleaned (no spaces or dashes removed). A value
    without `@` becomes a user JID when it has at most 15 characters, else a group JID.
    """
    value = phone.strip()
    if "@" in value:
        user, _, server = value.partition("@")
        if not user or server not in KNOWN_SERVERS:
            raise InvalidPhone("invalid JID " + value)
        return value
    value = value.removeprefix("+")
    if value.startswith("0"):
        raise InvalidPhone("phone: must be in international format (no leading 0).")
    server = USER_SERVER if len(value) <= 15 else GROUP_SERVER
    return value + "@" + server


def bare_jid(jid: str) -> str:
    """`628…:12@s.whatsapp.net` → `628…@s.whatsapp.net` (drop the companion device suffix)."""
    user, _, server = jid.partition("@")
    return user.split(":", 1)[0] + ("@" + server if server else "")


def jid_user(jid: str) -> str:
    return jid.partition("@")[0].split(":", 1)[0]


def is_group(jid: str) -> bool:
    return jid.endswith("@" + GROUP_SERVER)


def lid_for(jid: str) -> str:
    """A stable fake LID for a phone JID, so repeated events from one sender agree."""
    digest = hashlib.sha256(jid_user(jid).encode()).hexdigest()
    return str(int(digest[:16], 16))[:15].rjust(15, "1") + "@" + LID_SERVER


def outgoing_message_id() -> str:
    """Ids of messages this account sends: `3EB0` + 18 uppercase hex digits (whatsmeow)."""
    return "3EB0" + secrets.token_hex(9).upper()


def incoming_message_id() -> str:
    """Ids of messages typed on a phone: 32 uppercase hex digits."""
    return secrets.token_hex(16).upper()


def utc_now() -> datetime:
    return datetime.now(UTC)


def rfc3339(moment: datetime) -> str:
    """Go's time.Time JSON form in UTC, at second precision: `2026-01-22T10:30:00Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def go_time_string(moment: datetime) -> str:
    """Go's default time.String() in UTC, as it appears in GOWA's send status text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S +0000 UTC")
