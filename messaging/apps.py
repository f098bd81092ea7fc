from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "messaging"

    def ready(self) -> None:
        # Devices records the raw events; messaging gives them meaning (PRODUCT.md §3).
        from devices.processing import event_processor_register
        from messaging.services.changes import CHANGE_PROCESSORS
        from messaging.services.inbound import messages_from_events
        from messaging.services.receipts import receipts_from_events

        event_processor_register("message", messages_from_events)
        event_processor_register("message.ack", receipts_from_events)
        for event, processor in CHANGE_PROCESSORS.items():
            event_processor_register(event, processor)
