import time

from django.core.management.base import BaseCommand, CommandError

from core.readiness import run_checks


class Command(BaseCommand):
    help = (
        "Check that the database, the broker and the cache answer. With --wait, retry for up "
        "to that many seconds (for start-up ordering). Exits 1 with one line per failure."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--wait", type=float, default=0, help="seconds to keep retrying (default: 0)"
        )

    def handle(self, *args, wait: float, **options) -> None:
        deadline = time.monotonic() + wait
        while True:
            failures = {name: reason for name, reason in run_checks().items() if reason}
            if not failures:
                self.stdout.write("database, broker and cache answer")
                return
            if time.monotonic() >= deadline:
                raise CommandError("; ".join(failures.values()))
            self.stderr.write("waiting for: " + ", ".join(failures))
            time.sleep(1)
