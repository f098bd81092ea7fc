"""Hold the upstream WebSocket open and hand every frame to `whatsapp_event_handle`."""

from __future__ import annotations

import logging
import signal
import threading
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from devices.services.lifecycle import device_slot_to_listen_on
from devices.services.stream_events import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_BATCH_WAIT,
    EnvelopeBatcher,
    whatsapp_event_handle,
)
from devices.whatsapp.stream import WhatsAppEventStream
from devices.whatsapp.types import StreamIdle

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
        "reconnecting with capped, jittered backoff, and hand every frame on to Celery: "
        "lifecycle frames refresh device state at once, message frames are ingested in "
        "batches (one task per --batch-size frames or --batch-ms after a batch's first frame). "
        "Stops cleanly on SIGTERM or SIGINT, handing on the frames it holds."
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
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help="message frames per ingest task at most (default %(default)s)",
        )
        parser.add_argument(
            "--batch-ms",
            type=float,
            default=DEFAULT_BATCH_WAIT * 1000,
            help="longest a message frame waits for its batch to fill, in milliseconds "
            "(default %(default)g; 0 hands on every frame alone)",
        )

    def handle(
        self,
        *args,
        backoff_base: float,
        backoff_cap: float,
        ping_interval: float,
        batch_size: int,
        batch_ms: float,
        **options,
    ) -> None:
        if batch_size < 1 or batch_ms < 0:
            raise CommandError("--batch-size must be at least 1 and --batch-ms at least 0")
        stream = WhatsAppEventStream.from_settings(
            device_id=slot_to_attach,
            backoff_base=backoff_base,
            backoff_cap=backoff_cap,
            ping_interval=ping_interval,
        )
        batcher = EnvelopeBatcher(size=batch_size, max_wait=batch_ms / 1000)
        self._install_stop_handlers(stream)
        self.stdout.write("listening to %(url)s" % {"url": stream.ws_url})
        started = time.monotonic()
        handled = 0
        try:
            for event in stream.events(idle_after=batcher.time_left):
                try:
                    whatsapp_event_handle(event=event, batcher=batcher)
                except Exception:
                    # Nothing may stop the listener; a missed lifecycle frame is made good by
                    # the beat reconcile task, held message frames are tried again.
                    logger.exception("could not handle a frame (%s)", type(event).__name__)
                if not isinstance(event, StreamIdle):
                    handled += 1
        finally:
            # Stopped, or the stream failed: the frames still held go too.
            held = len(batcher)
            try:
                batcher.flush()
            except Exception:
                logger.exception("could not hand on the last %d message frames", held)
        self.stdout.write(
            "stopped after %(seconds).1fs: %(frames)d frames, %(batches)d message batches, "
            "%(connects)d connects"
            % {
                "seconds": time.monotonic() - started,
                "frames": handled,
                "batches": batcher.batches,
                "connects": stream.connects,
            }
        )

    def _install_stop_handlers(self, stream: WhatsAppEventStream) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set from the main thread (tests call here)

        def stop(signum, frame) -> None:
            logger.info("signal %s: stopping", signum)
            stream.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
