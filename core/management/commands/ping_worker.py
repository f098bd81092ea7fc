import time
import uuid

from django.core.management.base import BaseCommand, CommandError

from core.models import WorkerHeartbeat
from core.tasks import heartbeat_record


class Command(BaseCommand):
    help = (
        "Send a heartbeat task through the broker and wait until a worker has run it. "
        "Proves the broker and a worker work end to end."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--timeout", type=float, default=30, help="seconds to wait")
        parser.add_argument("--queue", default=None, help="queue to send to (default: celery)")

    def handle(self, *args, timeout: float, queue: str | None, **options) -> None:
        source = f"ping:{uuid.uuid4().hex}"
        started = time.monotonic()
        heartbeat_record.apply_async(kwargs={"source": source}, queue=queue)
        self.stdout.write(f"sent heartbeat {source}; waiting up to {timeout:g}s for a worker")
        while time.monotonic() - started < timeout:
            beat = WorkerHeartbeat.objects.filter(source=source).first()
            if beat:
                elapsed = time.monotonic() - started
                self.stdout.write(
                    self.style.SUCCESS(f"worker {beat.worker} ran it in {elapsed:.2f}s")
                )
                return
            time.sleep(0.1)
        raise CommandError(f"no worker ran the heartbeat within {timeout:g}s")
