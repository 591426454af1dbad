"""What an import tells its caller: the whole file refused, rows rejected, and the final report."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class ImportRefused(Exception):
    """The file as a whole cannot be imported (missing, too big, unreadable, wrong columns…).

    Nothing is written; the message says what is wrong and how to fix it.
    """


@dataclass(frozen=True)
class Problem:
    """What is wrong with one cell: its column as the file's header spells it ('' for the whole row)."""

    column: str
    reason: str


@dataclass(frozen=True)
class Reject:
    """One invalid row: its line in the file and every problem found in it."""

    line: int
    problems: tuple[Problem, ...]

    @property
    def column(self) -> str:
        return "; ".join(p.column for p in self.problems if p.column)

    @property
    def reason(self) -> str:
        if len(self.problems) == 1:
            return self.problems[0].reason
        return "; ".join(f"{p.column}: {p.reason}" if p.column else p.reason for p in self.problems)

    def __str__(self) -> str:
        if len(self.problems) == 1 and self.column:
            return f"line {self.line}, column {self.column}: {self.reason}"
        return f"line {self.line}: {self.reason}"


@dataclass
class ImportReport:
    kind: str
    path: Path
    dry_run: bool = False
    format: str = ""
    """How the file was read: `CSV, GB18030`, `XLSX, sheet 'Sheet1'`…"""
    rows_read: int = 0
    written: int = 0
    """Rows that were new or differed from what was stored."""
    rejected: int = 0
    rejects: list[Reject] = field(default_factory=list)
    """The first rejected rows (all of them are in the rejects file)."""
    rejects_path: Path | None = None
    committed: bool = False
    ignored_columns: tuple[str, ...] = ()
    seconds: float = 0.0
    writer: str = "thread"
    """Where the rows were written: "process" (a forked writer) or "thread" (see `domain.importing.writer`)."""

    @property
    def accepted(self) -> int:
        return self.rows_read - self.rejected

    @property
    def unchanged(self) -> int:
        return self.accepted - self.written

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0
