"""HTTP client for the upstream WhatsApp API server (GOWA, CONTRACT.md).

This is the only module that imports the HTTP library; the calls themselves build their paths and
bodies in :mod:`.management` (devices, login, users) and :mod:`.sending`. Every call:

- authenticates with HTTP basic auth and carries a ``(connect, read)`` timeout (sends get the
  longer ``send_timeout``: GOWA gives each request a 45 s budget, CONTRACT §2.1);
- sends ``X-Device-Id`` on device-scoped routes (§2.2);
- reads the ``{code, message, results}`` envelope only when the answer is JSON, copes with an
  omitted ``results`` and with the framework's plain-text 401/404;
- raises an :mod:`devices.whatsapp.errors` class on failure (table in that module).

Logs carry method, path template, device id, status and elapsed time, never the auth header,
query strings (phones) or bodies (message text).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
import urllib3
from requests.auth import HTTPBasicAuth
from urllib3.exceptions import (
    ConnectTimeoutError,
    NameResolutionError,
    NewConnectionError,
    ReadTimeoutError,
)

from devices.whatsapp.errors import (
    WhatsAppError,
    WhatsAppOutcomeUnknownError,
    WhatsAppRejectedError,
    WhatsAppUnavailableError,
    error_from_response,
)
from devices.whatsapp.management import ManagementMixin, quote_id
from devices.whatsapp.sending import SendingMixin

__all__ = ["WhatsAppClient"]

logger = logging.getLogger(__name__)

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_MAX_QR_BYTES = 1024 * 1024  # GOWA's QR is a 512x512 PNG of a few KB.
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _is_json(response: requests.Response) -> bool:
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    return content_type == "application/json" or content_type.endswith("+json")


def _before_send(exc: requests.ConnectionError) -> bool:
    """True when a ConnectionError happened before any byte of the request reached the server."""
    if isinstance(exc, (requests.exceptions.SSLError, requests.exceptions.ProxyError)):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # MaxRetryError wraps the real cause
    return isinstance(reason, (NewConnectionError, NameResolutionError, ConnectTimeoutError))


def _read_timed_out(exc: requests.ConnectionError) -> bool:
    """requests reports a read timeout while loading the body as ConnectionError(ReadTimeout)."""
    reason = exc.args[0] if exc.args else None
    return isinstance(getattr(reason, "reason", reason), ReadTimeoutError)


class WhatsAppClient(ManagementMixin, SendingMixin):
    """Typed calls to one upstream server. Thread-safe enough to share per process (requests'
    Session pools connections); create one per worker process, not per call."""

    def __init__(
        self,
        base_url: str,
        user: str,
        password: str,
        *,
        connect_timeout: float = 3.05,
        read_timeout: float = 15,
        send_timeout: float = 50,
        session: requests.Session | None = None,
    ) -> None:
        if not base_url or urlsplit(base_url).scheme not in {"http", "https"}:
            raise ValueError("base_url must be an http(s) URL")
        self.base_url = base_url.rstrip("/")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.send_timeout = send_timeout
        self._auth = HTTPBasicAuth(user, password)
        self._session = session if session is not None else requests.Session()

    @classmethod
    def from_settings(cls, **overrides: Any) -> WhatsAppClient:
        """Build from ``django.conf.settings`` (read here, never at import time)."""
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured

        base_url = getattr(settings, "WHATSAPP_API_URL", "")
        if not base_url:
            raise ImproperlyConfigured("WHATSAPP_API_URL is not set")
        options: dict[str, Any] = {
            "connect_timeout": getattr(settings, "WHATSAPP_CONNECT_TIMEOUT", 3.05),
            "read_timeout": getattr(settings, "WHATSAPP_READ_TIMEOUT", 15),
            "send_timeout": getattr(settings, "WHATSAPP_SEND_TIMEOUT", 50),
        }
        options.update(overrides)
        return cls(
            base_url,
            getattr(settings, "WHATSAPP_API_USER", ""),
            getattr(settings, "WHATSAPP_API_PASSWORD", ""),
            **options,
        )

    def __repr__(self) -> str:
        return f"WhatsAppClient({self.base_url!r})"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> WhatsAppClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- transport ---------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        device_id: str | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        send: bool = False,
        require: str | None = None,
    ) -> Any:
        """Perform one call and return the envelope's ``results`` (``None`` when omitted).

        ``require`` names a field of ``results`` the call is for (a login's QR link): a success
        without it is an unexpected answer, like any other that is not GOWA's.
        """
        headers = {"Accept": "application/json"}
        if device_id is not None:
            headers["X-Device-Id"] = quote_id(device_id)
        read = self.send_timeout if send else self.read_timeout
        idempotent = method in _IDEMPOTENT_METHODS
        started = time.monotonic()
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                params=params,
                json=json,
                data=data,
                files=files,
                headers=headers,
                auth=self._auth,
                timeout=(self.connect_timeout, read),
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            error = self._transport_error(exc, idempotent=idempotent)
            logger.warning(
                "whatsapp %s %s device=%s failed after %.2fs: %s",
                method,
                path,
                device_id,
                time.monotonic() - started,
                error.code,
            )
            raise error from exc
        logger.debug(
            "whatsapp %s %s device=%s -> %s in %.2fs",
            method,
            path,
            device_id,
            response.status_code,
            time.monotonic() - started,
        )
        return self._results(
            response, method=method, path=path, idempotent=idempotent, require=require
        )

    @staticmethod
    def _transport_error(exc: requests.RequestException, *, idempotent: bool) -> WhatsAppError:
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return WhatsAppUnavailableError("timed out connecting", code="connect_timeout")
        read_timeout = isinstance(exc, requests.exceptions.ReadTimeout) or (
            isinstance(exc, requests.ConnectionError) and _read_timed_out(exc)
        )
        if not read_timeout and isinstance(exc, requests.ConnectionError) and _before_send(exc):
            return WhatsAppUnavailableError(
                "could not connect: %(error)s" % {"error": type(exc).__name__},
                code="connection_error",
            )
        if read_timeout or isinstance(
            exc, (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)
        ):
            # The request (or part of it) reached the server and the answer never arrived
            # (read timeout, RemoteDisconnected, reset mid-body). A GET has no side effect, so it
            # is simply unavailable and safe to retry. A POST may already have acted: a send may
            # have been delivered, a device created, a login started. Retrying blindly would
            # risk a duplicate WhatsApp message, so the caller gets "outcome unknown" instead.
            code = "read_timeout" if read_timeout else "connection_dropped"
            text = "no answer before the read timeout" if read_timeout else "connection dropped"
            if idempotent:
                return WhatsAppUnavailableError(text, code=code)
            return WhatsAppOutcomeUnknownError(text + " after the request was sent", code=code)
        # InvalidURL, MissingSchema, TooManyRedirects...: a configuration problem.
        return WhatsAppError(
            "request failed: %(error)s" % {"error": type(exc).__name__}, code="request_error"
        )

    @staticmethod
    def _results(
        response: requests.Response,
        *,
        method: str,
        path: str,
        idempotent: bool,
        require: str | None = None,
    ) -> Any:
        envelope: Any = None
        is_json = _is_json(response)
        if is_json:
            try:
                envelope = response.json()
            except ValueError:
                is_json = False
        status = response.status_code
        if not 200 <= status < 300:
            if is_json and isinstance(envelope, dict):
                code = envelope.get("code")
                message = envelope.get("message")
                raise error_from_response(
                    status=status,
                    code=code if isinstance(code, str) else None,
                    message=message if isinstance(message, str) else "",
                    path=path,
                    is_json=True,
                )
            raise error_from_response(
                status=status, code=None, message=response.text, path=path, is_json=False
            )
        results = envelope.get("results") if isinstance(envelope, dict) else None
        missing = require is not None and not (isinstance(results, dict) and results.get(require))
        if (
            not isinstance(envelope, dict)
            or envelope.get("code", "SUCCESS") != "SUCCESS"
            or missing
        ):
            # Something other than GOWA answered 2xx (a proxy page), GOWA said "not success"
            # with a 2xx, or the success lacks what the call is for. Whether a POST took effect
            # cannot be known.
            error_class = WhatsAppUnavailableError if idempotent else WhatsAppOutcomeUnknownError
            code = envelope.get("code") if isinstance(envelope, dict) else None
            if not isinstance(code, str) or code in ("", "SUCCESS"):
                code = "bad_response"
            message = "unexpected %(status)s answer to %(method)s %(path)s" % {
                "status": status,
                "method": method,
                "path": path,
            }
            raise error_class(message, code=code, status=status)
        return results

    def fetch_qr_png(self, qr_link: str) -> bytes:
        """Download the QR PNG that ``device_login_qr`` pointed at.

        GOWA builds ``qr_link`` from the Host header of the login request (CONTRACT §4.1,
        §9.7), so it may name a host only reachable from the upstream's own network. The link's
        path is kept and put on this client's scheme and host, which also means a link can never
        make this server fetch from anywhere but the configured upstream.
        """
        if not qr_link:
            raise ValueError("qr_link is empty")
        link = urlsplit(urljoin(self.base_url + "/", qr_link))
        base = urlsplit(self.base_url)
        url = urlunsplit((base.scheme, base.netloc, link.path, link.query, ""))
        started = time.monotonic()
        try:
            with self._session.get(
                url,
                auth=self._auth,  # statics are public in GOWA; the credentials do no harm
                timeout=(self.connect_timeout, self.read_timeout),
                allow_redirects=False,
                stream=True,
            ) as response:
                content = response.raw.read(_MAX_QR_BYTES + 1, decode_content=True)
                status = response.status_code
                content_type = response.headers.get("Content-Type", "")
        except requests.RequestException as exc:
            raise self._transport_error(exc, idempotent=True) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:  # raised by raw.read()
            raise WhatsAppUnavailableError(
                "QR download failed: %(error)s" % {"error": type(exc).__name__},
                code="connection_dropped",
            ) from exc
        logger.debug("whatsapp GET qr -> %s in %.2fs", status, time.monotonic() - started)
        if status == 404:
            raise WhatsAppRejectedError(
                "QR image not found (expired?)", code="qr_not_found", status=status
            )
        if not 200 <= status < 300:
            raise error_from_response(
                status=status,
                code=None,
                message="QR download failed",
                path=link.path,
                is_json=False,
            )
        if len(content) > _MAX_QR_BYTES:
            raise WhatsAppRejectedError(
                "QR image too large", code="invalid_qr_image", status=status
            )
        if not content.startswith(_PNG_MAGIC) or "png" not in content_type.lower():
            raise WhatsAppRejectedError(
                "QR link did not return a PNG", code="invalid_qr_image", status=status
            )
        return content
