from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "devices"

    def ready(self) -> None:
        from accounts.signals import user_email_verified
        from devices import schema  # noqa: F401  (registers the API-key security scheme)
        from devices.services.members import invitations_accept_receiver

        # A first sign-in with an invited email makes the invitations memberships.
        user_email_verified.connect(
            invitations_accept_receiver, dispatch_uid="devices_invitations_accept"
        )
