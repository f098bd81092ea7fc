from django.conf import settings
from django.core.management.base import BaseCommand

from core.periodic_tasks import periodic_tasks_upsert


class Command(BaseCommand):
    help = (
        "Create the beat entries declared in settings.PERIODIC_TASKS that do not exist yet. "
        "Existing entries keep the schedule and enabled flag staff set in the admin."
    )

    def handle(self, *args, **options) -> None:
        result = periodic_tasks_upsert(declared=settings.PERIODIC_TASKS)
        for name in result.created:
            self.stdout.write(f"created: {name}")
        for name in result.kept:
            self.stdout.write(f"kept:    {name}")
