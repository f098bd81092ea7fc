"""Ingest: signed upstream events recorded per second over real HTTP, and processed per second.

Starts the web process as the image does (gunicorn with the Dockerfile's command, production
settings) against a throwaway PostgreSQL database, and measures in one run:

  A1/A2  the storage ceiling: raw psycopg 3 batched inserts (executemany, then COPY) of rows
         equivalent to `devices.UpstreamEvent` into a scratch table with the same indexes;
  B      the HTTP ceiling of the same server: `GET /healthz` (no database);
  C      the measured path: `POST /api/v1/webhooks/whatsapp` with distinct GOWA `message`
         envelopes signed with the device's webhook secret; afterwards the recorded
         `UpstreamEvent` rows must equal the accepted requests (no loss, no duplicates);
  D      a sample of C's bodies sent again: every one must answer `duplicate` and add no row;
  E      the other baseline: one Celery task per event (the bench's own task, recording with
         the listener's service one envelope at a time) over RabbitMQ to a real worker on a
         queue of the run's own; events recorded per second from the first publish to the
         last row, then a sample published again;
  F      the listener's own path: the same events, one task per batch of `--batch` (200, the
         listener's `--batch-size`) envelopes (`devices.tasks.upstream_events_ingest_task`),
         `--batched-events` of them; measured and checked as E;
  G      the drain: a backlog of `--backlog` recorded events (texts from a few hundred people,
         media, group messages, receipts) processed into messages and contacts by
         `devices.services.processing.upstream_events_drain` in `--drainers` processes with
         Django; events per second from the start to the last one processed, no loss, no
         duplicates, contacts created;
  SQL    the statements one request sends, and its in-process time.

Needs PostgreSQL at 127.0.0.1:5432 (user `postgres`, no password): creates and drops the
database `bench_ingest`; RabbitMQ at 127.0.0.1:5672 (guest) for E and F, whose queues it deletes.
Exit status: 0 when every check passed, 1 when one failed. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a file: bench/...

from bench.harness import pg_baselines
from bench.harness.cpu import CpuSampler
from bench.harness.database import ThrowawayDatabase
from bench.harness.environment import production_env
from bench.harness.load_generator import run_load
from bench.harness.report import add_json_option
from bench.harness.run import BenchRun, machine_line, run_main, say
from bench.harness.web_server import Gunicorn
from bench.ingest.celery_phases import celery_phase
from bench.ingest.drain_phase import drain_phase
from bench.ingest.events import EVENT_COLUMNS, scratch_row
from bench.ingest.report import ingest_report

DB_NAME = "bench_ingest"
PHASES = ("A", "B", "C", "D", "E", "F", "G", "SQL")
HELPERS = "bench.ingest.django_helpers"


def bench(run: BenchRun, args: argparse.Namespace) -> int:
    skip = args.skip
    tag = f"{random.randrange(16**4):04X}"  # distinct event ids per run
    print(
        f"webhook ingest bench: {machine_line()}; {args.connections} connections; "
        f"{args.warmup:g} s warm-up + {args.seconds:g} s per phase; Celery worker "
        f"{args.celery_pool} x {args.celery_concurrency}, {args.tasks} events in E, "
        f"{args.batched_events} in F ({args.batch} a task); a backlog of {args.backlog} "
        f"in G, {args.drainers} drainer(s)"
        + (f"; skipping {', '.join(sorted(skip))}" if skip else ""),
        flush=True,
    )
    db = run.database(DB_NAME)
    procs = run.start_processes(production_env(database=DB_NAME))
    db.migrate(procs)
    device = procs.call_helper(f"{HELPERS}:create_device", django=True)
    say("database migrated, device created")
    res: dict[str, dict] = {}
    if "A" not in skip:
        conn = db.connect()
        try:
            for key, method in (("A1", "executemany"), ("A2", "copy")):
                say(f"{key} PostgreSQL {method}...")
                res[key] = pg_baselines.batched_inserts(
                    conn,
                    like="devices_upstreamevent",
                    columns=EVENT_COLUMNS,
                    method=method,
                    row=lambda i, t=tag + key: scratch_row(i, device=device, tag=t),
                    seconds=args.seconds,
                    casts={"payload": "jsonb"},
                )
        finally:
            conn.close()
    hook = {"source": "bench.ingest.events:WebhookRequests", "tag": tag, **device}
    if {"B", "C", "D"} - skip:
        http_phases(run, args, db, hook, res)
    for key, batch, events in (("E", 0, args.tasks), ("F", args.batch, args.batched_events)):
        if key not in skip:
            per = "event" if not batch else f"{batch} events"
            say(
                f"{key} {events} events, one Celery task per {per} "
                f"({args.celery_pool} x {args.celery_concurrency})..."
            )
            res[key] = celery_phase(
                run, db, device, args=args, tag=tag + key, batch=batch, events=events
            )
    if "G" not in skip:
        res["G"] = drain_phase(run, db, device, args=args, tag=tag + "G")
    if "SQL" not in skip:
        say("SQL trace of single requests (in-process WSGI)...")
        spec = {**hook, "start_index": 10_000_000, "rounds": 300}
        res["SQL"] = procs.call_helper(f"{HELPERS}:trace_sql", spec, django=True)
    report = ingest_report(args, res, os.cpu_count() or 1)
    report.print()
    if args.json:
        report.write_json(args.json, args=args, results=res)
        print(f"report written to {args.json}")
    return report.exit_status()


def http_phases(
    run: BenchRun, args: argparse.Namespace, db: ThrowawayDatabase, hook: dict, res: dict
) -> None:
    """B, C and D through one gunicorn, started as the image starts it."""
    threads = args.threads if args.worker_class == "gthread" else None
    server = Gunicorn(
        run.procs,
        workers=args.workers,
        worker_class=args.worker_class,
        threads=threads,
        port=args.port,
    )
    run.on_close("gunicorn stopped", server.stop)
    say(f"starting {server.describe()}")
    server.start()
    conn = db.connect()
    try:
        base = {
            "port": server.port,
            "connections": args.connections,
            "warmup": args.warmup,
            "seconds": args.seconds,
        }

        def phase(key: str, spec: dict) -> None:
            sampler = CpuSampler(app_pids=server.worker_pids, pg_pids=db.worker_pids(conn))
            res[key] = run_load(run.procs, {**base, **spec}, sampler)
            res[key]["rows"] = db.count(conn, "devices_upstreamevent")

        if "B" not in args.skip:
            say("B GET /healthz...")
            phase("B", {"path": "/healthz"})
        if "C" not in args.skip:
            say("C POST webhooks...")
            phase("C", {**hook, "start_index": 0})
        if "D" not in args.skip:
            failed = set(res["C"]["failed"])
            pool = [i for i in range(res["C"]["sent"]) if i not in failed]
            sample = random.sample(pool, min(args.dup_sample, len(pool)))
            say(f"D re-sending {len(sample)} bodies...")
            phase("D", {**hook, "replay": sample, "warmup": 0, "seconds": None})
            res["D"]["resent"] = len(sample)
    finally:
        conn.close()
    server.stop()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Prints one table (rates, latencies, CPU per operation, ratios to the baselines), "
        "the no-loss/duplicate checks and the SQL each request sends. Takes about "
        "4 x (--seconds + --warmup) + 30 s, plus E, F and G (some 40, 20 and 25 s at the "
        "defaults).",
    )
    add = parser.add_argument
    add("--seconds", type=float, default=15.0, help="measured seconds per phase (default 15)")
    add(
        "--warmup",
        type=float,
        default=3.0,
        help="unmeasured warm-up seconds before each HTTP phase (default 3)",
    )
    add(
        "--connections",
        type=int,
        default=32,
        help="concurrent client connections, B-D (default 32)",
    )
    add(
        "--workers",
        type=int,
        default=3,
        help="gunicorn worker processes (default 3, as the Dockerfile)",
    )
    add(
        "--worker-class",
        choices=["sync", "gthread"],
        default="sync",
        help="gunicorn worker class (default sync, as the Dockerfile)",
    )
    add(
        "--threads",
        type=int,
        default=4,
        help="threads per worker with --worker-class gthread (default 4)",
    )
    add("--port", type=int, default=0, help="port for gunicorn on 127.0.0.1 (default: a free one)")
    add(
        "--dup-sample",
        type=int,
        default=2000,
        help="events re-sent in D (of C's) and re-published in E and F (default 2000)",
    )
    add(
        "--tasks",
        type=int,
        default=10_000,
        help="events published in phase E, one Celery task each (default 10000)",
    )
    add(
        "--batch",
        type=int,
        default=200,
        help="events per task in phase F (default 200, the listener's --batch-size)",
    )
    add(
        "--batched-events",
        type=int,
        default=50_000,
        help="events published in phase F (default 50000: at F's rate, E's 10000 would be "
        "recorded in about a second, too short a window to measure)",
    )
    add(
        "--celery-pool",
        choices=["prefork", "threads", "solo"],
        default="prefork",
        help="Celery worker pool in E and F (default prefork, as the image runs it)",
    )
    add(
        "--celery-concurrency",
        type=int,
        default=2,
        help="Celery pool size in E and F (default 2: Celery's default, one per CPU)",
    )
    for flag, default, text in (
        ("--backlog", 50_000, "recorded events the drain processes in phase G (default 50000)"),
        ("--drainers", 1, "processes draining the backlog at once in G (default 1)"),
        ("--drain-batch", 0, "events a drain batch claims in G (default: DRAIN_BATCH_SIZE)"),
    ):
        add(flag, type=int, default=default, help=text)
    add(
        "--skip",
        type=_phases,
        default=set(),
        metavar="PHASES",
        help=f"phases not to run, comma-separated, of {','.join(PHASES)} "
        "(skipping C skips D, which re-sends C's bodies); e.g. --skip A,B,SQL",
    )
    add_json_option(parser)
    args = parser.parse_args()
    if min(args.tasks, args.batch, args.batched_events, args.celery_concurrency) < 1:
        parser.error("--tasks, --batch, --batched-events and --celery-concurrency must be >= 1")
    if min(args.backlog, args.drainers) < 1:
        parser.error("--backlog and --drainers must be >= 1")
    return args


def _phases(value: str) -> set[str]:
    chosen = {p.strip().upper() for p in value.split(",") if p.strip()}
    if unknown := chosen - set(PHASES):
        raise argparse.ArgumentTypeError(f"unknown phase(s) {', '.join(sorted(unknown))}")
    return chosen | ({"D"} if "C" in chosen else set())


if __name__ == "__main__":
    arguments = parse_args()
    sys.exit(run_main("ingest", lambda run: bench(run, arguments)))
