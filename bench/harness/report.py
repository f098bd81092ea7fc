"""A benchmark's report: one table of phases, notes, sections, checks; printed, and with
`--json PATH` also written as JSON (every figure, the checks and the raw results).

The table has one row a phase: operations completed in the measured window, its seconds, the
rate, p50/p99 latency, the whole machine's CPU (`busy`) and the share of it other work took
(`others`: busy time not charged to the bench's own processes), and CPU milliseconds per
operation of the application, PostgreSQL and the client. A phase where others took more than
`noisy_share` of the machine is named in a NOTE under the table: its rate is understated.
Checks print `ok` or `FAIL`; `exit_status()` is 1 when one failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

NOISY_SHARE = 0.10
NAME_WIDTH = 33


@dataclass
class Row:
    name: str
    count: int
    seconds: float
    rate: float
    p50_ms: float | None
    p99_ms: float | None
    cpu: dict[str, float]  # a CpuSampler's result
    app: float | None = None  # CPU seconds of the application (None: there is none)
    client: float = 0.0  # CPU seconds of the client, per operation in the table
    client_total: float | None = None  # the client's CPU charged to the bench (default: client)

    def figures(self, ncpu: int) -> dict[str, float | None]:
        cpu = self.cpu
        capacity = cpu["seconds"] * ncpu
        client_total = self.client if self.client_total is None else self.client_total
        ours = cpu["pg"] + (self.app or 0.0) + client_total + cpu.get("broker", 0.0)
        per_op = 1000 / self.count if self.count else float("nan")  # ms per operation
        return {
            "busy_pct": 100 * cpu["busy"] / capacity,
            "others_pct": 100 * (cpu["busy"] - ours) / capacity,
            "app_ms": None if self.app is None else self.app * per_op,
            "pg_ms": cpu["pg"] * per_op,
            "client_ms": self.client * per_op,
        }


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class Report:
    title: str
    legend: str = ""  # printed under the table
    noisy_share: float = NOISY_SHARE
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sections: list[list[str] | None] = field(default_factory=list)  # None: the checks
    checks: list[Check] = field(default_factory=list)
    after_checks: list[str] = field(default_factory=list)

    def add(self, row: Row) -> None:
        self.rows.append(row)

    def note(self, text: str) -> None:
        """Printed under the table and its legend."""
        self.notes.append(text)

    def section(self, lines: list[str]) -> None:
        """A block of lines after the table, after a blank line."""
        self.sections.append(lines)

    def check(self, name: str, ok: bool, detail: str) -> None:
        self.checks.append(Check(name, bool(ok), detail))

    def checks_here(self, after: list[str] | None = None) -> None:
        """The checks go here among the sections (default: last), `after` right below them."""
        self.sections.append(None)
        self.after_checks = after or []

    def exit_status(self) -> int:
        return 0 if all(c.ok for c in self.checks) else 1

    def noisy(self, ncpu: int) -> list[str]:
        return [
            row.name.split()[0]
            for row in self.rows
            if row.figures(ncpu)["others_pct"] > 100 * self.noisy_share
        ]

    def print(self, out: Any = sys.stdout) -> None:
        ncpu = os.cpu_count() or 1
        w = NAME_WIDTH
        header = (
            f"{'phase':<{w}}{'count':>8}{'seconds':>8}{'rate/s':>9}{'p50 ms':>8}{'p99 ms':>8}"
            f"{'busy':>6}{'others':>7}{'app':>7}{'pg':>7}{'client':>7}"
        )
        lines = ["", f"{'':<{w + 49}}{'CPU %':^13}{'CPU ms per op':^21}", header, "-" * len(header)]
        for row in self.rows:
            f = row.figures(ncpu)
            app = "-" if f["app_ms"] is None else f"{f['app_ms']:.2f}"
            lines.append(
                f"{row.name:<{w}}{row.count:>8}{row.seconds:>8.2f}{row.rate:>9.0f}"
                f"{_fmt(row.p50_ms):>8}{_fmt(row.p99_ms):>8}{f['busy_pct']:>6.0f}"
                f"{f['others_pct']:>7.0f}{app:>7}{f['pg_ms']:>7.3f}{f['client_ms']:>7.3f}"
            )
        if self.legend:
            lines.append(self.legend)
        if noisy := self.noisy(ncpu):
            lines.append(
                f"NOTE: other work took more than {self.noisy_share:.0%} of the CPU during "
                f"{', '.join(noisy)}: those rates are understated; rerun on a quiet machine."
            )
        lines += self.notes
        sections = self.sections if None in self.sections else [*self.sections, None]
        for section in sections:
            lines.append("")
            if section is None:
                lines += [f"{'ok  ' if c.ok else 'FAIL'} {c.name}: {c.detail}" for c in self.checks]
                lines += self.after_checks
            else:
                lines += section
        print("\n".join(lines), file=out, flush=True)

    def write_json(self, path: Path, *, args: argparse.Namespace, results: Any) -> None:
        """Everything as JSON: when and how it ran, the rows with their figures, the checks,
        the sections' text and the raw results."""
        ncpu = os.cpu_count() or 1
        data = {
            "bench": self.title,
            "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "argv": sys.argv,
            "options": {
                k: sorted(v) if isinstance(v, set) else v
                for k, v in vars(args).items()
                if k != "json"
            },
            "machine": {"cpus": ncpu, "load_average": os.getloadavg()},
            "noisy_phases": self.noisy(ncpu),
            "rows": [{**asdict(row), **row.figures(ncpu)} for row in self.rows],
            "checks": [asdict(c) for c in self.checks],
            "ok": self.exit_status() == 0,
            "notes": self.notes,
            "sections": [s for s in self.sections if s is not None],
            "after_checks": self.after_checks,
            "results": results,
        }
        path.write_text(json.dumps(data, indent=2, default=str) + "\n")


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        help="also write the report as JSON to PATH (every figure, the checks, raw results)",
    )


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)
