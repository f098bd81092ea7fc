from celery import shared_task


@shared_task(bind=True, acks_late=True)
def heartbeat_record(self, source: str = "beat") -> None:
    """Record a heartbeat for `source`; idempotent, so a redelivery is harmless."""
    from core.services import heartbeat_record as record

    record(source=source, worker=self.request.hostname or "")
