"""What the ingest bench runs with Django set up, each in a helper process of its own
(`procs.call_helper("bench.ingest.django_helpers:...", spec, django=True)`): the bench's own
process never imports Django."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from bench.harness.sql_trace import WsgiClient, mean_ms, statements_sent
from bench.ingest.events import DEVICE_JID, DEVICE_SLOT, WEBHOOK_PATH, envelopes, webhook_body


def create_device(spec: dict) -> dict:
    """The bench's device; its id, slot, JID and webhook secret."""
    from devices.models import Device

    device = Device.objects.create(
        name="bench ingest",
        upstream_id=DEVICE_SLOT,
        jid=DEVICE_JID,
        state=Device.State.CONNECTED,
    )
    return {
        "id": str(device.id),
        "session_id": device.slot_id,
        "jid": device.jid,
        "secret": device.webhook_secret,
    }


def publish(setup: dict) -> None:
    """Publish ingest tasks to the worker's queue, as `listen_whatsapp` hands events on: with
    `batch` 0 one `upstream_event_ingest_one_task` per event (phase E), else the listener's
    `devices.tasks.upstream_events_ingest_task` with `batch` envelopes a task (F).

    `setup` (the first line) names the queue, tag, device and batch; then each stdin line asks
    for events (`start` and `count`, or `indices`) and one JSON line answers when they are
    published, so the producer connection stays warm between requests.
    """
    from bench.ingest.baseline_tasks import upstream_event_ingest_one_task
    from devices.tasks import upstream_events_ingest_task

    names = {"tag": setup["tag"], "jid": setup["jid"], "session_id": setup["session_id"]}
    size, queue = setup["batch"], setup["queue"]
    while line := sys.stdin.readline():
        ask = json.loads(line)
        if "indices" in ask:
            indices = ask["indices"]
        else:
            indices = range(ask["start"], ask["start"] + ask["count"])
        events = envelopes(indices, **names)  # built beforehand: only publishing is timed
        first_publish = time.time()  # wall clock: compared with the rows' received_at
        started, started_cpu = time.perf_counter(), time.process_time()
        tasks = 0
        if size:
            for i in range(0, len(events), size):
                upstream_events_ingest_task.apply_async(
                    kwargs={"source": "websocket", "envelopes": events[i : i + size]},
                    queue=queue,
                )
                tasks += 1
        else:
            for envelope in events:
                upstream_event_ingest_one_task.apply_async(
                    kwargs={"source": "websocket", "envelope": envelope}, queue=queue
                )
                tasks += 1
        answer = {
            "count": len(events),
            "tasks": tasks,
            "first_publish": first_publish,
            "seconds": time.perf_counter() - started,
            "cpu_seconds": time.process_time() - started_cpu,
        }
        print(json.dumps(answer), flush=True)
    sys.stdin.read()


def trace_sql(spec: dict) -> dict[str, Any]:
    """The SQL one request sends (a new event, a duplicate, `/healthz`) through Django's WSGI
    handler, and the in-process time per request (no HTTP, one thread)."""
    from devices.whatsapp.signing import sign

    client = WsgiClient()
    names = {"tag": spec["tag"], "jid": spec["jid"], "session_id": spec["session_id"]}

    def webhook(index: int) -> bytes:
        body = webhook_body(index, **names)
        signature = {"HTTP_X_HUB_SIGNATURE_256": sign(spec["secret"], body)}
        return client.request("POST", WEBHOOK_PATH, body, signature)

    def healthz(_: int = 0) -> bytes:
        return client.request("GET", "/healthz")

    first, rounds = spec["start_index"], spec["rounds"]
    webhook(first)  # warm: connection, caches, first-request imports
    return {
        "recorded": statements_sent(lambda: webhook(first + 1)),
        "duplicate": statements_sent(lambda: webhook(first + 1)),
        "healthz": statements_sent(healthz),
        "inproc_webhook_ms": mean_ms(lambda i: webhook(first + 2 + i), rounds),
        "inproc_duplicate_ms": mean_ms(lambda i: webhook(first + 2), rounds),
        "inproc_healthz_ms": mean_ms(healthz, rounds),
    }


def seed_backlog(spec: dict) -> dict:
    """Phase G's backlog (`bench.ingest.backlog`): `count` events recorded with the
    listener's service, `chunk` a call, and left unprocessed (nothing kicks a drain)."""
    from bench.ingest.backlog import backlog_envelopes
    from devices.services.events import upstream_events_record_many

    names = {"tag": spec["tag"], "jid": spec["jid"], "session_id": spec["session_id"]}
    started, recorded = time.perf_counter(), 0
    for start in range(0, spec["count"], spec["chunk"]):
        indices = range(start, min(start + spec["chunk"], spec["count"]))
        recorded += upstream_events_record_many(
            source="webhook", envelopes=backlog_envelopes(indices, **names)
        )
    return {"recorded": recorded, "seconds": time.perf_counter() - started}


def drainer(spec: dict) -> None:
    """One drain process of phase G: warms up (database connection, processors' imports),
    says READY, waits for a line on stdin, runs `upstream_events_drain()` (batches of
    `batch_size`, or the product's default) until nothing is left unclaimed, answers its
    count, wall-clock start and end, and CPU seconds as one JSON line, and stays until stdin
    closes (so that the bench samples its CPU while it still exists)."""
    from django.db import connection

    from devices.services.processing import upstream_events_drain

    kwargs = {"batch_size": spec["batch_size"]} if spec.get("batch_size") else {}
    connection.ensure_connection()
    upstream_events_drain(ids=[0], **kwargs)  # no such event: the claim query, warmed
    print("READY", flush=True)
    sys.stdin.readline()
    started, cpu = time.time(), time.process_time()
    settled = upstream_events_drain(**kwargs)
    answer = {
        "settled": settled,
        "started": started,
        "finished": time.time(),
        "cpu_seconds": time.process_time() - cpu,
    }
    print(json.dumps(answer), flush=True)
    sys.stdin.read()
