"""The ingest bench's report: its phases as table rows, the Celery phases' notes, C against
each baseline, the no-loss and no-duplicate checks, and the SQL one request sends."""

from __future__ import annotations

import argparse

from bench.harness.report import Report, Row
from bench.ingest.drain_phase import drain_checks

LEGEND = (
    "count, seconds, rate: the measured window only (A: rows, time inside the database calls;\n"
    "  p50/p99 of A: per 1000-row batch; B-D: requests completed in the window, closed loop, "
    "{connections} in flight;\n  E/F: events published at once, from the first publish to the "
    "last event recorded;\n  ms per op in E/F: per event).\n"
    "CPU busy: the whole machine ({ncpu} CPUs = 100%); others: busy time not charged to the "
    "processes below\n  nor, in E/F, to RabbitMQ (other work on the machine, interrupt "
    "handling): when it is high,\n  the rates are low.\n"
    "CPU ms per op: app = gunicorn workers (B-D) or the Celery worker, pool included (E/F); "
    "pg = the bench\n  database's PostgreSQL processes (backends, WAL writer, bgwriter, "
    "checkpointer); client = A: psycopg\n  inside the calls, B-D: the load generator, "
    "E/F: the publisher while publishing."
)


def ingest_report(args: argparse.Namespace, res: dict[str, dict], ncpu: int) -> Report:
    a1, a2, b, c, d, e, f = (res.get(key) for key in ("A1", "A2", "B", "C", "D", "E", "F"))
    report = Report("webhook_ingest", legend=LEGEND.format(connections=args.connections, ncpu=ncpu))
    for key, name in (
        ("A1", "A1 PG executemany, 1000 rows/tx"),
        ("A2", "A2 PG COPY, 1000 rows/tx"),
    ):
        if r := res.get(key):
            report.add(
                Row(
                    name,
                    r["count"],
                    r["seconds"],
                    r["rate"],
                    r["p50_ms"],
                    r["p99_ms"],
                    r["cpu"],
                    client=r["client_cpu"],
                    client_total=r["cpu"]["self"],
                )
            )
    for r, name in (
        (b, "B  GET /healthz (no DB)"),
        (c, "C  POST webhook, new events"),
        (d, "D  POST webhook, duplicates"),
    ):
        if r:
            report.add(
                Row(
                    name,
                    r["window_requests"],
                    r["window_seconds"],
                    r["rate"],
                    r["p50_ms"],
                    r["p99_ms"],
                    r["cpu"],
                    app=r["cpu"]["app"],
                    client=r["cpu_seconds"],
                )
            )
    celery = [
        (key, r, name)
        for key, r, name in (
            ("E", e, "E  Celery task per event"),
            ("F", f, f"F  Celery task per {args.batch} events"),
        )
        if r
    ]
    for key, r, name in celery:
        pub = r["publish"]
        report.add(
            Row(
                name,
                r["rows"],
                r["seconds"],
                r["rate"],
                None,
                None,
                r["cpu"],
                app=r["cpu"]["app"],
                client=pub["cpu_seconds"],
            )
        )
        report.note(
            f"{key} publish: {pub['tasks']} apply_async calls for {pub['count']} events in "
            f"{pub['seconds']:.2f} s = {pub['count'] / pub['seconds']:.0f} events/s from one "
            f"process; the last event was\n  recorded {r['seconds'] - pub['seconds']:.2f} s "
            f"after the last publish. RabbitMQ (beam.smp, in no column above): "
            f"{r['cpu']['broker'] * 1000 / max(r['rows'], 1):.3f} CPU ms per event.\n"
            f"  {r['sessions']} PostgreSQL sessions opened for {pub['tasks']} tasks (Celery's "
            "Django fix-up closes the\n  database connection around each task unless "
            "CELERY_DB_REUSE_MAX is set)."
        )

    if g := res.get("G"):
        report.add(
            Row(
                f"G  drain {args.drainers} proc, backlog",
                g["count"],
                g["seconds"],
                g["rate"],
                None,
                None,
                g["cpu"],
                app=g["cpu"]["app"],
            )
        )
        report.note(
            f"G: {g['seed']['recorded']} events recorded beforehand in "
            f"{g['seed']['seconds']:.1f} s (not timed); rate = events settled from the start "
            f"to the last processed_at;\n  {g['contacts']} contacts created; target >= 5,000 "
            "events/s."
        )
    lines, baselines = [], []
    if a1 and a2:
        baselines += [("A1 executemany", a1["rate"]), ("A2 COPY", a2["rate"])]
    if b:
        baselines.append(("B /healthz", b["rate"]))
    if e:
        baselines.append(("E Celery task", e["rate"]))
        lines.append(f"one Celery task per event (E) = {e['rate']:.0f} events/s")
    if f:
        baselines.append((f"F tasks of {args.batch}", f["rate"]))
        lines.append(
            f"one Celery task per {args.batch} events (F, the listener's path) = "
            f"{f['rate']:.0f} events/s"
        )
    if c:
        lines.append(f"measured path C = {c['rate']:.0f} events/s")
        lines += [
            f"  C / {name:<15} = {c['rate'] / base:6.3f}   ({name} is {base / c['rate']:.1f}x C)"
            for name, base in baselines
            if base and c["rate"]
        ]
    if lines:
        report.section(lines)
    add_checks(report, args, res, celery)
    if b and c and b["rate"]:
        report.check(
            "C target: >= 60% of /healthz",
            c["rate"] >= 0.6 * b["rate"],
            f"{c['rate']:.0f} / {b['rate']:.0f} = {c['rate'] / b['rate']:.0%}",
        )
    if g:
        drain_checks(report, g)
        report.check("G target: >= 5,000 events/s", g["rate"] >= 5000, f"{g['rate']:.0f}/s")
    opened = [f"{key} {r['connections']}" for key, r in (("B", b), ("C", c), ("D", d)) if r]
    sync = " (sync workers close after every response)" if args.worker_class == "sync" else ""
    report.checks_here([f"     connections opened: {', '.join(opened)}{sync}"] if opened else [])
    if sql := res.get("SQL"):
        report.section(sql_lines(sql))
    return report


def add_checks(report: Report, args: argparse.Namespace, res: dict, celery: list) -> None:
    a1, a2, c, d = res.get("A1"), res.get("A2"), res.get("C"), res.get("D")
    if c:
        accepted = c["answers"].get("recorded", 0)
        others = {k: v for k, v in c["status"].items() if k != "200"} or "none"
        report.check(
            "C no loss, no duplicates",
            c["rows"] == accepted and c["unknown"] == 0 and accepted == c["sent"],
            f"{c['sent']} sent, {accepted} answered recorded, {c['rows']} UpstreamEvent rows, "
            f"other statuses {others}, {c['unknown']} unanswered",
        )
    if d:
        duplicates = d["answers"].get("duplicate", 0)
        report.check(
            "D duplicates answered duplicate",
            duplicates == d["resent"] and d["rows"] == c["rows"],
            f"{d['resent']} re-sent, {duplicates} answered duplicate, "
            f"rows {c['rows']} -> {d['rows']}",
        )
    if a1 and a2:
        report.check(
            "A rows stored",
            a1["stored"] == a1["inserted"] and a2["stored"] == a2["inserted"],
            f"executemany {a1['stored']}/{a1['inserted']}, COPY {a2['stored']}/{a2['inserted']}",
        )
    for key, r, _ in celery:
        reran = r["ran"] - r["ran_before_resend"]
        report.check(
            f"{key} no loss, no duplicates",
            r["publish"]["count"] == r["count"] == r["rows"] and r["task_errors"] == 0,
            f"{r['publish']['count']} published, {r['rows']} UpstreamEvent rows "
            f"(+{r['warmup']} warm-up), {r['ran_before_resend']} task runs for "
            f"{r['messages']} messages, {r['task_errors']} task errors",
        )
        report.check(
            f"{key} re-published events add no row",
            reran == r["resent_tasks"]
            and r["rows_after_resend"] == r["rows"]
            and r["left_in_queue"] == 0,
            f"{r['resent']} re-published in {r['resent_tasks']} tasks, {reran} ran, rows "
            f"{r['rows']} -> {r['rows_after_resend']}, {r['left_in_queue']} messages left "
            f"in the queue after the worker's warm shutdown (exit status {r['worker_rc']})",
        )


def sql_lines(sql: dict) -> list[str]:
    lines = ["SQL sent per request (libpq trace, Django's WSGI handler in-process):"]
    for kind in ("recorded", "duplicate", "healthz"):
        lines.append(f"  {kind:<9} {len(sql[kind])} round trips")
        lines += [f"            {' '.join(s.split())[:110]}" for s in sql[kind]]
    lines.append(
        f"in-process, no HTTP, one thread: webhook {sql['inproc_webhook_ms']:.2f} ms/req, "
        f"duplicate {sql['inproc_duplicate_ms']:.2f} ms/req, "
        f"/healthz {sql['inproc_healthz_ms']:.2f} ms/req"
    )
    return lines
