from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ApplicationError
from devices.access import as_uuid
from devices.models import Device
from devices.services.sending import device_send_text


class Command(BaseCommand):
    help = "Send a text message through a device now (bypasses queues; for checks and demos)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--device", required=True, help="device id (UUID)")
        parser.add_argument("--to", required=True, help="phone in international format, or a JID")
        parser.add_argument("--text", default="Test message from the WhatsApp platform")

    def handle(self, *args, device: str, to: str, text: str, **options) -> None:
        found = Device.objects.filter(pk=as_uuid(device)).first()
        if found is None:
            raise CommandError("No device with id %(id)s." % {"id": device})
        try:
            result = device_send_text(device=found, to=to, text=text)
        except ApplicationError as exc:
            message = "%(code)s: %(message)s" % {"code": exc.code, "message": exc.message}
            raise CommandError(message) from None
        self.stdout.write(
            self.style.SUCCESS("sent: upstream message id %(id)s" % {"id": result.message_id})
        )
