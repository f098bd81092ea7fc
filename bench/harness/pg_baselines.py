"""Raw PostgreSQL baselines: what the database alone does, with no Python framework around it.

- `batched_inserts`: rows inserted into a scratch table created `LIKE` a product table
  `INCLUDING ALL` (the same columns, unique keys and indexes), `batch_rows` a transaction on one
  psycopg 3 connection, with `executemany` (pipelined) or `COPY`, for `seconds` after one
  unmeasured second. Only the time inside the database calls counts.
- `query_latency`: one SQL statement run again and again on one connection: p50/p99.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from .cpu import CpuSampler
from .load_generator import percentile

WARMUP_SECONDS = 1.0


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000.0


def batched_inserts(
    conn: Any,
    *,
    like: str,
    columns: Sequence[str],
    row: Callable[[int], Sequence[Any]],
    method: str,
    seconds: float,
    batch_rows: int = 1000,
    casts: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Insert `row(0)`, `row(1)`... (values in `columns` order) into a scratch copy of table
    `like`, dropped afterwards. `casts` maps a column to the SQL type its parameter is cast to
    (`{"payload": "jsonb"}` for JSON text). Rows are built outside the timed calls."""
    if method not in ("executemany", "copy"):
        raise ValueError(f"method must be executemany or copy, not {method!r}")
    scratch = f"bench_scratch_{like}"
    conn.execute(f"DROP TABLE IF EXISTS {scratch}")
    conn.execute(f"CREATE TABLE {scratch} (LIKE {like} INCLUDING ALL)")
    names = ", ".join(columns)
    params = ", ".join(f"%s::{(casts or {})[c]}" if c in (casts or {}) else "%s" for c in columns)
    insert = f"INSERT INTO {scratch} ({names}) VALUES ({params})"  # noqa: S608 - bench names
    copy = f"COPY {scratch} ({names}) FROM STDIN"
    sampler = CpuSampler(pg_pids=lambda: [conn.info.backend_pid])
    rows = index = 0
    db_seconds = client_cpu = 0.0
    batch_times: list[float] = []
    warm_until = time.perf_counter() + WARMUP_SECONDS
    measuring = False
    try:
        while time.perf_counter() < warm_until + seconds:
            batch = [row(index + i) for i in range(batch_rows)]
            index += batch_rows
            if not measuring and time.perf_counter() >= warm_until:
                measuring = True
                sampler.start()
            started, started_cpu = time.perf_counter(), time.process_time()
            with conn.transaction(), conn.cursor() as cur:
                if method == "executemany":
                    cur.executemany(insert, batch)
                else:
                    with cur.copy(copy) as pg_copy:
                        for values in batch:
                            pg_copy.write_row(values)
            elapsed = time.perf_counter() - started
            if measuring:
                rows += len(batch)
                db_seconds += elapsed
                client_cpu += time.process_time() - started_cpu
                batch_times.append(elapsed)
        cpu = sampler.stop() if measuring else {}
        stored = conn.execute(f"SELECT count(*) FROM {scratch}").fetchone()[0]  # noqa: S608
    finally:
        conn.execute(f"DROP TABLE IF EXISTS {scratch}")
    batch_times.sort()
    return {
        "count": rows,
        "seconds": db_seconds,
        "rate": rows / db_seconds if db_seconds else 0.0,
        "p50_ms": _ms(percentile(batch_times, 0.5)),  # per batch
        "p99_ms": _ms(percentile(batch_times, 0.99)),
        "cpu": cpu,
        "client_cpu": client_cpu,  # this process, inside the database calls only
        "stored": stored,
        "inserted": index,
    }


def query_latency(
    conn: Any,
    sql: str,
    params: Sequence[Any] | Callable[[int], Sequence[Any]] = (),
    *,
    seconds: float,
    warmup: float = WARMUP_SECONDS,
) -> dict[str, Any]:
    """Run `sql` (with `params`, or `params(i)` for the i-th run) and fetch its rows, again
    and again for `seconds` after `warmup`: runs per second and latency per run."""
    sampler = CpuSampler(pg_pids=lambda: [conn.info.backend_pid])
    times: list[float] = []
    i = 0
    warm_until = time.perf_counter() + warmup
    measuring = False
    while time.perf_counter() < warm_until + seconds:
        if not measuring and time.perf_counter() >= warm_until:
            measuring = True
            sampler.start()
        args = params(i) if callable(params) else params
        started = time.perf_counter()
        conn.execute(sql, args).fetchall()
        if measuring:
            times.append(time.perf_counter() - started)
        i += 1
    cpu = sampler.stop() if measuring else {}
    total = sum(times)
    times.sort()
    return {
        "count": len(times),
        "seconds": total,
        "rate": len(times) / total if total else 0.0,
        "p50_ms": _ms(percentile(times, 0.5)),
        "p99_ms": _ms(percentile(times, 0.99)),
        "cpu": cpu,
    }
