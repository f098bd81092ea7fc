from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "devices"

    def ready(self) -> None:
        from devices import schema  # noqa: F401  (registers the API-key security scheme)
