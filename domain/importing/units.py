"""The organisation file: units (head office → branch → sub-branch → outlet) and the teams in them.

A parent may come after its children in the file, so the rows are gathered first (an
organisation has thousands of units, not millions), checked as a tree against what is stored,
then written from the top down. Every unit's materialised path (`/1/4/17/`) is recomputed at the
end, so moving a unit moves its whole subtree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from domain.bulk import TEAM, UNIT, write_rows
from domain.importing.base import Context, Lookup, Outcome, RowParser
from domain.importing.columns import UNIT_COLUMNS
from domain.importing.errors import Problem, Reject
from domain.importing.parsing import choice, text_of
from domain.importing.readers import Row
from domain.models import Team, Unit, UnitKind

TEAM_KIND = "team"
UNIT_KINDS = {
    UnitKind.head_office: ("总行", "head office", "ho"),
    UnitKind.branch: ("分行",),
    UnitKind.sub_branch: ("支行", "sub branch", "subbranch"),
    UnitKind.outlet: ("网点", "营业网点", "营业部"),
    TEAM_KIND: ("团队", "小组"),
}


class _Entry:
    __slots__ = ("code", "kind", "name", "parent", "problem", "row")

    def __init__(self, row: Row, values: list[Any]) -> None:
        self.row = row
        self.code, self.name, self.kind, self.parent = values
        self.problem: Problem | None = None

    @property
    def line(self) -> int:
        return self.row[0]

    @property
    def is_team(self) -> bool:
        return self.kind == TEAM_KIND


class UnitLoader:
    """Gathers the file's units and teams, then checks and writes them as one tree in `finish`."""

    def __init__(self, context: Context) -> None:
        self.context = context
        title = context.columns.title
        self.code_title, self.parent_title = title("code"), title("parent")
        self.parser = RowParser(context.columns, UNIT_COLUMNS, self.parsers())
        self.entries: dict[str, _Entry] = {}
        self.unreadable: dict[str, int] = {}
        """Codes of rows rejected as unreadable, and their lines: their children are rejected too."""

    def parsers(self) -> dict[str, Callable[[str], Any]]:
        code = text_of(Unit.__table__.c.code.type.length)  # type: ignore[attr-defined]
        return {
            "code": code,
            "name": text_of(min(Unit.__table__.c.name.type.length, Team.__table__.c.name.type.length)),  # type: ignore[attr-defined]
            "kind": choice(UNIT_KINDS, "kind of unit"),
            "parent": code,
        }

    def load(self, chunk: list[Row]) -> Outcome:
        rejects: list[tuple[Row, Reject]] = []
        for row in chunk:
            values, problems = self.parser.parse(row[1])
            if problems:
                rejects.append((row, Reject(row[0], tuple(problems))))
                if values and values[0] is not None:
                    self.unreadable.setdefault(values[0], row[0])
                continue
            entry = _Entry(row, values)
            first = self.entries.setdefault(entry.code, entry)
            if first is not entry:
                rejects.append((row, Reject(row[0], (Problem(self.code_title, f"{entry.code} is already on line {first.line}"),))))
        return Outcome(0, rejects)

    def finish(self) -> Outcome:
        connection = self.context.connection
        units = {code: (id_, parent_id) for id_, code, parent_id in connection.execute(text("SELECT id, code, parent_id FROM unit"))}
        teams = {code for (code,) in connection.execute(text("SELECT code FROM team"))}
        self._check_against(units, teams)
        rejects = [(e.row, Reject(e.line, (e.problem,))) for e in self.entries.values() if e.problem]
        written = 0
        if self.context.should_write(bool(rejects)):
            valid = [e for e in self.entries.values() if e.problem is None]
            written = self._write(valid, units)
        return Outcome(written, sorted(rejects, key=lambda r: r[0][0]))

    def _check_against(self, units: dict[str, tuple[int, int | None]], teams: set[str]) -> None:
        """Mark rows that reuse a code of the other table, name a missing parent, or close a loop."""
        for entry in self.entries.values():
            if entry.is_team and entry.code in units:
                entry.problem = Problem(self.code_title, f"{entry.code} is a unit already; a team needs a code of its own")
            elif not entry.is_team and entry.code in teams:
                entry.problem = Problem(self.code_title, f"{entry.code} is a team already; a unit needs a code of its own")
            elif entry.is_team and entry.parent is None:
                entry.problem = Problem(self.parent_title, "a team needs the code of the unit it belongs to")
            elif entry.parent == entry.code:
                entry.problem = Problem(self.parent_title, "a unit cannot be its own parent")
            elif entry.parent in self.unreadable and entry.parent not in self.entries:
                line = self.unreadable[entry.parent]
                entry.problem = Problem(self.parent_title, f"its parent {entry.parent} (line {line}) was rejected")
            elif entry.parent is not None:
                parent = self.entries.get(entry.parent)
                if parent is not None and parent.is_team or parent is None and entry.parent in teams:
                    entry.problem = Problem(self.parent_title, f"{entry.parent} is a team; teams cannot hold units or teams")
                elif parent is None and entry.parent not in units:
                    entry.problem = Problem(self.parent_title, f"unknown parent unit {entry.parent}: not stored and not in this file")
        id_to_code = {id_: code for code, (id_, _) in units.items()}
        stored_parent = {code: id_to_code.get(parent_id) for code, (_, parent_id) in units.items()}
        changed = True
        while changed:
            changed = self._reject_children_of_rejected() | self._reject_loops(stored_parent)

    def _reject_children_of_rejected(self) -> bool:
        changed = False
        for entry in self.entries.values():
            parent = self.entries.get(entry.parent) if entry.parent else None
            if entry.problem is None and parent is not None and parent.problem is not None:
                entry.problem = Problem(self.parent_title, f"its parent {parent.code} (line {parent.line}) was rejected")
                changed = True
        return changed

    def _parents(self, stored_parent: dict[str, str | None]) -> dict[str, str | None]:
        parents = dict(stored_parent)
        parents.update({e.code: e.parent for e in self.entries.values() if e.problem is None and not e.is_team})
        return parents

    def _reject_loops(self, stored_parent: dict[str, str | None]) -> bool:
        parents = self._parents(stored_parent)
        changed = False
        for entry in self.entries.values():
            if entry.problem is not None or entry.is_team:
                continue
            chain = [entry.code]
            code = parents.get(entry.code)
            while code is not None and code not in chain:
                chain.append(code)
                code = parents.get(code)
            if code == entry.code:
                loop = " → ".join([*chain, entry.code])
                entry.problem = Problem(self.parent_title, f"the parents loop back to {entry.code}: {loop}")
                changed = True
        return changed

    def _write(self, valid: list[_Entry], units: dict[str, tuple[int, int | None]]) -> int:
        connection = self.context.connection
        ids = {code: id_ for code, (id_, _) in units.items()}
        code_of = {id_: code for code, id_ in ids.items()}
        file_units = {e.code: e for e in valid if not e.is_team}
        parents = {code: code_of.get(parent_id) for code, (_, parent_id) in units.items()}
        parents.update({code: e.parent for code, e in file_units.items()})
        written = 0
        for level in _levels(file_units):
            rows = [(e.code, e.name, e.kind, ids[e.parent] if e.parent else None, _path(e.code, parents, ids)) for e in level]
            written += write_rows(connection, UNIT, rows)
            fetched = Lookup(self.context, "unit", "code")
            fetched.fetch(e.code for e in level)
            ids.update(fetched.found)
        teams = [(e.code, e.name, ids[e.parent]) for e in valid if e.is_team]
        written += write_rows(connection, TEAM, teams)
        _repair_paths(connection)
        return written


def _levels(units: dict[str, _Entry]) -> list[list[_Entry]]:
    """The file's units grouped by depth below the stored tree, parents first."""
    depth: dict[str, int] = {}

    def depth_of(code: str) -> int:
        if code not in depth:
            parent = units[code].parent
            depth[code] = depth_of(parent) + 1 if parent in units else 0
        return depth[code]

    levels: dict[int, list[_Entry]] = {}
    for code, entry in units.items():
        levels.setdefault(depth_of(code), []).append(entry)
    return [levels[d] for d in sorted(levels)]


def _path(code: str, parents: dict[str, str | None], ids: dict[str, int]) -> str:
    """`/1/4/17/` when every id on the way up is known, else '' (filled in by `_repair_paths`)."""
    parts: list[str] = []
    while code is not None:
        if code not in ids:
            return ""
        parts.append(str(ids[code]))
        code = parents.get(code)
    return "/" + "/".join(reversed(parts)) + "/"


def _repair_paths(connection: Any) -> None:
    """Recompute every unit's path from the parent links and store the ones that differ."""
    rows = connection.execute(text("SELECT id, parent_id, path FROM unit")).all()
    parent_of = {id_: parent_id for id_, parent_id, _ in rows}
    paths: dict[int, str] = {}

    def path_of(id_: int) -> str:
        if id_ not in paths:
            parent = parent_of.get(id_)
            paths[id_] = (path_of(parent) if parent is not None else "/") + f"{id_}/"
        return paths[id_]

    stale = [{"id": id_, "path": path_of(id_)} for id_, _, path in rows if path != path_of(id_)]
    if stale:
        connection.execute(text("UPDATE unit SET path = :path WHERE id = :id"), stale)
