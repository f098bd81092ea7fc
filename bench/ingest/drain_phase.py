"""Phase G, the drain: a backlog of recorded events processed into messages and contacts.

Empties the event, message, early-receipt and contact tables (C's and F's rows), records
`--backlog` events of `bench.ingest.backlog`'s mix with the listener's service (unprocessed:
nothing kicks a drain), ANALYZEs, then starts `--drainers` processes with Django
(`django_helpers.drainer`), each running `devices.services.processing.upstream_events_drain`
as the drain task does, sharing the backlog through `SKIP LOCKED`. Timed from the moment they
are told to start to the last event's `processed_at`. Afterwards it counts what the drain
left: every event settled, the messages against the message events, duplicates, contacts.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from bench.harness.cpu import CpuSampler
from bench.harness.database import ThrowawayDatabase
from bench.harness.run import BenchRun, say
from bench.ingest.backlog import expected

HELPERS = "bench.ingest.django_helpers"
EMPTIED = (
    "devices_upstreamevent",
    "messaging_earlyreceipt",
    "messaging_message",
    "contacts_contact",
)


def drain_phase(
    run: BenchRun, db: ThrowawayDatabase, device: dict, *, args: argparse.Namespace, tag: str
) -> dict[str, Any]:
    procs = run.procs
    conn = db.connect()
    try:
        conn.execute(f"TRUNCATE {', '.join(EMPTIED)} CASCADE")
        names = {"tag": tag, "jid": device["jid"], "session_id": device["session_id"]}
        seed = procs.call_helper(
            f"{HELPERS}:seed_backlog",
            {**names, "count": args.backlog, "chunk": 1000},
            django=True,
        )
        conn.execute("ANALYZE")
        say(
            f"G backlog of {seed['recorded']} events recorded in {seed['seconds']:.1f} s; "
            f"draining with {args.drainers} process(es)..."
        )
        drainers = []
        for _ in range(args.drainers):
            proc = procs.start_helper(f"{HELPERS}:drainer", django=True)
            proc.stdin.write(json.dumps({"batch_size": args.drain_batch}) + "\n")
            proc.stdin.flush()
            drainers.append(proc)
        for proc in drainers:
            if (line := proc.stdout.readline().strip()) != "READY":
                raise RuntimeError(f"drainer: expected READY, got {line!r}\n{proc.stderr.read()}")
        sampler = CpuSampler(
            app_pids=lambda: [p.pid for p in drainers],
            pg_pids=db.worker_pids(conn),
            postmaster=db.postmaster_pid(conn),
        )
        sampler.start()
        for proc in drainers:
            proc.stdin.write("GO\n")
            proc.stdin.flush()
        answers = []
        for proc in drainers:
            if not (line := proc.stdout.readline()).strip():
                proc.wait()
                raise RuntimeError(f"drainer failed ({proc.returncode}):\n{proc.stderr.read()}")
            answers.append(json.loads(line))
        cpu = sampler.stop()  # the drainers still exist: their CPU counts
        for proc in drainers:
            proc.communicate()
            procs.forget(proc)
        return {**_outcome(conn, answers, args.backlog), "seed": seed, "cpu": cpu}
    finally:
        conn.close()


def _outcome(conn: Any, answers: list[dict], backlog: int) -> dict[str, Any]:
    def one(sql: str) -> Any:
        return conn.execute(sql).fetchone()[0]

    started = min(a["started"] for a in answers)
    last = one("SELECT extract(epoch FROM max(processed_at)) FROM devices_upstreamevent")
    seconds = float(last or started) - started
    settled = sum(a["settled"] for a in answers)
    statuses = dict(
        conn.execute("SELECT status, count(*) FROM devices_upstreamevent GROUP BY 1").fetchall()
    )
    return {
        "count": settled,
        "seconds": seconds,
        "rate": settled / seconds if seconds > 0 else 0.0,
        "drainers": answers,
        "app_cpu": sum(a["cpu_seconds"] for a in answers),
        "statuses": statuses,
        "message_events": one(
            "SELECT count(DISTINCT payload->'payload'->>'id') FROM devices_upstreamevent "
            "WHERE event = 'message'"
        ),
        "messages": one("SELECT count(*) FROM messaging_message"),
        "distinct_messages": one(
            "SELECT count(*) FROM (SELECT DISTINCT device_id, upstream_id FROM messaging_message) m"
        ),
        "read": one("SELECT count(*) FROM messaging_message WHERE status = 'read'"),
        "delivered": one("SELECT count(*) FROM messaging_message WHERE status = 'delivered'"),
        "early_left": one("SELECT count(*) FROM messaging_earlyreceipt"),
        "contacts": one("SELECT count(*) FROM contacts_contact"),
        "group_messages": one(
            "SELECT count(*) FROM messaging_message WHERE chat_jid LIKE '%%@g.us'"
        ),
        "media_messages": one("SELECT count(*) FROM messaging_message WHERE media <> '{}'"),
        "expected": expected(backlog),
    }


def drain_checks(report: Any, g: dict) -> None:
    exp, st = g["expected"], g["statuses"]
    processed = st.get("processed", 0)
    report.check(
        "G every event processed once",
        processed == g["count"] == exp["messages"] + exp["receipts"] and len(st) == 1,
        f"{g['count']} settled by the drainers, statuses {st}",
    )
    report.check(
        "G no loss, no duplicates",
        g["messages"] == g["distinct_messages"] == g["message_events"] == exp["messages"],
        f"{g['message_events']} distinct message events, {g['messages']} messages "
        f"({g['distinct_messages']} distinct upstream ids)",
    )
    report.check(
        "G receipts applied",
        g["early_left"] == exp["orphan_receipts"] and g["read"] + g["delivered"] > 0,
        f"{g['read']} read, {g['delivered']} delivered, {g['early_left']} early receipts "
        f"left (expected {exp['orphan_receipts']}: their message is beyond the backlog)",
    )
    report.check(
        "G contacts",
        g["contacts"] == exp["people"],
        f"{g['contacts']} contacts created for {exp['people']} distinct people; "
        f"{g['group_messages']} group messages, {g['media_messages']} with media",
    )
