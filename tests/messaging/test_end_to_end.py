"""From the phone to stored messages: the sandbox signs and delivers each event shape to the
running web server, a real worker drains them, and the rows say what the phone did. Then a
worker killed mid-drain: after a restart, every event is processed once."""

from __future__ import annotations

import signal

import pytest
from factories.accounts import UserFactory

from contacts.models import Contact
from devices.models import UpstreamEvent
from devices.services import lifecycle
from devices.services.devices import device_create
from devices.services.events import upstream_events_record_batch
from devices.tasks import upstream_events_drain_task
from messaging.models import Message
from tests.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)
WEBHOOK = "/api/v1/webhooks/whatsapp"
PHONE = "6281111111111"
ANA = "6282222222222"
GROUP = "120363402106000000@g.us"


@pytest.fixture
def linked(live_server, sandbox, settings):
    """A device logged in on the sandbox, its webhook pointing at the live server."""
    settings.WHATSAPP_WEBHOOK_URL = live_server.url + WEBHOOK
    device = device_create(name="E2E", created_by=UserFactory())
    lifecycle.device_login_qr(device=device)
    sandbox.scan(device.slot_id, phone=PHONE)
    return device


def _emit(sandbox, device, route: str, **body) -> dict:
    return sandbox.control("POST", "/devices/%s/%s" % (device.slot_id, route), json=body)


def _drained(processes, count: int) -> None:
    """As beat's sweep does: a drain task through the broker to the worker."""
    wait_for(lambda: UpstreamEvent.objects.count() >= count, 20, "the webhooks")
    upstream_events_drain_task.apply_async(queue=processes.queue)
    wait_for(lambda: not UpstreamEvent.objects.filter(status="received").exists(), 30, "the drain")


def test_every_event_shape_from_the_phone_ends_in_the_stored_message(linked, sandbox, processes):
    processes.worker()
    device = linked
    _emit(sandbox, device, "messages", **{"from": ANA, "text": "Hello", "id": "3EB0E2E00001"})
    _emit(sandbox, device, "messages", **{"from": ANA, "kind": "image", "caption": "A photo",
                                          "id": "3EB0E2E00002"})  # fmt: skip
    document = {"from": ANA, "kind": "document", "auto_download": False,
                "filename": "report.pdf", "id": "3EB0E2E00003"}  # fmt: skip
    _emit(sandbox, device, "messages", **document)
    in_group = {"from": "6283333333333", "chat_id": GROUP, "text": "In the group",
                "id": "3EB0E2E00004"}  # fmt: skip
    _emit(sandbox, device, "messages", **in_group)
    _emit(sandbox, device, "messages", **{"from": ANA, "kind": "location", "id": "3EB0E2E00005"})
    # A receipt that overtakes its message, then the message typed on the phone itself.
    _emit(sandbox, device, "receipts", message_ids=["3EB0E2E00006"], receipt_type="read",
          **{"from": ANA})  # fmt: skip
    _drained(processes, 6)
    _emit(sandbox, device, "messages", **{"from": ANA, "is_from_me": True, "text": "Sent here",
                                          "id": "3EB0E2E00006"})  # fmt: skip
    _emit(sandbox, device, "receipts", message_ids=["3EB0E2E00006"], receipt_type="delivered",
          **{"from": ANA})  # fmt: skip
    _emit(sandbox, device, "edits", message_id="3EB0E2E00001", text="Hello, edited")
    _emit(sandbox, device, "reactions", message_id="3EB0E2E00002", reaction="❤", **{"from": ANA})
    _emit(sandbox, device, "revokes", message_id="3EB0E2E00005", **{"from": ANA})
    _drained(processes, 11)

    assert not UpstreamEvent.objects.exclude(status="processed").exists(), list(
        UpstreamEvent.objects.exclude(status="processed").values_list("event", "error")
    )
    stored = {m.upstream_id: m for m in Message.objects.filter(device=device)}
    assert len(stored) == 6
    assert stored["3EB0E2E00001"].text == "Hello, edited"
    photo = stored["3EB0E2E00002"]
    assert (photo.kind, photo.text, photo.reactions) == (
        "image",
        "A photo",
        {ANA + "@s.whatsapp.net": "❤"},
    )
    assert photo.media["path"].startswith("statics/media/")
    document = stored["3EB0E2E00003"]
    assert (document.kind, document.media["filename"]) == ("document", "report.pdf")
    assert document.media["url"]
    group = stored["3EB0E2E00004"]
    assert (group.chat_jid, group.sender_jid) == (GROUP, "6283333333333@s.whatsapp.net")
    assert stored["3EB0E2E00005"].kind == "location"
    assert stored["3EB0E2E00005"].revoked_at is not None
    mine = stored["3EB0E2E00006"]
    assert (mine.direction, mine.origin, mine.status) == ("outbound", "phone", "read")
    assert set(Contact.objects.filter(device=device).values_list("phone", flat=True)) == {
        ANA, "6283333333333",
    }  # fmt: skip


def test_a_worker_killed_mid_drain_loses_and_repeats_nothing(linked, processes):
    device = linked
    total = 6000
    envelopes = [
        {"event": "message", "device_id": PHONE + "@s.whatsapp.net", "session_id": device.slot_id,
         "payload": {"id": "3EB0KILL%06d" % n, "from": "62855%07d@s.whatsapp.net" % (n % 300),
                     "body": "burst %d" % n, "timestamp": "2026-01-22T10:30:00Z"}}
        for n in range(total)
    ]  # fmt: skip
    for start in range(0, total, 1000):
        upstream_events_record_batch(source="webhook", envelopes=envelopes[start : start + 1000])
    worker = processes.worker()
    upstream_events_drain_task.apply_async(queue=processes.queue)
    wait_for(lambda: Message.objects.filter(device=device).exists(), 60, "the drain to start")
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    done = UpstreamEvent.objects.filter(status="processed").count()
    assert done < total, "the drain finished before the kill: make the burst larger"
    # Only whole batches landed: every processed event has its message, and no other does.
    assert Message.objects.filter(device=device).count() == done

    processes.worker()
    upstream_events_drain_task.apply_async(queue=processes.queue)
    wait_for(
        lambda: UpstreamEvent.objects.filter(status="processed").count() == total, 90,
        "the restarted worker to drain the rest",
    )  # fmt: skip
    assert Message.objects.filter(device=device).count() == total
    assert Message.objects.values("upstream_id").distinct().count() == total
    assert Contact.objects.filter(device=device).count() == 300
