from django.apps import AppConfig


class SandboxAppConfig(AppConfig):
    """Installed only so that `manage.py run_whatsapp_sandbox` is found; the sandbox itself is
    a server of its own that imports nothing of Django or the product."""

    name = "sandbox"
    verbose_name = "WhatsApp sandbox upstream"
