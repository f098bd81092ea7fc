"""Message list: `GET /api/v1/messages` latency over HTTP with 1M stored messages.

Seeds a throwaway PostgreSQL database (`bench_messages`) with `--messages` messages (default
1,000,000) over 3 devices, `--contacts` contacts (2,000) and `--days` days (90), some in
groups, some with media, some ignored (bench/messages/seed.py, all in SQL), VACUUM ANALYZE;
then starts gunicorn as the Dockerfile runs it and, for each case (no filter, `device_id`,
`contact_id`, `chat_jid`, `direction`+`status`, a time range, the next page through the
`next` cursor, `search=`), measures:

  SQL   the baseline: the very list query Django sends for that request (captured with
        libpq's trace from one in-process request), run again and again on one psycopg
        connection (`pg_baselines.query_latency`);
  HTTP  the request through gunicorn with a device API key (`X-API-Key`), closed loop,
        `--connections` in flight: p50/p99 against the targets (p50 <= 15 ms, p99 <= 50 ms).

Also prints every statement one request sends, EXPLAIN ANALYZE of each list query (and of a
user's list across all three devices), and the in-process time per request. Exit status 1
when a target or a check fails. See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a file: bench/...

from bench.harness import pg_baselines
from bench.harness.cpu import CpuSampler
from bench.harness.environment import production_env
from bench.harness.load_generator import run_load
from bench.harness.report import Report, Row, add_json_option
from bench.harness.run import BenchRun, machine_line, run_main, say
from bench.harness.web_server import Gunicorn
from bench.messages.seed import SEARCH_TERM, seed

DB_NAME = "bench_messages"
HELPERS = "bench.messages.django_helpers"
P50_MS, P99_MS = 15.0, 50.0
ORDER = (
    "no filter", "device_id", "contact_id", "chat_jid", "direction+status", "time range",
    "next_page", "search",
)  # fmt: skip


def bench(run: BenchRun, args: argparse.Namespace) -> int:
    print(
        f"message list bench: {machine_line()}; {args.messages} messages, {args.contacts} "
        f"contacts, 3 devices, {args.days} days; {args.connections} connections, "
        f"{args.warmup:g} s warm-up + {args.seconds:g} s per case",
        flush=True,
    )
    db = run.database(DB_NAME)
    procs = run.start_processes(production_env(database=DB_NAME))
    db.migrate(procs)
    ids = procs.call_helper(f"{HELPERS}:setup", {"devices": 3, "keys": args.keys}, django=True)
    conn = db.connect()
    try:
        say(f"seeding {args.messages} messages...")
        seeded = seed(
            conn,
            devices=ids["devices"],
            contacts=args.contacts,
            count=args.messages,
            days=args.days,
            say=say,
        )
        say(f"seeded {seeded['messages']} messages in {seeded['seconds']:.0f} s (with VACUUM)")
        traced = procs.call_helper(
            f"{HELPERS}:trace",
            {"keys": ids["keys"], "cases": cases(conn, ids["devices"][0]), "first": "no filter",
             "rounds": 20},
            django=True,
        )  # fmt: skip
        plans = {name: explain(conn, traced[name]["list_sql"]) for name in ORDER if name in traced}
        plans.update(
            procs.call_helper(
                f"{HELPERS}:user_plans", {"user": ids["user"], "term": SEARCH_TERM}, django=True
            )
        )
        server = Gunicorn(procs, workers=args.workers, port=args.port)
        run.on_close("gunicorn stopped", server.stop)
        say(f"starting {server.describe()}")
        server.start()
        res = {}
        for name in (n for n in ORDER if n in traced):
            say(f"{name}: SQL, then HTTP...")
            sql = pg_baselines.query_latency(
                conn, traced[name]["list_sql"], None, seconds=args.baseline_seconds
            )
            sampler = CpuSampler(app_pids=server.worker_pids, pg_pids=db.worker_pids(conn))
            spec = {
                "port": server.port,
                "connections": args.connections,
                "warmup": args.warmup,
                "seconds": args.seconds,
                "source": "bench.messages.requests:MessageListRequests",
                "query": traced[name]["query"],
                "keys": ids["keys"],
            }
            res[name] = {"sql": sql, "http": run_load(procs, spec, sampler)}
        server.stop()
    finally:
        conn.close()
    report = build_report(args, seeded, traced, plans, res)
    report.print()
    if args.json:
        report.write_json(args.json, args=args, results={"traced": traced, "plans": plans, **res})
        print(f"report written to {args.json}")
    return report.exit_status()


def cases(conn, device: str) -> dict[str, str]:
    """The query string of each case: a contact of the first device (number 3: its messages
    are all 1:1, so its chat is its own), its chat, a day a month ago."""
    contact, jid = conn.execute(
        "SELECT id, jid FROM contacts_contact WHERE device_id = %s AND phone = '628120000003'",
        [device],
    ).fetchone()
    newest = conn.execute("SELECT max(timestamp) FROM messaging_message").fetchone()[0]
    since = (newest - dt.timedelta(days=30)).astimezone(dt.UTC)
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    return {
        "no filter": "",
        "device_id": f"device_id={device}",
        "contact_id": f"contact_id={contact}",
        "chat_jid": f"chat_jid={quote(jid)}",
        "direction+status": "direction=outbound&status=read",
        "time range": f"since={since:{stamp}}&until={since + dt.timedelta(days=1):{stamp}}",
        "search": f"search={SEARCH_TERM}",
    }


def explain(conn, sql: str) -> list[str]:
    return [row[0] for row in conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql).fetchall()]


def build_report(args, seeded: dict, traced: dict, plans: dict, res: dict) -> Report:
    legend = (
        f"SQL: the list query alone on one psycopg connection (p50/p99 per query); HTTP: "
        f"gunicorn, closed loop,\n  {args.connections} in flight, a device API key; CPU ms "
        "per op: app = gunicorn workers, pg = the bench database's\n  PostgreSQL processes, "
        "client = the load generator (HTTP) or psycopg (SQL)."
    )
    report = Report("list_messages", legend=legend)
    for name, r in res.items():
        sql, http = r["sql"], r["http"]
        report.add(
            Row(f"SQL  {name}", sql["count"], sql["seconds"], sql["rate"], sql["p50_ms"],
                sql["p99_ms"], sql["cpu"], client=sql["cpu"]["self"])
        )  # fmt: skip
        report.add(
            Row(f"HTTP {name}", http["window_requests"], http["window_seconds"], http["rate"],
                http["p50_ms"], http["p99_ms"], http["cpu"], app=http["cpu"]["app"],
                client=http["cpu_seconds"])
        )  # fmt: skip
    report.note(
        f"seeded {seeded['messages']} messages in {seeded['insert_seconds']:.0f} s "
        f"(+ VACUUM ANALYZE: {seeded['seconds']:.0f} s in all)"
    )
    for name, r in res.items():
        http, other = r["http"], {k: v for k, v in r["http"]["status"].items() if k != "200"}
        report.check(
            f"{name}: p50 <= {P50_MS:g} ms, p99 <= {P99_MS:g} ms",
            http["p50_ms"] is not None
            and http["p50_ms"] <= P50_MS
            and http["p99_ms"] <= P99_MS
            and not other,
            f"p50 {http['p50_ms']:.1f} ms, p99 {http['p99_ms']:.1f} ms (SQL alone "
            f"{r['sql']['p50_ms']:.2f} / {r['sql']['p99_ms']:.2f}); "
            f"{traced[name]['results']} results a page; other statuses {other or 'none'}",
        )
    lines = ["Per request (in-process, Django's WSGI handler, one thread; libpq trace):"]
    for name in res:
        t = traced[name]
        lines.append(
            f"  {name:<17} {t['inproc_ms']:6.2f} ms, {len(t['statements'])} statements: "
            + "; ".join(" ".join(s.split())[:40] for s in t["statements"])
        )
    report.section(lines)
    lines = ["Plans (EXPLAIN ANALYZE; the nodes down to the first scan, and the total):"]
    for name, plan in plans.items():
        lines.append(f"  {name}:")
        lines += ["    " + line.strip()[:110] for line in _plan_summary(plan)]
    report.section(lines)
    return report


def _plan_summary(plan: list[str]) -> list[str]:
    nodes = [line for line in plan if "->" in line or line == plan[0]]
    keep = []
    for line in nodes:
        keep.append(line)
        if "Scan" in line and "Sort" not in line:
            break
    return keep + [line for line in plan if line.startswith("Execution Time")]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    for flag, kind, default, text in (
        ("--messages", int, 1_000_000, "messages seeded (default 1000000)"),
        ("--contacts", int, 2000, "contacts seeded, over 3 devices (default 2000)"),
        ("--days", int, 90, "days the messages spread over (default 90)"),
        ("--seconds", float, 10.0, "measured seconds per case over HTTP (default 10)"),
        ("--warmup", float, 2.0, "unmeasured warm-up seconds per case (default 2)"),
        ("--baseline-seconds", float, 3.0, "measured seconds per SQL baseline (default 3)"),
        ("--connections", int, 2, "requests in flight over HTTP (default 2)"),
        ("--workers", int, 3, "gunicorn sync workers (default 3, as the Dockerfile)"),
        ("--keys", int, 40, "API keys the load rotates over (default 40: 1200/min each)"),
        ("--port", int, 0, "port for gunicorn on 127.0.0.1 (default: a free one)"),
    ):
        add(flag, type=kind, default=default, help=text)
    add_json_option(parser)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse_args()
    sys.exit(run_main("messages", lambda run: bench(run, arguments)))
