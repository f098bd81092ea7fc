"""The drain: recorded events reach their processor once, in batches; failures stay per event.

A processor of a test-only event type stands in for the apps that register theirs; its parser
is registered beside the real ones (`EVENT_PARSERS` is the registry of event families).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass

import pytest
from django.db import connection
from factories.devices import DeviceFactory

from devices import processing
from devices.models import UpstreamEvent
from devices.services.events import upstream_event_record, upstream_events_record_batch
from devices.services.processing import (
    DRAIN_KICK_KEY,
    upstream_events_drain,
    upstream_events_drain_kick,
    upstream_events_reprocess,
)
from devices.tasks import upstream_events_ingest_task
from devices.whatsapp import events as event_families
from devices.whatsapp.events import EventPayloadError

pytestmark = pytest.mark.django_db
Status = UpstreamEvent.Status


@dataclass(frozen=True)
class Probe:
    number: int


def _parse_probe(payload, fallback):
    number = payload.get("n")
    if not isinstance(number, int):
        raise EventPayloadError("n is not a number")
    return Probe(number)


class Recorder:
    """A processor that notes every item it is given; `refuse` and `explode` pick numbers it
    reports as failed or raises on."""

    def __init__(self) -> None:
        self.calls: list[list[processing.ProcessingItem]] = []
        self.refuse: set[int] = set()
        self.explode: set[int] = set()
        self.threads: set[int] = set()
        self.delay = 0.0
        self.lock = threading.Lock()

    def __call__(self, items):
        with self.lock:
            self.calls.append(list(items))
            self.threads.add(threading.get_ident())
        time.sleep(self.delay)  # long enough for another drain to claim what is next
        if any(item.value.number in self.explode for item in items):
            raise RuntimeError("boom")
        return {i.event_id: "refused" for i in items if i.value.number in self.refuse}

    def seen(self) -> Counter:
        return Counter(item.event_id for call in self.calls for item in call)


@pytest.fixture
def recorder(monkeypatch):
    recorder = Recorder()
    monkeypatch.setitem(event_families.EVENT_PARSERS, "test.probe", _parse_probe)
    monkeypatch.setitem(processing._processors, "test.probe", recorder)
    return recorder


@pytest.fixture
def device():
    return DeviceFactory(upstream_id="slot-drain", jid="6281111111111@s.whatsapp.net")


def _probe(n, *, event="test.probe", slot="slot-drain", account="6281111111111@s.whatsapp.net"):
    return {"event": event, "device_id": account, "session_id": slot,
            "payload": {"id": f"probe-{n}", "n": n}}


def _record(*envelopes):
    return [upstream_event_record(source="webhook", envelope=e)[0] for e in envelopes]


def test_events_reach_their_processor_once_typed_and_in_order(recorder, device):
    recorded = _record(*(_probe(n) for n in range(5)))
    assert upstream_events_drain() == 5
    assert len(recorder.calls) == 1
    assert [item.value for item in recorder.calls[0]] == [Probe(n) for n in range(5)]
    assert {item.device_id for item in recorder.calls[0]} == {device.pk}
    assert upstream_events_drain() == 0
    assert len(recorder.calls) == 1
    for event in recorded:
        event.refresh_from_db()
        assert (event.status, event.error) == (Status.PROCESSED, "")
        assert event.processed_at is not None


def test_a_refused_or_unreadable_event_fails_alone(recorder, device):
    recorder.refuse = {1}
    good, refused, _ = _record(_probe(0), _probe(1), _probe(2))
    unreadable = _record({**_probe(3), "payload": {"id": "probe-x", "n": "three"}})[0]
    upstream_events_drain()
    statuses = dict(UpstreamEvent.objects.values_list("pk", "status"))
    assert statuses[good.pk] == Status.PROCESSED
    assert statuses[refused.pk] == Status.FAILED
    assert UpstreamEvent.objects.get(pk=refused.pk).error == "refused"
    assert UpstreamEvent.objects.get(pk=unreadable.pk).error == "n is not a number"
    assert sum(statuses[e.pk] == Status.PROCESSED for e in UpstreamEvent.objects.all()) == 2


def test_a_processor_that_raises_is_retried_event_by_event(recorder, device):
    recorder.explode = {2}
    _record(*(_probe(n) for n in range(4)))
    upstream_events_drain()
    failed = UpstreamEvent.objects.get(status=Status.FAILED)
    assert failed.payload["payload"]["n"] == 2
    assert failed.error == "RuntimeError: boom"
    assert UpstreamEvent.objects.filter(status=Status.PROCESSED).count() == 3


def test_unknown_devices_and_types_are_ignored_and_kept(recorder, device):
    stranger, odd = _record(
        _probe(0, slot="", account="6289999999999@s.whatsapp.net"),
        _probe(1, event="label.edit"),
    )
    upstream_events_drain()
    stranger.refresh_from_db()
    odd.refresh_from_db()
    assert (stranger.status, stranger.device_id) == (Status.IGNORED, None)
    assert (odd.status, odd.error) == (Status.IGNORED, "no processor for label.edit events")
    assert recorder.calls == []


def test_two_drains_at_once_process_each_event_once(recorder, device, transactional_db):
    """On PostgreSQL both drains run at once and share the rows through SKIP LOCKED; SQLite
    has one writer at a time, so there they run one after the other, as its lock makes them."""
    upstream_events_record_batch(source="websocket", envelopes=[_probe(n) for n in range(600)])
    recorder.delay = 0.02
    barrier = threading.Barrier(2)

    def drain():
        try:
            barrier.wait(timeout=10)
            upstream_events_drain(batch_size=50)
        finally:
            connection.close()

    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=drain) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(recorder.threads) == 2  # both drains took batches
    else:
        barrier = threading.Barrier(1)
        drain()
        drain()
    seen = recorder.seen()
    assert len(seen) == 600
    assert set(seen.values()) == {1}
    assert UpstreamEvent.objects.filter(status=Status.PROCESSED).count() == 600


def test_the_listeners_batch_task_processes_its_new_rows_in_the_same_process(recorder, device):
    upstream_events_ingest_task.run(source="websocket", envelopes=[_probe(n) for n in range(3)])
    assert UpstreamEvent.objects.filter(status=Status.PROCESSED).count() == 3
    upstream_events_ingest_task.run(source="websocket", envelopes=[_probe(n) for n in range(3)])
    assert sum(recorder.seen().values()) == 3


def test_a_replay_hands_events_back_and_changes_nothing_more(recorder, device):
    events = _record(_probe(0), _probe(1))
    upstream_events_drain()
    assert upstream_events_reprocess(events=events) == 2
    assert sum(recorder.seen().values()) == 4
    assert UpstreamEvent.objects.filter(status=Status.PROCESSED).count() == 2


def test_the_kick_is_coalesced(django_capture_on_commit_callbacks):
    from django.core.cache import cache

    with django_capture_on_commit_callbacks() as callbacks:
        for _ in range(20):
            upstream_events_drain_kick()
    assert len(callbacks) == 1
    assert cache.get(DRAIN_KICK_KEY) == 1


def test_beat_sweeps_the_drain(settings):
    assert (
        settings.PERIODIC_TASKS["devices: drain recorded events"]["task"]
        == "devices.tasks.upstream_events_drain_task"
    )


def test_replay_events_reprocesses_by_time_device_and_type(recorder, device):
    from io import StringIO

    from django.core.management import call_command

    _record(*(_probe(n) for n in range(3)))
    upstream_events_drain()
    out, err = StringIO(), StringIO()
    call_command("replay_events", "--since", "2000-01-01T00:00:00+00:00",
                 "--device", str(device.pk), "--event", "test.probe", stdout=out, stderr=err)
    assert "Replayed 3 event(s)." in out.getvalue()
    assert "3 / 3" in err.getvalue()
    assert sum(recorder.seen().values()) == 6
    call_command("replay_events", "--since", "2999-01-01T00:00:00+00:00", stdout=out, stderr=err)
    assert sum(recorder.seen().values()) == 6


@pytest.mark.parametrize("args", [["--since", "yesterday"], ["--since", "2026-01-01T00:00:00"],
                                  ["--since", "2026-01-01T00:00:00Z", "--device", "nope"]])
def test_replay_events_explains_bad_arguments(args):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError):
        call_command("replay_events", *args)


def test_the_admin_reprocesses_selected_events(recorder, device, admin_client):
    events = _record(_probe(0), _probe(1))
    upstream_events_drain()
    response = admin_client.post(
        "/admin/devices/upstreamevent/",
        {"action": "reprocess", "_selected_action": [e.pk for e in events]},
        follow=True,
    )
    assert response.status_code == 200
    assert "2 event(s) processed again." in response.content.decode()
    assert sum(recorder.seen().values()) == 4
