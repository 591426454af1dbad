"""Benchmarks behind `make bench` (`python -m bench`).

Each benchmark is a module exposing `NAME`, `TITLE` and `run(context) -> Section`; `bench.__main__`
runs the chosen ones in order and rewrites their sections of docs/benchmarks.md, leaving the other
sections as they were. A section carries the machine and the date it was measured on.
"""

from __future__ import annotations

import os
import platform
import re
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"
HEADER = """# Benchmarks

Written by `make bench` (`python -m bench`; `--only NAME` runs one benchmark, `--clients N` a smaller
bank). Each section is rewritten when its benchmark runs again and records the machine it ran on.
"""


@dataclass(frozen=True)
class Context:
    root: Path
    out: Path
    """Scratch directory for databases and files a benchmark makes (bench/out/)."""
    python: str
    clients: int | None = None
    """A smaller size than the benchmark's own, for a quick run."""


@dataclass(frozen=True)
class Section:
    name: str
    body: str
    """Markdown, starting with its `## ` heading."""


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_rss_kb: int
    """The process's own peak resident set (wait4)."""
    exit_code: int
    peak_tree_kb: int = 0
    """The most that the process and its children held at once: their proportional set sizes
    (PSS) summed, sampled every 20 ms. An import forks a writer process, and the two are resident
    together; PSS splits the pages they share (everything loaded before the fork) between them,
    where summing their RSS would count those pages twice."""


def measure(command: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> Measurement:
    """Run `command` to completion; its wall time, peak RSS and the peak of its process tree."""
    import threading
    import time

    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, env=env)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], _tree_pss_kb(child.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(child.pid, 0)
    done.set()
    sampler.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    return Measurement(time.perf_counter() - started, usage.ru_maxrss, child.returncode, peak[0])


def _tree_pss_kb(pid: int) -> int:
    """Proportional set size in kB of `pid` and its descendants now (0 for what has already gone)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        found = re.search(r"^Pss:\s+(\d+)", rollup, re.MULTILINE)
        total += int(found.group(1)) if found else 0
        pending.extend(int(c) for c in children)
    return total


def _first(path: str, pattern: str) -> str | None:
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    found = re.search(pattern, text, re.MULTILINE)
    return found.group(1).strip() if found else None


def machine() -> dict[str, str]:
    memory_kb = _first("/proc/meminfo", r"^MemTotal:\s+(\d+)")
    system = _first("/etc/os-release", r'^PRETTY_NAME="?([^"\n]+)')
    return {
        "CPU": _first("/proc/cpuinfo", r"^model name\s*:\s*(.+)$") or platform.processor() or "unknown",
        "cores": str(os.cpu_count() or "unknown"),
        "RAM": f"{int(memory_kb) / 1024 / 1024:.1f} GiB" if memory_kb else "unknown",
        "OS": f"{system or platform.system()} (kernel {platform.release()})",
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
    }


def machine_table(on: date | None = None) -> str:
    facts = {"date": (on or date.today()).isoformat(), **machine()}
    return "| machine | |\n|---|---|\n" + "".join(f"| {key} | {value} |\n" for key, value in facts.items())


_SECTION = re.compile(r"<!-- bench:(?P<name>[\w-]+) -->\n(?P<body>.*?)<!-- /bench:(?P=name) -->\n?", re.DOTALL)


def write_sections(path: Path, sections: list[Section], order: list[str]) -> None:
    """Replace the named sections in `path` (creating it), keep the others, order them by `order`."""
    existing = (
        {m["name"]: m["body"] for m in _SECTION.finditer(path.read_text(encoding="utf-8"))} if path.exists() else {}
    )
    existing.update({s.name: s.body.rstrip("\n") + "\n" for s in sections})
    names = [n for n in order if n in existing] + sorted(n for n in existing if n not in order)
    blocks = [f"<!-- bench:{n} -->\n{existing[n]}<!-- /bench:{n} -->\n" for n in names]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "\n" + "\n".join(blocks), encoding="utf-8")
