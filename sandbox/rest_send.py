"""`/send/*` (CONTRACT §4.2): bind, validate, check the login, then "send".

Order of checks follows GOWA: the binder (wrong JSON types → 500), then validation
(→ 400 VALIDATION_ERROR), then the login check (→ 500 INVALID_WA_CLI / 401), then the
recipient lookup (→ 400 INVALID_JID). Nothing leaves the sandbox; an accepted send is recorded
for `/_sandbox/sent` and answered with a fresh WhatsApp-style message id.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.web_request import FileField

from . import responses as r
from .binding import BindError, FieldType, bind
from .config import MAX_FILE_SIZE, MAX_IMAGE_SIZE, MAX_VIDEO_SIZE
from .context import sandbox_of
from .identifiers import (
    USER_SERVER,
    InvalidPhone,
    go_time_string,
    jid_user,
    outgoing_message_id,
    phone_to_jid,
    rfc3339,
    utc_now,
)
from .scope import require_logged_in, resolve_device

# Disappearing-message timers WhatsApp accepts (off, 24 h, 7 d, 90 d).
ALLOWED_DURATIONS = {0, 86_400, 604_800, 7_776_000}

_BASE_FIELDS: dict[str, FieldType] = {
    "phone": "string",
    "duration": "int",
    "is_forwarded": "bool",
    "reply_message_id": "string",
}


@dataclass(frozen=True)
class SendKind:
    """One `/send/<name>` route: its Go request struct and what it accepts."""

    name: str
    struct: str
    fields: dict[str, FieldType]
    required: tuple[str, ...] = ()
    upload: str | None = None  # multipart part name of the media file
    mime_types: frozenset[str] | None = None  # allowed part Content-Types (None: any)
    mime_prefix: str | None = None  # or any type under this prefix
    mime_error: str = ""
    max_size: int = MAX_FILE_SIZE
    extra_checks: tuple[str, ...] = ()


def _media(name: str, struct: str, extra: dict[str, FieldType], **options: Any) -> SendKind:
    fields = {**_BASE_FIELDS, name: "file", name + "_url": "string", **extra}
    return SendKind(name=name, struct=struct, fields=fields, upload=name, **options)


SEND_KINDS: dict[str, SendKind] = {
    kind.name: kind
    for kind in (
        SendKind(
            "message",
            "MessageRequest",
            {**_BASE_FIELDS, "message": "string", "mentions": "array"},
            required=("message",),
        ),
        _media(
            "image",
            "ImageRequest",
            {"caption": "string", "view_once": "bool", "compress": "bool"},
            mime_types=frozenset({"image/jpeg", "image/jpg", "image/png"}),
            mime_error="your image is not allowed. please use jpg/jpeg/png",
            max_size=MAX_IMAGE_SIZE,
        ),
        _media("file", "FileRequest", {"caption": "string"}),
        _media(
            "video",
            "VideoRequest",
            {"caption": "string", "view_once": "bool", "compress": "bool", "gif_playback": "bool"},
            mime_types=frozenset({"video/mp4", "video/x-matroska", "video/avi", "video/x-msvideo"}),
            mime_error="your video type is not allowed. please use mp4/mkv/avi",
            max_size=MAX_VIDEO_SIZE,
        ),
        _media(
            "audio",
            "AudioRequest",
            {"ptt": "bool"},
            mime_prefix="audio/",
            mime_error="your audio type is not allowed",
        ),
        _media(
            "sticker",
            "StickerRequest",
            {},
            mime_types=frozenset(
                {"image/jpeg", "image/jpg", "image/png", "image/webp", "image/gif"}
            ),
            mime_error="your sticker type is not allowed. please use jpg/jpeg/png/webp/gif",
            max_size=MAX_IMAGE_SIZE,
        ),
        SendKind(
            "contact",
            "ContactRequest",
            {**_BASE_FIELDS, "contact_name": "string", "contact_phone": "string"},
            required=("contact_name", "contact_phone"),
        ),
        SendKind(
            "location",
            "LocationRequest",
            {**_BASE_FIELDS, "latitude": "string", "longitude": "string"},
            required=("latitude", "longitude"),
            extra_checks=("coordinates",),
        ),
        SendKind(
            "link",
            "LinkRequest",
            {**_BASE_FIELDS, "link": "string", "caption": "string"},
            required=("link",),
            extra_checks=("link",),
        ),
        SendKind(
            "poll",
            "PollRequest",
            {**_BASE_FIELDS, "question": "string", "options": "array", "max_answer": "int"},
            required=("question", "options"),
            extra_checks=("poll",),
        ),
    )
}


def register(router: web.UrlDispatcher) -> None:
    for kind in SEND_KINDS.values():
        router.add_post("/send/" + kind.name, _handler_for(kind))


def _handler_for(kind: SendKind) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        return await send(request, kind)

    handler.__name__ = "send_" + kind.name
    return handler


async def send(request: web.Request, kind: SendKind) -> web.Response:
    sandbox = sandbox_of(request)
    device = resolve_device(request)
    try:
        values, files = await bind(request, kind.fields, kind.struct)
    except BindError as exc:
        raise r.internal_error(str(exc)) from None
    jid = validate(kind, values, files)
    require_logged_in(device)
    check_on_whatsapp(values["phone"], jid)

    sent_at = utc_now()
    message_id = outgoing_message_id()
    status = f"Message sent to {jid} (server timestamp: {go_time_string(sent_at)})"
    sandbox.sent.append(
        {
            "device_id": device.id,
            "kind": kind.name,
            "phone": values["phone"],
            "jid": jid,
            "fields": {k: v for k, v in values.items() if k != "phone"},
            "files": [_describe(name, upload) for name, upload in files.items()],
            "message_id": message_id,
            "timestamp": rfc3339(sent_at),
        }
    )
    return r.success(status, {"message_id": message_id, "status": status})


def validate(kind: SendKind, values: dict[str, Any], files: dict[str, FileField]) -> str:
    """ozzo-style validation; returns the recipient JID."""
    errors: dict[str, str] = {}
    for name in ("phone", *kind.required):
        if _blank(values.get(name)):
            errors[name] = "cannot be blank"
    duration = values.get("duration")
    if duration is not None and duration not in ALLOWED_DURATIONS:
        errors["duration"] = "must be a valid value"
    if kind.upload:
        _check_media(kind.upload, values, files, errors)
    for check in kind.extra_checks:
        _EXTRA_CHECKS[check](values, errors)
    if errors:
        raise r.validation_errors(errors)
    if kind.upload in files:
        _check_upload(kind, files[kind.upload])
    return recipient_jid(values["phone"])


def recipient_jid(phone: str) -> str:
    """The `phone` field as a JID; a malformed JID is an untyped Go error (500)."""
    try:
        return phone_to_jid(phone)
    except InvalidPhone as exc:
        if str(exc).startswith("invalid JID"):
            raise r.internal_error(str(exc)) from None
        raise r.validation_error(str(exc)) from None


def check_on_whatsapp(phone: str, jid: str) -> None:
    """GOWA's account validation: a user JID must be a real number to be "on WhatsApp"."""
    if jid.endswith("@" + USER_SERVER) and not jid_user(jid).isdigit():
        raise r.GowaError(400, "INVALID_JID", f"Phone {phone} is not on whatsapp")


def _check_media(
    upload: str, values: dict[str, Any], files: dict[str, FileField], errors: dict[str, str]
) -> None:
    """A media send needs the file part or its `<name>_url`, and the URL must be http(s)."""
    url_field = upload + "_url"
    url = values.get(url_field)
    if upload not in files and _blank(url):
        errors[upload] = f"either {upload} or {url_field} must be provided"
    elif url and not _is_http_url(url):
        errors[url_field] = "must be a valid URL"


def _check_upload(kind: SendKind, upload: FileField) -> None:
    content_type = (upload.content_type or "").lower()
    allowed = (kind.mime_types is None and kind.mime_prefix is None) or (
        content_type in (kind.mime_types or ())
        or (kind.mime_prefix is not None and content_type.startswith(kind.mime_prefix))
    )
    if not allowed:
        raise r.validation_error(kind.mime_error)
    if _size(upload) > kind.max_size:
        raise r.validation_error(f"max {kind.name} upload is {kind.max_size} bytes")


def _check_coordinates(values: dict[str, Any], errors: dict[str, str]) -> None:
    for name, limit in (("latitude", 90.0), ("longitude", 180.0)):
        text = values.get(name)
        if _blank(text):
            continue
        try:
            number = float(text)
        except ValueError:
            errors[name] = "must be a valid number"
            continue
        if not math.isfinite(number) or abs(number) > limit:
            errors[name] = "must be a valid " + name


def _check_link(values: dict[str, Any], errors: dict[str, str]) -> None:
    if not _blank(values.get("link")) and not _is_http_url(values["link"]):
        errors["link"] = "must be a valid URL"


def _check_poll(values: dict[str, Any], errors: dict[str, str]) -> None:
    options = values.get("options") or []
    if options and len(options) < 2:
        errors["options"] = "the length must be no less than 2"
    elif len(set(options)) != len(options):
        errors["options"] = "must not contain duplicates"
    max_answer = values.get("max_answer")
    if max_answer is not None and not 1 <= max_answer <= max(len(options), 1):
        errors["max_answer"] = "must be between 1 and the number of options"


_EXTRA_CHECKS = {"coordinates": _check_coordinates, "link": _check_link, "poll": _check_poll}


def _blank(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str | list) and not value)
        or (isinstance(value, str) and not value.strip())
    )


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _size(upload: FileField) -> int:
    upload.file.seek(0, 2)
    size = upload.file.tell()
    upload.file.seek(0)
    return size


def _describe(name: str, upload: FileField) -> dict[str, Any]:
    return {
        "field": name,
        "filename": upload.filename,
        "content_type": upload.content_type,
        "size": _size(upload),
    }
