"""The upstream side of a device's life: slot, QR or code login, logout, reconnect, state.

Each function calls the upstream outside any database transaction (a slow upstream must not
hold row locks), then records what the upstream said. Upstream failures surface as the
ApplicationErrors of `devices.errors` through `upstream_errors()`.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from core.jsonsafe import sanitize
from devices.errors import (
    DeviceNotLoggedInError,
    DeviceSlotExistsError,
    UpstreamOutcomeUnknownError,
    UpstreamRejectedError,
    UpstreamUnavailableError,
)
from devices.models import Device
from devices.upstream import upstream_client, upstream_errors
from devices.whatsapp.errors import WhatsAppDeviceNotFoundError, WhatsAppError
from devices.whatsapp.phones import bare_jid
from devices.whatsapp.types import DeviceInfo

logger = logging.getLogger(__name__)

State = Device.State
# GOWA reports these for a paired account whose socket is up.
_UPSTREAM_ONLINE = {"connected", "logged_in"}
# What GOWA reports for a slot without an account whose client is down.
_UPSTREAM_LOGIN_CLOSED = "disconnected"


@dataclass(frozen=True)
class LoginQRCode:
    data_uri: str
    expires_at: datetime
    duration_seconds: int


@dataclass(frozen=True)
class LoginPairCode:
    code: str


def state_from_upstream(*, info: DeviceInfo | None, current: str) -> str:
    """Our state for what the upstream reports (None: it has no slot for the device)."""
    if info is None:
        return current if current == State.CREATED else State.LOGGED_OUT
    if info.jid:
        return State.CONNECTED if info.state in _UPSTREAM_ONLINE else State.DISCONNECTED
    # No account on the slot: a login may be in progress, or the session has ended.
    if current in (State.CONNECTED, State.DISCONNECTED):
        return State.LOGGED_OUT
    if current == State.AWAITING_SCAN and info.state == _UPSTREAM_LOGIN_CLOSED:
        # While a QR or code login is open the slot's client stays connected; once the login
        # window closes unscanned, whatsmeow disconnects it and the scan can no longer happen.
        return State.LOGGED_OUT
    return current


def device_apply_upstream_info(*, device: Device, info: DeviceInfo | None) -> Device:
    """Record what the upstream said about `device` (state, account) and when it said it.

    Unless the row was written since `device` was read: that write (a logout, a login) is newer
    than what the upstream said, so it stays, and `device` is read again to show it.
    """
    if not _device_record(device=device, values=_upstream_values(device=device, info=info)):
        device.refresh_from_db()
    return device


def _upstream_values(*, device: Device, info: DeviceInfo | None) -> dict[str, str]:
    """The state and account fields of `device` as the upstream's `info` has them."""
    state = state_from_upstream(info=info, current=device.state)
    values = {
        "state": state,
        "upstream_state": _fit("upstream_state", info.state) if info else "missing",
    }
    if info is not None and info.jid:
        jid = _fit("jid", bare_jid(info.jid))
        values["jid"] = jid
        values["phone_number"] = _fit("phone_number", info.phone_number or jid.split("@")[0])
        values["display_name"] = _fit("display_name", info.display_name) or device.display_name
    elif state == State.LOGGED_OUT:
        values["jid"] = ""
    return values


def _device_record(*, device: Device, values: dict[str, str]) -> bool:
    """Write `values` and the time of the check, if the row is still as `device` was read.

    A conditional update on `updated_at`, which every write of a device sets: any write since
    `device` was read (so before or while the upstream was asked) makes it match no row, and
    PostgreSQL checks the condition again once a concurrent writer's row lock is released.
    Returns whether it wrote; `device` then holds what was written.
    """
    now = timezone.now()
    values = {**values, "state_checked_at": now, "updated_at": now}
    if values.get("state", device.state) == State.CONNECTED:
        values["last_seen_at"] = now
    if not Device.objects.filter(pk=device.pk, updated_at=device.updated_at).update(**values):
        return False
    for name, value in values.items():
        setattr(device, name, value)
    return True


def _fit(field: str, value: str) -> str:
    """Upstream text as the column can hold it: the WhatsApp account's own push name can carry
    NUL or run past the column, and refusing it would make every status refresh fail."""
    return sanitize(value)[: Device._meta.get_field(field).max_length]


def device_provision(*, device: Device) -> Device:
    """Create the device's upstream slot with its own webhook URL and secret.

    Works on an unsaved device too (it is then only given its slot id; the caller saves it).
    A create whose answer was lost may still have made the slot: it is removed again and the
    call is 503, so a retry starts clean and no slot is left that no device owns.
    """
    try:
        with upstream_errors():
            upstream_client().device_create(
                device.slot_id,
                webhook_url=settings.WHATSAPP_WEBHOOK_URL,
                webhook_secret=device.webhook_secret,
            )
    except UpstreamOutcomeUnknownError as exc:
        device_remove_upstream_quietly(device=device)
        raise UpstreamUnavailableError() from exc
    if device.upstream_id != device.slot_id:
        device.upstream_id = device.slot_id
        if not device._state.adding:
            device.save(update_fields=["upstream_id", "updated_at"])
    return device


def device_status_refresh(*, device: Device) -> Device:
    """Ask the upstream for the device's state and store it (503 when it cannot be asked)."""
    with upstream_errors():
        try:
            info = upstream_client().device_get(device.slot_id)
        except WhatsAppDeviceNotFoundError:
            info = None
    return device_apply_upstream_info(device=device, info=info)


def device_status_check(*, device: Device) -> Device:
    """Refresh the device's state from the upstream, else keep the stored one; `stale` says
    which. A read: whatever kept the upstream from answering, the caller still gets a state."""
    try:
        device_status_refresh(device=device)
    except (UpstreamUnavailableError, UpstreamOutcomeUnknownError, UpstreamRejectedError):
        device.stale = True
    else:
        device.stale = False
    return device


def device_ensure_slot(*, device: Device) -> Device:
    """Make sure the upstream holds the device's slot with the device's own webhook.

    Called before a login: GOWA's login creates an unknown slot on the fly, but without the
    webhook URL and secret, so every webhook of the account paired on it would be refused. A
    slot that is gone (a restarted sandbox, a slot deleted upstream) is provisioned again; one
    made on the fly earlier, or pointing at an old webhook URL, gets the device's webhook back.
    """
    client = upstream_client()
    with upstream_errors():
        try:
            webhook = client.device_webhook_get(device.slot_id)
        except WhatsAppDeviceNotFoundError:
            webhook = None
    if webhook is None:
        logger.info("upstream slot of device %s is missing; provisioning it again", device.pk)
        try:
            return device_provision(device=device)
        except DeviceSlotExistsError:
            pass  # a concurrent login made the slot first: make sure it carries our webhook
    wanted = (settings.WHATSAPP_WEBHOOK_URL, device.webhook_secret)
    if webhook is None or (webhook.webhook_url, webhook.webhook_secret) != wanted:
        logger.info("upstream slot of device %s had another webhook; restoring it", device.pk)
        with upstream_errors():
            client.device_webhook_update(
                device.slot_id, webhook_url=wanted[0], webhook_secret=wanted[1]
            )
    return device


def device_login_qr(*, device: Device) -> LoginQRCode:
    """Start a QR login; the PNG is fetched here so the upstream's host never reaches a browser."""
    device_ensure_slot(device=device)
    client = upstream_client()
    with upstream_errors():
        qr = client.device_login_qr(device.slot_id)
        png = client.fetch_qr_png(qr.qr_link)
    _device_set_state(device=device, state=State.AWAITING_SCAN)
    duration = max(int(qr.qr_duration), 1)
    return LoginQRCode(
        data_uri="data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        expires_at=timezone.now() + timedelta(seconds=duration),
        duration_seconds=duration,
    )


def device_login_code(*, device: Device, phone: str) -> LoginPairCode:
    """Start a login by pairing code, entered on the phone under Linked devices."""
    device_ensure_slot(device=device)
    with upstream_errors():
        pair = upstream_client().device_login_code(device.slot_id, phone)
    _device_set_state(device=device, state=State.AWAITING_SCAN)
    return LoginPairCode(code=pair.pair_code)


def device_logout(*, device: Device) -> Device:
    """Log the account out; the upstream keeps the slot so the device can pair again."""
    with upstream_errors():
        upstream_client().device_logout(device.slot_id)
    device.jid = ""
    device.state = State.LOGGED_OUT
    device.state_checked_at = timezone.now()
    device.save(update_fields=["jid", "state", "state_checked_at", "updated_at"])
    return device


def device_reconnect(*, device: Device) -> Device:
    """Reconnect a paired session; a device never logged in (or logged out) has none: 409."""
    if device.state in (State.CREATED, State.LOGGED_OUT):
        raise DeviceNotLoggedInError()
    with upstream_errors():
        upstream_client().device_reconnect(device.slot_id)
    return device_status_refresh(device=device)


def device_remove_upstream(*, device: Device) -> None:
    """Delete the upstream slot; one already gone is fine."""
    with upstream_errors():
        try:
            upstream_client().device_delete(device.slot_id)
        except WhatsAppDeviceNotFoundError:
            logger.info("upstream slot of device %s was already gone", device.pk)


def device_remove_upstream_quietly(*, device: Device) -> None:
    """Best-effort clean-up after a failure; the original error is what the caller reports."""
    try:
        device_remove_upstream(device=device)
    except Exception:
        logger.warning("could not remove the upstream slot of device %s", device.pk)


def devices_reconcile() -> int:
    """Bring every provisioned device's state in line with `GET /devices`; return how many
    changed state or account.

    GOWA sends no connection-state events, so this runs on a beat schedule. The rows are read
    before the upstream is asked, and a row is written only with the fields that differ, only
    if nothing wrote it since (`_device_record`): a logout or a login that lands while the
    listing is on its way is newer than the listing, and the next round starts from it. A
    device with nothing new is not written at all: its `state_checked_at` and `last_seen_at`
    are those of the last change, or of the last explicit refresh.
    """
    devices = list(Device.objects.exclude(upstream_id=None))
    with upstream_errors():
        listed = {info.id: info for info in upstream_client().device_list()}
    changed = 0
    for device in devices:
        values = _upstream_values(device=device, info=listed.get(device.slot_id))
        news = {name: value for name, value in values.items() if getattr(device, name) != value}
        if news and _device_record(device=device, values=news):
            changed += "state" in news or "jid" in news
    return changed


def device_slot_to_listen_on(*, timeout: float) -> str | None:
    """A slot id the upstream's /ws accepts, or None when the upstream holds no slot at all.

    GOWA's /ws sits behind its device middleware, so the socket must name a slot the upstream
    knows. The database can name slots the upstream has lost (the sandbox keeps its state in
    memory, a slot may be deleted upstream), and a socket on one of those is refused with
    DEVICE_NOT_FOUND at every attempt. So the upstream's own list decides: the oldest of our
    devices that it holds, else any slot it holds (every socket gets every event). When the
    upstream cannot be asked, the connect will most likely fail too; the oldest stored slot is
    the best guess for that attempt.
    """
    stored = (
        Device.objects.exclude(upstream_id=None)
        .order_by("created_at")
        .values_list("upstream_id", flat=True)
    )
    try:
        listed = [info.id for info in upstream_client(timeout=timeout).device_list()]
    except WhatsAppError as exc:
        # The stream logs the failed connect that follows; this only says why this slot.
        logger.debug("cannot list the upstream's slots (%s); trying the oldest stored", exc.code)
        return stored.first()
    ours = stored.filter(upstream_id__in=listed).first()
    return ours or next(iter(listed), None)


def _device_set_state(*, device: Device, state: str) -> None:
    device.state = state
    device.save(update_fields=["state", "updated_at"])
