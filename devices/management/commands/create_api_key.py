from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from devices.access import as_uuid
from devices.models import Device
from devices.services.api_keys import api_key_create


class Command(BaseCommand):
    help = "Create an API key for a device and print it once (only its hash is stored)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--device", required=True, help="the device's UUID")
        parser.add_argument("--read-only", action="store_true", help="a viewer key")
        parser.add_argument("--name", default="manage.py", help="a label for the key")

    def handle(self, *args, **options) -> None:
        device = Device.objects.filter(pk=as_uuid(options["device"])).first()
        if device is None:
            raise CommandError("No device with id %(id)s." % {"id": options["device"]})
        try:
            api_key, raw_key = api_key_create(
                device=device, name=options["name"], read_only=options["read_only"]
            )
        except ValidationError as exc:
            errors = exc.message_dict.items()
            messages = "; ".join(
                "%(field)s: %(texts)s" % {"field": field, "texts": " ".join(texts)}
                for field, texts in errors
            )
            raise CommandError("Invalid key: %(messages)s" % {"messages": messages}) from exc
        kind = "read-only" if api_key.read_only else "full"
        self.stderr.write(
            "Created %(kind)s key %(prefix)s for device %(device)s; it is shown only now:"
            % {"kind": kind, "prefix": api_key.prefix, "device": device.pk}
        )
        self.stdout.write(raw_key)
