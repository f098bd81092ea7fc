"""The one way devices services reach the upstream: a per-process client, errors translated.

Views and tasks never call the client; services do, inside `upstream_errors()`, which turns the
client's error classes into the API's stable error codes.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from functools import lru_cache

from django.conf import settings

from devices.errors import (
    DeviceAlreadyLoggedInError,
    DeviceNotLoggedInError,
    DeviceSlotExistsError,
    UpstreamOutcomeUnknownError,
    UpstreamRejectedError,
    UpstreamUnavailableError,
)
from devices.whatsapp.client import WhatsAppClient
from devices.whatsapp.errors import (
    WhatsAppAuthFailedError,
    WhatsAppDeviceAlreadyExistsError,
    WhatsAppDeviceAlreadyLoggedInError,
    WhatsAppDeviceNotLoggedInError,
    WhatsAppError,
    WhatsAppOutcomeUnknownError,
    WhatsAppUnavailableError,
)

logger = logging.getLogger(__name__)


@lru_cache(maxsize=8)
def _client_for(settings_key: tuple, timeout: float | None) -> WhatsAppClient:
    # One client per distinct configuration (a test or a reconfigured process gets its own);
    # its session keeps connections to the upstream alive between calls.
    if timeout is None:
        return WhatsAppClient.from_settings()
    return WhatsAppClient.from_settings(connect_timeout=timeout, read_timeout=timeout)


def upstream_client(*, timeout: float | None = None) -> WhatsAppClient:
    """The process's client; `timeout` caps connect and read for a caller that must stay
    responsive (the listener asks between reconnects and must still stop within seconds)."""
    return _client_for(tuple(getattr(settings, name) for name in _CLIENT_SETTINGS), timeout)


_CLIENT_SETTINGS = (
    "WHATSAPP_API_URL",
    "WHATSAPP_API_USER",
    "WHATSAPP_API_PASSWORD",
    "WHATSAPP_CONNECT_TIMEOUT",
    "WHATSAPP_READ_TIMEOUT",
    "WHATSAPP_SEND_TIMEOUT",
)


@contextlib.contextmanager
def upstream_errors() -> Iterator[None]:
    """Translate upstream failures into ApplicationErrors (503, 504, 409, 502)."""
    try:
        yield
    except WhatsAppAuthFailedError as exc:
        # Our credentials are wrong: an operator problem, not the caller's.
        logger.error("upstream rejected the platform's credentials (status %s)", exc.status)
        raise UpstreamUnavailableError() from exc
    except WhatsAppUnavailableError as exc:
        logger.warning("upstream unavailable: %s %s", exc.code, exc.status)
        raise UpstreamUnavailableError() from exc
    except WhatsAppOutcomeUnknownError as exc:
        raise UpstreamOutcomeUnknownError() from exc
    except WhatsAppDeviceNotLoggedInError as exc:
        raise DeviceNotLoggedInError() from exc
    except WhatsAppDeviceAlreadyLoggedInError as exc:
        raise DeviceAlreadyLoggedInError() from exc
    except WhatsAppDeviceAlreadyExistsError as exc:
        raise DeviceSlotExistsError() from exc
    except WhatsAppError as exc:
        raise UpstreamRejectedError(
            "The WhatsApp server rejected the request (%(code)s)."
            % {"code": exc.code or exc.status}
        ) from exc
