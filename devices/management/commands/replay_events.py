"""`manage.py replay_events`: hand recorded upstream events to their processors again."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.dateparse import parse_datetime

from devices.access import as_uuid
from devices.models import Device
from devices.selectors import upstream_events_for_replay
from devices.services.processing import upstream_events_reprocess

CHUNK = 500


class Command(BaseCommand):
    help = (
        "Reprocess recorded upstream events received since TIME (processed, failed or ignored "
        "ones alike; account mismatches never). Processors are idempotent: replaying twice "
        "changes nothing more. Prints progress every 500 events."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since", required=True,
            help="ISO 8601 time with offset, e.g. 2026-12-01T00:00:00+00:00",
        )  # fmt: skip
        parser.add_argument("--device", help="only this device's events (its UUID)")
        parser.add_argument("--event", help="only events of this type, e.g. message.ack")

    def handle(self, *args, **options) -> None:
        since = parse_datetime(options["since"])
        if since is None or since.tzinfo is None:
            raise CommandError("--since must be an ISO 8601 time with an offset.")
        device = None
        if options["device"]:
            device = Device.objects.filter(pk=as_uuid(options["device"])).first()
            if device is None:
                raise CommandError("No device with id " + options["device"] + ".")
        events = upstream_events_for_replay(since=since, device=device, event=options["event"])
        total = events.count()
        self.stderr.write(f"Replaying {total} event(s).")
        done = settled = 0
        for start in range(0, total, CHUNK):
            chunk = list(events[start : start + CHUNK])
            settled += upstream_events_reprocess(events=chunk)
            done += len(chunk)
            self.stderr.write(f"  {done} / {total}")
        self.stdout.write(f"Replayed {settled} event(s).")
