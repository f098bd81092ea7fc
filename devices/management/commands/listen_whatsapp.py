"""Hold the upstream WebSocket open and hand every frame to `whatsapp_event_handle`."""

from __future__ import annotations

import logging
import signal
import threading
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from devices.services.lifecycle import device_slot_to_listen_on
from devices.services.stream_events import whatsapp_event_handle
from devices.whatsapp.stream import WhatsAppEventStream

logger = logging.getLogger("devices.listener")

# Connect and read timeout of the slot query before each connect. A stop() that arrives during
# the query waits for it, so together with the socket's own 3 s connect timeout this keeps a
# SIGTERM exit within 5 s even when the upstream hangs.
SLOT_QUERY_TIMEOUT = 1.5


def slot_to_attach() -> str | None:
    """The upstream's /ws needs a slot it holds; asked afresh before every connect."""
    close_old_connections()
    return device_slot_to_listen_on(timeout=SLOT_QUERY_TIMEOUT)


class Command(BaseCommand):
    help = (
        "Hold the upstream WhatsApp server's WebSocket open (WHATSAPP_API_URL + /ws), "
        "reconnecting with capped, jittered backoff, and enqueue a task for every frame: "
        "lifecycle frames refresh device state, message frames are ingested. "
        "Stops cleanly on SIGTERM or SIGINT."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--backoff-base", type=float, default=1.0, help="first reconnect wait ceiling (s)"
        )
        parser.add_argument(
            "--backoff-cap", type=float, default=60.0, help="longest wait between reconnects (s)"
        )
        parser.add_argument(
            "--ping-interval", type=float, default=20.0, help="seconds between pings"
        )

    def handle(
        self, *args, backoff_base: float, backoff_cap: float, ping_interval: float, **options
    ) -> None:
        stream = WhatsAppEventStream.from_settings(
            device_id=slot_to_attach,
            backoff_base=backoff_base,
            backoff_cap=backoff_cap,
            ping_interval=ping_interval,
        )
        self._install_stop_handlers(stream)
        self.stdout.write(f"listening to {stream.ws_url}")
        started = time.monotonic()
        handled = 0
        for event in stream.events():
            try:
                whatsapp_event_handle(event=event)
                handled += 1
            except Exception:
                # Nothing may stop the listener; a missed lifecycle frame is made good by the
                # beat reconcile task.
                logger.exception("could not handle a frame (%s)", type(event).__name__)
        self.stdout.write(
            f"stopped after {time.monotonic() - started:.1f}s: {handled} frames, "
            f"{stream.connects} connects"
        )

    def _install_stop_handlers(self, stream: WhatsAppEventStream) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set from the main thread (tests call here)

        def stop(signum, frame) -> None:
            logger.info("signal %s: stopping", signum)
            stream.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
