"""Settings of one sandbox instance.

Every knob a test may want to turn lives here, so a test can build a server with the exact
timings it needs (a 0.05 s webhook backoff instead of GOWA's 1 s, a 1 s QR lifetime).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

# What GOWA v9.2.0 reports from /app/info; clients may log or display it.
GOWA_VERSION = "v9.2.0"
MAX_IMAGE_SIZE = 20_000_000
MAX_FILE_SIZE = 50_000_000
MAX_VIDEO_SIZE = 100_000_000


@dataclass
class SandboxConfig:
    """Runtime configuration; `PATCH /_sandbox/config` edits a live copy of it."""

    # Sandbox defaults, meant to be overridden from settings; not production secrets.
    user: str = "admin"
    password: str = "admin"  # noqa: S105
    # Global webhook target(s): a comma-separated list, like GOWA's WHATSAPP_WEBHOOK.
    webhook_url: str | None = None
    webhook_secret: str = "secret"  # noqa: S105 - GOWA's own default secret
    # Seconds the QR PNG stays downloadable (GOWA: half of whatsmeow's first code timeout).
    qr_duration: int = 30
    # Seconds a QR / pairing-code login stays open for the phone side to complete.
    login_window: float = 160.0
    # Push message/receipt events on /ws too, like other servers of the GOWA family do.
    ws_message_events: bool = False
    # GOWA's WHATSAPP_AUTO_DOWNLOAD_MEDIA: media in `message` events is a stored path (true)
    # or the CDN `{url, …}` object (false); a phone-side message may override it.
    auto_download_media: bool = True
    # Webhook delivery timings (GOWA: 10 s per attempt, 5 attempts, 1/2/4/8 s, 30 s budget).
    webhook_timeout: float = 10.0
    webhook_attempts: int = 5
    webhook_backoff_base: float = 1.0
    webhook_budget: float = 30.0
    # How many entries each inspection log (/_sandbox/requests, /sent, /webhooks) keeps.
    history_limit: int = 10_000
    # Seconds a shutdown waits for in-flight requests before cutting them off.
    shutdown_timeout: float = 2.0

    def copy(self, **changes: Any) -> SandboxConfig:
        return replace(self, **changes)

    def public_view(self) -> dict[str, Any]:
        """The configuration without credentials, for the unauthenticated control API."""
        data = asdict(self)
        data.pop("password", None)
        data.pop("webhook_secret", None)
        return data

    def webhook_urls(self) -> list[str]:
        return split_urls(self.webhook_url)


def split_urls(value: str | None) -> list[str]:
    return [url.strip() for url in (value or "").split(",") if url.strip()]
