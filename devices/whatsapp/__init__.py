"""Client for the upstream WhatsApp API server (GOWA; see docs/upstream/CONTRACT.md).

- :class:`WhatsAppClient`: REST calls (devices, login, sends, message actions, users).
- :class:`WhatsAppEventStream`: the ``/ws`` socket as an endless, reconnecting event iterator.
- :mod:`.errors`: one exception family, classified retryable / definite / outcome unknown.
- :mod:`.types`: frozen dataclasses for payloads and socket frames.
- :mod:`.phones`: the one phone-number rule, and JID helpers.
- :mod:`.signing`: webhook HMAC (``X-Hub-Signature-256``).

Importing this package does not need Django settings; only ``from_settings()`` reads them.
"""

from devices.whatsapp.client import WhatsAppClient
from devices.whatsapp.errors import (
    WhatsAppAuthFailedError,
    WhatsAppDeviceAlreadyExistsError,
    WhatsAppDeviceAlreadyLoggedInError,
    WhatsAppDeviceNotFoundError,
    WhatsAppDeviceNotLoggedInError,
    WhatsAppError,
    WhatsAppOutcomeUnknownError,
    WhatsAppRejectedError,
    WhatsAppUnavailableError,
)
from devices.whatsapp.phones import bare_jid, jid_for_phone, normalise_phone
from devices.whatsapp.stream import WhatsAppEventStream
from devices.whatsapp.types import (
    AppInfo,
    DeviceInfo,
    DeviceStatus,
    DeviceWebhook,
    EnvelopeEvent,
    LifecycleEvent,
    LoginQR,
    PairCode,
    SendResult,
    StreamIdle,
    UserCheck,
    UserInfo,
    parse_ws_frame,
)

__all__ = [
    "AppInfo",
    "DeviceInfo",
    "DeviceStatus",
    "DeviceWebhook",
    "EnvelopeEvent",
    "LifecycleEvent",
    "LoginQR",
    "PairCode",
    "SendResult",
    "StreamIdle",
    "UserCheck",
    "UserInfo",
    "WhatsAppAuthFailedError",
    "WhatsAppClient",
    "WhatsAppDeviceAlreadyExistsError",
    "WhatsAppDeviceAlreadyLoggedInError",
    "WhatsAppDeviceNotFoundError",
    "WhatsAppDeviceNotLoggedInError",
    "WhatsAppError",
    "WhatsAppEventStream",
    "WhatsAppOutcomeUnknownError",
    "WhatsAppRejectedError",
    "WhatsAppUnavailableError",
    "bare_jid",
    "jid_for_phone",
    "normalise_phone",
    "parse_ws_frame",
]
