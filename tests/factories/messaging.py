from __future__ import annotations

import factory
from django.utils import timezone

from factories.devices import DeviceFactory
from messaging.models import Message


class MessageFactory(factory.django.DjangoModelFactory):
    """An inbound text, as ingest stores one."""

    class Meta:
        model = Message

    device = factory.SubFactory(DeviceFactory)
    chat_jid = factory.Sequence(lambda n: "62812%08d@s.whatsapp.net" % n)
    direction = Message.Direction.INBOUND
    kind = Message.Kind.TEXT
    text = factory.Sequence(lambda n: "Message %d" % n)
    upstream_id = factory.Sequence(lambda n: "3EB0F%011d" % n)
    status = Message.Status.RECEIVED
    origin = Message.Origin.INBOUND
    timestamp = factory.LazyFunction(timezone.now)
