"""`manage.py run_whatsapp_sandbox`: the sandbox upstream in the foreground."""

from __future__ import annotations

import ipaddress
import signal
import threading
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from sandbox import SandboxServer


class Command(BaseCommand):
    help = (
        "Run the WhatsApp sandbox: an in-memory stand-in for the upstream GOWA server "
        "(REST, /ws and signed webhooks) plus a control API under /_sandbox that plays the "
        "phone side. Runs in the foreground until Ctrl-C or SIGTERM."
    )
    # It touches no models; skipping the checks keeps start-up instant for dev and tests.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host",
            default=None,
            help="Interface to bind (default: 127.0.0.1, or the host of --from-settings).",
        )
        parser.add_argument(
            "--port",
            type=int,
            default=None,
            help=(
                "TCP port to listen on (default: 3000, GOWA's, or the port of "
                "--from-settings; 0 picks a free port)."
            ),
        )
        parser.add_argument(
            "--from-settings",
            action="store_true",
            help=(
                "Listen where settings.WHATSAPP_API_URL points (its host and port) when that is "
                "a plain http URL on this machine, so the platform finds the sandbox without "
                "repeating the address; otherwise warn and use the defaults. --host and --port "
                "still win."
            ),
        )
        parser.add_argument(
            "--user",
            default=None,
            help="Basic-auth user the REST API accepts (default: settings.WHATSAPP_API_USER).",
        )
        parser.add_argument(
            "--password",
            default=None,
            help="Basic-auth password (default: settings.WHATSAPP_API_PASSWORD).",
        )
        parser.add_argument(
            "--webhook-url",
            default=None,
            help=(
                "Where events are posted, comma-separated for several "
                "(default: settings.WHATSAPP_WEBHOOK_URL; pass '' for none)."
            ),
        )
        parser.add_argument(
            "--webhook-secret",
            default=None,
            help="HMAC key for X-Hub-Signature-256 (default: settings.WHATSAPP_WEBHOOK_SECRET).",
        )
        parser.add_argument(
            "--qr-duration",
            type=int,
            default=30,
            help="Seconds each login QR PNG stays downloadable (default: 30, as GOWA).",
        )
        parser.add_argument(
            "--ws-message-events",
            action="store_true",
            help="Also push message and receipt events on /ws (GOWA itself does not).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = ("127.0.0.1", 3000)
        if options["from_settings"]:
            address = _address_from_settings()
            if address is None:
                # Not an error: `make run` starts the sandbox even when the platform is pointed
                # at a real upstream, and one process exiting would stop all of them.
                self.stderr.write(
                    f"WHATSAPP_API_URL ({settings.WHATSAPP_API_URL}) is not a local http root "
                    "URL: the sandbox listens on its defaults and the platform will not use it"
                )
            else:
                host, port = address
        server = SandboxServer(
            host=host if options["host"] is None else options["host"],
            port=port if options["port"] is None else options["port"],
            user=_pick(options["user"], "WHATSAPP_API_USER", "admin"),
            password=_pick(options["password"], "WHATSAPP_API_PASSWORD", "admin"),
            webhook_url=_pick(options["webhook_url"], "WHATSAPP_WEBHOOK_URL", "") or None,
            webhook_secret=_pick(options["webhook_secret"], "WHATSAPP_WEBHOOK_SECRET", "secret"),
            qr_duration=options["qr_duration"],
            ws_message_events=options["ws_message_events"],
        )
        stop = threading.Event()
        stop_signals = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in stop_signals}
        try:
            server.start()
            self.stdout.write(
                f"WhatsApp sandbox listening on {server.base_url} "
                "(control API at /_sandbox; Ctrl-C to stop)"
            )
            self.stdout.flush()
            # A timed wait keeps the main thread responsive to signals on every platform.
            while not stop.wait(0.5):
                pass
        finally:
            server.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stderr.write("WhatsApp sandbox stopped")


def _address_from_settings() -> tuple[str, int] | None:
    """Host and port of settings.WHATSAPP_API_URL when it names a sandbox on this machine: plain
    http, a loopback host, no base path (the sandbox serves neither TLS nor a prefix). None for
    anything else, e.g. a real GOWA elsewhere."""
    parts = urlsplit(str(getattr(settings, "WHATSAPP_API_URL", "") or ""))
    try:
        port = parts.port
    except ValueError:
        return None
    if parts.scheme != "http" or parts.path.strip("/") or not _is_loopback(parts.hostname):
        return None
    return parts.hostname, port or 80


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def _pick(option: str | None, setting: str, fallback: str) -> str:
    """The command-line value, else the Django setting, else the sandbox default."""
    if option is not None:
        return option
    return str(getattr(settings, setting, fallback) or fallback)
