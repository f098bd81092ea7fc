"""Every phone-side event besides `message` (CONTRACT §6.4).

- `message.ack`: `{ids, chat_id, from, from_lid?, sender_display_name, receipt_type,
  receipt_type_description}` with a top-level timestamp; the sender is the recipient of the
  acknowledged messages (the participant in a group), or the account itself for read-self.
- `message.reaction` (`reaction`, empty = removed; `reacted_message_id`), `message.revoked`
  (`revoked_message_id`, `revoked_from_me`, `revoked_chat`), `message.edited`
  (`original_message_id`, the new `body`; `id` is the edit's own): the message-family fields
  plus these. They default their chat, and in a 1:1 chat their sender, from the message they
  name when the sandbox has seen it (sent through REST or emitted here).
- `message.deleted` (deleted for me): `{deleted_message_id, timestamp, from,
  sender_display_name, chat_id?, original_content?, original_sender?, original_timestamp?,
  was_from_me?, original_media_type?, original_filename?}`; `from` is the deleted message's
  sender; the `original_*` fields come from the message when it is known.
- `group.participants` `{chat_id, type, jids}`, `chat_presence` `{from, from_lid?,
  sender_display_name, chat_id, state, media, is_group}`, `call.offer` `{call_id, from,
  from_lid?, sender_display_name, auto_rejected, remote_platform?, remote_version?,
  group_jid?}`: top-level timestamp; the platform records them without processing them.
"""

from __future__ import annotations

import secrets
from typing import Any

from .events import (
    KnownMessage,
    Party,
    PhoneSide,
    envelope,
    flag_of,
    invalid,
    is_group,
    message_family_payload,
    optional_jid,
    party_of,
    require_paired,
    sender_fields,
    text_of,
    to_jid,
    with_extra,
)
from .identifiers import rfc3339, utc_now
from .state import Device

RECEIPT_TYPES = {
    "delivered": "means the message was delivered to the device "
    "(but the user might not have noticed).",
    "read": "the user opened the chat and saw the message.",
    "read-self": "the current user read a message from a different device, "
    "and has read receipts disabled in privacy settings.",
}
GROUP_ACTIONS = ("join", "leave", "promote", "demote")
PRESENCE_STATES = ("composing", "paused")


def _message_ids(spec: dict[str, Any]) -> list[str]:
    ids = spec.get("message_ids", spec.get("ids"))
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
        raise invalid("message_ids must be a non-empty list")
    return ids


def _choice(spec: dict[str, Any], field: str, choices: Any, default: str) -> str:
    value = spec.get(field, default)
    if value not in choices:
        raise invalid(f"{field} must be one of " + ", ".join(choices))
    return value


def receipt_event(phone: PhoneSide, spec: dict[str, Any]) -> dict[str, Any]:
    """`message.ack` for one or more ids, of any type, in any order the caller sends them."""
    device = phone.device
    require_paired(device)
    ids = _message_ids(spec)
    receipt_type = _choice(spec, "receipt_type", RECEIPT_TYPES, "delivered")
    known = phone.book.find_any(device, ids)
    chat = optional_jid(spec, "chat_id") or (known.chat_id if known else "")
    if receipt_type == "read-self":
        sender = device.jid  # this account read them on another of its devices
        if not chat:
            raise invalid("chat_id is required: no message seen with these ids")
    else:
        sender = optional_jid(spec, "from") or _recipient(known, ids)
    payload: dict[str, Any] = {"ids": ids, "chat_id": chat or sender}
    payload.update(sender_fields(device, sender, spec, receipt_type == "read-self"))
    payload.pop("from_name", None)  # receipts carry no push name
    payload["receipt_type"] = receipt_type
    payload["receipt_type_description"] = RECEIPT_TYPES[receipt_type]
    return _non_message(device, "message.ack", payload, spec)


def _recipient(known: KnownMessage | None, ids: list[str]) -> str:
    if known is None:
        raise invalid("from is required: no message sent with id " + ids[0])
    if is_group(known.chat_id):
        raise invalid("from (the participant) is required for a receipt in a group")
    return known.chat_id


def _action(phone: PhoneSide, spec: dict[str, Any]) -> tuple[str, KnownMessage | None, Party]:
    require_paired(phone.device)
    target = text_of(spec, "message_id")
    if not target:
        raise invalid("message_id is required")
    known = phone.book.find(phone.device, target)
    return target, known, party_of(phone.device, spec, known)


def reaction_event(phone: PhoneSide, spec: dict[str, Any]) -> dict[str, Any]:
    target, _, party = _action(phone, spec)
    payload = message_family_payload(phone.device, spec, party)
    payload["reaction"] = text_of(spec, "reaction", "👍")
    payload["reacted_message_id"] = target
    return envelope(phone.device, "message.reaction", with_extra(payload, spec))


def revoke_event(phone: PhoneSide, spec: dict[str, Any]) -> dict[str, Any]:
    """Deleted for everyone. The protocol key is the revoker's: `revoked_from_me` is true when
    they revoke their own message (false for an admin removing another's), and in a 1:1 chat
    `revoked_chat` names the chat as the revoker sees it (this account, when the contact
    revokes)."""
    device = phone.device
    target, known, party = _action(phone, spec)
    own_message = known is None or known.sender == party.sender
    mine_or_group = party.is_from_me or is_group(party.chat_id)
    revoker_chat = party.chat_id if mine_or_group else device.jid
    payload = message_family_payload(device, spec, party)
    payload["revoked_message_id"] = target
    payload["revoked_from_me"] = flag_of(spec, "revoked_from_me", own_message)
    payload["revoked_chat"] = optional_jid(spec, "revoked_chat") or revoker_chat
    return envelope(device, "message.revoked", with_extra(payload, spec))


def edit_event(phone: PhoneSide, spec: dict[str, Any]) -> dict[str, Any]:
    """Without `text` the edit has no `body`, as for an edited caption in GOWA."""
    target, _, party = _action(phone, spec)
    payload = message_family_payload(phone.device, spec, party)
    payload["original_message_id"] = target
    if "text" in spec:
        payload["body"] = text_of(spec, "text")
    return envelope(phone.device, "message.edited", with_extra(payload, spec))


def delete_event(phone: PhoneSide, spec: dict[str, Any]) -> dict[str, Any]:
    """Deleted for me, on another of this account's devices."""
    device = phone.device
    require_paired(device)
    target = text_of(spec, "message_id")
    if not target:
        raise invalid("message_id is required")
    known = phone.book.find(device, target)
    sender = optional_jid(spec, "from") or (known.sender if known else "")
    if not sender:
        raise invalid("from is required: no message seen with id " + target)
    payload: dict[str, Any] = {
        "deleted_message_id": target,
        "timestamp": text_of(spec, "timestamp") or rfc3339(utc_now()),
        "from": sender,
        "sender_display_name": sender_fields(device, sender, spec, False)["sender_display_name"],
    }
    chat = optional_jid(spec, "chat_id") or (known.chat_id if known else "")
    if chat:
        payload["chat_id"] = chat
    if known is not None:
        payload["original_content"] = known.content
        payload["original_sender"] = known.sender
        payload["original_timestamp"] = known.timestamp
        payload["was_from_me"] = known.is_from_me
        if known.media_type:
            payload["original_media_type"] = known.media_type
            payload["original_filename"] = known.filename
    return envelope(device, "message.deleted", with_extra(payload, spec))


def group_participants_event(phone: PhoneSide, spec: dict[str, Any]) -> dict[str, Any]:
    require_paired(phone.device)
    chat = to_jid(spec.get("chat_id"), "chat_id")
    if not is_group(chat):
        raise invalid("chat_id must be a group JID (…@g.us)")
    jids = spec.get("jids")
    if not isinstance(jids, list) or not jids:
        raise invalid("jids must be a non-empty list")
    payload = {
        "chat_id": chat,
        "type": _choice(spec, "type", GROUP_ACTIONS, "join"),
        "jids": [to_jid(jid, "jids") for jid in jids],
    }
    return _non_message(phone.device, "group.participants", payload, spec)


def presence_event(phone: PhoneSide, spec: dict[str, Any]) -> dict[str, Any]:
    device = phone.device
    require_paired(device)
    sender = to_jid(spec.get("from"), "from")
    chat = optional_jid(spec, "chat_id") or sender
    payload = sender_fields(device, sender, spec, False)
    payload.pop("from_name", None)
    payload.update(
        chat_id=chat,
        state=_choice(spec, "state", PRESENCE_STATES, "composing"),
        media=_choice(spec, "media", ("", "audio"), ""),
        is_group=is_group(chat),
    )
    return _non_message(device, "chat_presence", payload, spec)


def call_event(phone: PhoneSide, spec: dict[str, Any]) -> dict[str, Any]:
    device = phone.device
    require_paired(device)
    payload: dict[str, Any] = {"call_id": text_of(spec, "call_id") or secrets.token_hex(16).upper()}
    payload.update(sender_fields(device, to_jid(spec.get("from"), "from"), spec, False))
    payload.pop("from_name", None)
    payload["auto_rejected"] = flag_of(spec, "auto_rejected")
    for field, default in (("remote_platform", "android"), ("remote_version", "2.25.21.79")):
        if value := text_of(spec, field, default):
            payload[field] = value
    if group := optional_jid(spec, "group_jid"):
        payload["group_jid"] = group
    return _non_message(device, "call.offer", payload, spec)


def _non_message(
    device: Device, event: str, payload: dict[str, Any], spec: dict[str, Any]
) -> dict[str, Any]:
    return envelope(device, event, with_extra(payload, spec), text_of(spec, "timestamp"))


def custom_event(phone: PhoneSide, spec: dict[str, Any]) -> dict[str, Any]:
    """Any GOWA event (group.joined, label.edit, newsletter.*…) with the payload as given."""
    require_paired(phone.device)
    event = spec.get("event")
    payload = spec.get("payload")
    if not isinstance(event, str) or not event or not isinstance(payload, dict):
        raise invalid("event (string) and payload are required")
    return envelope(phone.device, event, payload, text_of(spec, "timestamp"))
