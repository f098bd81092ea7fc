"""The send path against the sandbox over real HTTP: each message reaches it at most once,
retries are bounded, an unanswered send is `unknown`, receipts carry it to read."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.utils import timezone
from factories.accounts import UserFactory
from message_events import envelope

from contacts.models import Contact
from devices.models import Device
from devices.services import lifecycle
from devices.services.devices import device_create
from messaging.models import Message
from messaging.services.outbox import Draft, message_queue
from messaging.services.sending import message_send, outbox_sweep

pytestmark = pytest.mark.django_db
PHONE = "6281111111111"
TO = "+62 822-2222-2222"
TO_JID = "6282222222222@s.whatsapp.net"


@pytest.fixture(autouse=True)
def unpaced(settings):
    settings.SEND_RATE_PER_MINUTE = 0
    settings.SEND_RETRY_BASE_SECONDS = 0.01
    settings.WHATSAPP_SEND_TIMEOUT = 1.0


def linked_device(sandbox, phone: str = PHONE) -> Device:
    """A device created and logged in the production way, on the sandbox."""
    device = device_create(name="Sender " + phone, created_by=UserFactory())
    lifecycle.device_login_qr(device=device)
    sandbox.scan(device.slot_id, phone=phone)
    Device.objects.filter(pk=device.pk).update(
        state=Device.State.CONNECTED, jid=phone + "@s.whatsapp.net"
    )
    device.refresh_from_db()
    return device


@pytest.fixture
def device(sandbox):
    return linked_device(sandbox)


def queue(device, text="Hello", **kwargs) -> Message:
    message, created = message_queue(device=device, draft=Draft(text=text), to=TO, **kwargs)
    assert created
    return message


def drive(message: Message, *, rounds: int = 10) -> Message:
    """Run the send task until it has nothing more to do, skipping each backoff's wait."""
    for _ in range(rounds):
        again = message_send(message_id=message.pk, paced=True)
        if again is None:
            break
        Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    message.refresh_from_db()
    return message


def sent_at_sandbox(sandbox) -> list[dict]:
    return sandbox.control("GET", "/sent")


def test_a_send_reaches_the_sandbox_once_then_receipts_carry_it_to_read(device, sandbox, ingest):
    message = drive(queue(device, "Hello there"))
    (call,) = sent_at_sandbox(sandbox)
    assert (call["device_id"], call["jid"], call["fields"]["message"]) == (
        device.slot_id, TO_JID, "Hello there",
    )  # fmt: skip
    assert (message.status, message.upstream_id, message.attempts) == (
        "sent", call["message_id"], 1,
    )  # fmt: skip
    assert message.contact == Contact.objects.get(device=device, jid=TO_JID)
    account = PHONE + "@s.whatsapp.net"
    for receipt_type in ("delivered", "read"):
        ingest(envelope("message.ack", {"ids": [message.upstream_id], "receipt_type": receipt_type,
                                        "chat_id": TO_JID, "from": TO_JID,
                                        "timestamp": "2026-01-22T10:31:00Z"},
                        slot=device.slot_id, account=account))  # fmt: skip
        message.refresh_from_db()
        assert message.status == receipt_type


@pytest.mark.django_db(transaction=True)  # the threads' connections must see the rows
def test_the_same_task_twice_or_at_once_sends_once(device, sandbox):
    message = queue(device)
    drive(message)
    drive(message)
    other = queue(device, "Twice at once")
    threads = [threading.Thread(target=message_send, kwargs={"message_id": other.pk, "paced": True})
               for _ in range(4)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sent_at_sandbox(sandbox)) == 2
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}


def test_two_server_errors_then_success_is_sent_once(device, sandbox):
    sandbox.fault(method="POST", path="/send/message", status=500, times=2)
    message = drive(queue(device))
    assert (message.status, message.attempts) == ("sent", 3)
    assert len(sent_at_sandbox(sandbox)) == 1


def test_a_throttled_send_is_retried_with_backoff_then_fails_with_the_code(
    device, sandbox, settings
):
    settings.SEND_MAX_ATTEMPTS = 3
    sandbox.fault(method="POST", path="/send/message", status=429)
    message = queue(device)
    delays = []
    for _ in range(5):
        again = message_send(message_id=message.pk, paced=True)
        if again is None:
            break
        delays.append(again)
        Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    message.refresh_from_db()
    assert (message.status, message.error_code, message.attempts) == (
        "failed", "WA_REACHOUT_TIMELOCK", 3,
    )  # fmt: skip
    assert len(delays) == 2 and delays[1] > delays[0]  # exponential
    requests = sandbox.control("GET", "/requests")
    assert sum(r["path"] == "/send/message" for r in requests) == 3
    assert sent_at_sandbox(sandbox) == []


def test_a_definite_refusal_fails_at_once_with_the_upstreams_code(device, sandbox):
    sandbox.fault(method="POST", path="/send/message", status=400, code="INVALID_JID",
                  message="bad phone")  # fmt: skip
    message = drive(queue(device))
    assert (message.status, message.error_code, message.error_detail, message.attempts) == (
        "failed", "INVALID_JID", "bad phone", 1,
    )  # fmt: skip


def test_a_timeout_after_the_sandbox_accepted_is_unknown_and_never_resent(device, sandbox):
    sandbox.fault(method="POST", path="/send/message", timeout_after_accept=True,
                  run_handler=True, times=1)  # fmt: skip
    message = drive(queue(device))
    assert message.status == "unknown"
    drive(message)
    outbox_sweep(now=timezone.now() + timedelta(hours=1))
    drive(message)
    assert len(sent_at_sandbox(sandbox)) == 1
    assert Message.objects.get(pk=message.pk).status == "unknown"


def test_a_message_left_claimed_by_a_dead_worker_is_swept_to_unknown(device, sandbox, settings):
    message = queue(device)
    Message.objects.filter(pk=message.pk).update(
        status="sending",
        claimed_at=timezone.now() - timedelta(seconds=settings.SEND_LEASE_SECONDS + 1),
    )
    queued_long_ago = queue(device, "lost task")
    Message.objects.filter(pk=queued_long_ago.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=5)
    )
    assert outbox_sweep() == {"requeued": 1, "unknown": 1}
    message.refresh_from_db()
    assert (message.status, message.error_code) == ("unknown", "worker_lost")
    drive(message)
    assert sent_at_sandbox(sandbox) == []  # the unknown one is not resent blindly


def test_a_contact_blocked_after_queueing_is_canceled_unsent(device, sandbox):
    message = queue(device)
    Contact.objects.filter(pk=message.contact_id).update(is_blocked=True)
    message = drive(message)
    assert (message.status, message.error_code) == ("canceled", "contact_blocked")
    assert sent_at_sandbox(sandbox) == []


def test_pacing_holds_one_device_and_not_another(device, sandbox, settings):
    settings.SEND_RATE_PER_MINUTE = 60
    settings.SEND_BURST = 1
    settings.SEND_JITTER_SECONDS = 0
    other = linked_device(sandbox, phone="6289999999999")
    first, second, third = (queue(device, "n%d" % n) for n in range(3))
    assert message_send(message_id=first.pk) is None
    waits = [message_send(message_id=m.pk) for m in (second, third)]
    assert 0.5 < waits[0] <= 1.0 and 1.5 < waits[1] <= 2.0  # one distinct slot each
    assert message_send(message_id=queue(other, "elsewhere").pk) is None
    assert [c["device_id"] for c in sent_at_sandbox(sandbox)] == [device.slot_id, other.slot_id]
    second.refresh_from_db()
    assert second.status == "queued" and second.next_attempt_at > timezone.now()
    # Due early (the reserved slot not reached): nothing is sent, the task is put off again.
    assert message_send(message_id=second.pk, paced=True) > 0
    assert len(sent_at_sandbox(sandbox)) == 2


def test_every_kind_reaches_the_sandbox_with_its_fields(device, sandbox):
    drafts = [
        Draft(kind="image", media_url="https://example.com/a.jpg", caption="A photo"),
        Draft(kind="document", media_url="https://example.com/r.pdf", filename="r.pdf"),
        Draft(kind="location", latitude=-6.2, longitude=106.8),
        Draft(kind="contact", contact_name="Citra", contact_phone="628333"),
    ]
    for draft in drafts:
        message, _ = message_queue(device=device, draft=draft, to=TO)
        assert drive(message).status == "sent", message.error_detail
    calls = {c["kind"]: c["fields"] for c in sent_at_sandbox(sandbox)}
    assert calls["image"]["image_url"] == "https://example.com/a.jpg"
    assert calls["image"]["caption"] == "A photo"
    assert calls["file"]["file_url"] == "https://example.com/r.pdf"
    assert (calls["location"]["latitude"], calls["location"]["longitude"]) == ("-6.2", "106.8")
    assert (calls["contact"]["contact_name"], calls["contact"]["contact_phone"]) == (
        "Citra", "628333",
    )  # fmt: skip
