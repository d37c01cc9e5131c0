"""Runs every benchmark in quick mode and writes ``bench/RESULTS.md`` (``scripts/bench.sh``).

    .venv/bin/python bench/collect.py [--only startup,sync] [--timeout 600] [--out FILE]

A benchmark takes part when ``bench/<name>.py --help`` mentions ``--quick``: it is run with
``--quick``, and the last line of its standard output is read as the JSON of
``bench/headline.py`` (``{"bench": ..., "rows": [{"what", "figure", "unit", "reference",
"reference_what", "ratio", "better"}, ...]}``). A benchmark that fails, times out or ends
otherwise gets a row saying so. The machine (CPU, cores, RAM, load before and after,
Python, SQLite, PostgreSQL) heads the table; every output is kept under ``--logs``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
NOT_BENCHMARKS = {"collect", "headline"}

CONVENTION = """\
Written by `bash scripts/bench.sh` (`bench/collect.py`); do not edit by hand. Every
`bench/*.py` whose `--help` mentions `--quick` is run with `--quick`, and the last line of
its output is read as JSON (`bench/headline.py` prints it):
`{"bench": "<file name>", "rows": [{"what": "...", "figure": 1.0, "unit": "s",
"reference": 0.5, "reference_what": "...", "ratio": 2.0, "better": "lower"}]}`.
`ratio` is figure / reference, both measured in the same run (interleaved where the
benchmark can); `better` says which way the figure improves. Quick mode uses small sizes:
compare ratios, and absolute figures only between runs of this table."""


def _first(path: str, prefix: str) -> str:
    try:
        for row in Path(path).read_text().splitlines():
            if row.startswith(prefix):
                return row.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _postgres_version() -> str:
    sys.path.insert(0, str(ROOT))
    try:
        from tests.servers.postgres import find_bin_dir

        done = subprocess.run(
            [str(find_bin_dir() / "postgres"), "--version"], capture_output=True, text=True
        )
        return done.stdout.strip() or "unknown"
    except (ImportError, OSError, RuntimeError):
        return "not installed"


def machine() -> dict[str, str]:
    memory = _first("/proc/meminfo", "MemTotal")
    kib = int(memory.split()[0]) if memory[:1].isdigit() else 0
    return {
        "CPU": _first("/proc/cpuinfo", "model name"),
        "cores": str(os.cpu_count()),
        "RAM": f"{kib / 1024 / 1024:.1f} GiB" if kib else "unknown",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "PostgreSQL": _postgres_version(),
    }


def load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def takes_part(script: Path) -> bool:
    done = subprocess.run(
        [sys.executable, str(script), "--help"], cwd=ROOT, capture_output=True, text=True
    )
    return done.returncode == 0 and "--quick" in done.stdout


def _text(stream: str | bytes | None) -> str:
    return stream.decode(errors="replace") if isinstance(stream, bytes) else stream or ""


def run(script: Path, timeout: float, logs: Path) -> tuple[list[dict[str, Any]], str, float]:
    """(rows, status, seconds) of one benchmark run with ``--quick``."""
    began = time.monotonic()
    log = logs / f"{script.stem}.log"
    try:
        done = subprocess.run(
            [sys.executable, str(script), "--quick"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as expired:
        out, err = (_text(stream) for stream in (expired.stdout, expired.stderr))
        log.write_text(f"{out}\n--- stderr ---\n{err}")
        return [], f"timed out after {timeout:.0f} s", time.monotonic() - began
    seconds = time.monotonic() - began
    log.write_text(f"{done.stdout}\n--- stderr ---\n{done.stderr}")
    if done.returncode != 0:
        return [], f"failed (exit {done.returncode})", seconds
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    try:
        rows = json.loads(last)["rows"]
        assert isinstance(rows, list)
    except (ValueError, KeyError, TypeError, AssertionError):
        return [], "no JSON last line", seconds
    return rows, "ok", seconds


def _number(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    number = float(value)
    text = f"{number:,.0f}" if abs(number) >= 100 else f"{number:.3g}"
    return f"{text} {unit}".strip()


def table(results: list[tuple[str, list[dict[str, Any]], str, float]], day: str) -> list[str]:
    lines = [
        "| benchmark | what | figure | reference | ratio | date |",
        "|---|---|---|---|---|---|",
    ]
    for name, rows, status, seconds in results:
        if status != "ok":
            lines.append(f"| `{name}` | {status} ({seconds:.0f} s) | — | — | — | {day} |")
        for row in rows:
            unit = str(row.get("unit", ""))
            reference = _number(row.get("reference"), unit)
            if row.get("reference_what"):
                reference = f"{reference} ({row['reference_what']})"
            ratio = _number(row.get("ratio"))
            if row.get("ratio") is not None:
                ratio += f" ({row.get('better', 'lower')} is better)"
            figure = _number(row.get("figure"), unit)
            lines.append(f"| `{name}` | {row['what']} | {figure} | {reference} | {ratio} | {day} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="", help="comma-separated names (default: all)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per benchmark")
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument("--logs", type=Path, default=BENCH / "results")
    args = parser.parse_args()
    args.logs.mkdir(parents=True, exist_ok=True)
    wanted = {name for name in args.only.split(",") if name}
    scripts = [
        script
        for script in sorted(BENCH.glob("*.py"))
        if script.stem not in NOT_BENCHMARKS and (not wanted or script.stem in wanted)
    ]
    load_before, began = load(), time.monotonic()
    results = []
    for script in scripts:
        if not takes_part(script):
            print(f"-- {script.stem}: no --quick, skipped", flush=True)
            continue
        print(f"-- {script.stem} --quick ...", flush=True)
        rows, status, seconds = run(script, args.timeout, args.logs)
        print(f"   {status} in {seconds:.0f} s, {len(rows)} rows", flush=True)
        results.append((script.stem, rows, status, seconds))
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    described = machine() | {
        "load average (1, 5, 15 min)": f"{load_before} before, {load()} after",
        "whole run": f"{time.monotonic() - began:.0f} s on {day}",
    }
    text = [
        "# Benchmark results",
        "",
        CONVENTION,
        "",
        "## Machine",
        "",
        *[f"- {key}: {value}" for key, value in described.items()],
        "",
        "## Results",
        "",
        *table(results, day),
        "",
    ]
    args.out.write_text("\n".join(text))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
