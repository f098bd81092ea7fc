import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create a local superuser when none exists. Credentials come from ADMIN_USERNAME, "
        "ADMIN_PASSWORD and ADMIN_EMAIL, or are generated and printed once."
    )

    def handle(self, *args, **options) -> None:
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("an admin user exists; nothing to do")
            return
        username = os.environ.get("ADMIN_USERNAME") or "admin"
        password = os.environ.get("ADMIN_PASSWORD")
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        email = os.environ.get("ADMIN_EMAIL") or "admin@localhost"
        User.objects.create_superuser(username=username, email=email, password=password)
        self.stdout.write(self.style.SUCCESS(f"created admin user {username!r}"))
        if generated:
            # Shown once: it is not stored anywhere in clear text.
            self.stdout.write(f"  password: {password}  (shown once; change it in /admin)")
