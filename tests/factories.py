"""Test data written through `domain.bulk`, as the sample bank and imports write theirs.

`make_bank` builds the smallest organisation every test needs, with the keys the sample bank
guarantees: units HO → BR01 → SB01 → OT0001, team T0001 at OT0001, staff E00001 (admin),
E00002 (branch head of BR01), E00003 (team lead of T0001), E00004 (RM in T0001), and clients
C000000001… owned by E00004.

    with engine.begin() as connection:
        bank = make_bank(connection, clients=10)
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlmodel import SQLModel

import domain.models  # noqa: F401  (the tables `database_rows` lists)
from domain.bulk import CLIENT, STAFF, TEAM, UNIT, Natives, write_rows
from domain.names import name_pinyin
from domain.types import to_fen

UNITS = (
    ("HO", "总行", "head_office", None),
    ("BR01", "第一分行", "branch", "HO"),
    ("SB01", "第一支行", "sub_branch", "BR01"),
    ("OT0001", "第一网点", "outlet", "SB01"),
)
TEAMS = (("T0001", "第一团队", "OT0001"),)
STAFF_ROWS = (
    ("E00001", "管理员", "admin", "HO", None),
    ("E00002", "王行长", "branch_head", "BR01", None),
    ("E00003", "李组长", "team_lead", "OT0001", "T0001"),
    ("E00004", "张经理", "rm", "OT0001", "T0001"),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚"


def client_no(n: int) -> str:
    return f"C{n:09d}"


@dataclass
class Bank:
    """Ids by natural key of what a factory made."""

    units: dict[str, int] = field(default_factory=dict)
    teams: dict[str, int] = field(default_factory=dict)
    staff: dict[str, int] = field(default_factory=dict)
    clients: dict[str, int] = field(default_factory=dict)


def _ids(connection: Connection, table: str, key: str) -> dict[str, int]:
    return {k: v for k, v in connection.execute(text(f"SELECT {key}, id FROM {table}"))}


def make_org(connection: Connection) -> Bank:
    """The four units, the team and the four staff, with their materialised paths."""
    natives = Natives.for_dialect(connection.dialect.name)
    for code, name, kind, parent in UNITS:
        ids = _ids(connection, "unit", "code")
        write_rows(connection, UNIT, [(code, name, kind, ids.get(parent), "")])
    ids = _ids(connection, "unit", "code")
    paths: dict[str, str] = {}
    for code, _, _, parent in UNITS:
        paths[code] = (paths[parent] if parent else "/") + f"{ids[code]}/"
    write_rows(connection, UNIT, [(code, name, kind, ids.get(parent), paths[code]) for code, name, kind, parent in UNITS])
    write_rows(connection, TEAM, [(code, name, ids[unit]) for code, name, unit in TEAMS])
    teams = _ids(connection, "team", "code")
    created = natives.instant(datetime(2025, 1, 1))
    write_rows(
        connection,
        STAFF,
        [
            (no, name, role, ids[unit], teams.get(team), None, None, natives.boolean(True), created)
            for no, name, role, unit, team in STAFF_ROWS
        ],
    )
    return Bank(units=ids, teams=teams, staff=_ids(connection, "staff", "employee_no"))


def client_row(
    natives: Natives,
    number: int,
    *,
    rm_id: int | None,
    unit_id: int | None,
    name: str | None = None,
    aum: str = "0",
    tier: str = "mass",
    birthday: date | None = None,
) -> tuple:
    """A personal client in `domain.bulk.CLIENT` column order."""
    name = name or SURNAMES[number % len(SURNAMES)] + GIVEN[number // len(SURNAMES) % len(GIVEN)]
    pinyin, initials = name_pinyin(name)
    phone = f"138{number:08d}"
    now = natives.instant(datetime(2025, 1, 1))
    values = {c: None for c in CLIENT.columns} | {
        "client_no": client_no(number), "kind": "personal", "name": name, "name_pinyin": pinyin,
        "name_initials": initials, "phone": phone, "phone_last4": phone[-4:],
        "birthday": natives.date(birthday), "birth_md": birthday and birthday.month * 100 + birthday.day,
        "lunar_birth_leap": natives.boolean(False), "tier": tier, "aum": to_fen(aum), "deposits": 0,
        "loans": 0, "card_spend_year": 0, "custody_margin": 0, "credit_target": 0, "bad_credit_records": 0,
        "products": "", "rm_id": rm_id, "original_rm_id": rm_id, "unit_id": unit_id,
        "lost_contact": natives.boolean(False), "tags": "", "notes": "", "created_at": now, "updated_at": now,
    }
    return tuple(values[c] for c in CLIENT.columns)


def make_clients(connection: Connection, count: int, *, first: int = 1, rm: str = "E00004") -> dict[str, int]:
    """`count` personal clients C…first onwards, owned by `rm` (which must exist)."""
    natives = Natives.for_dialect(connection.dialect.name)
    rm_id, unit_id = connection.execute(
        text("SELECT id, unit_id FROM staff WHERE employee_no = :no"), {"no": rm}
    ).one()
    rows = [client_row(natives, n, rm_id=rm_id, unit_id=unit_id) for n in range(first, first + count)]
    for start in range(0, len(rows), 5000):
        write_rows(connection, CLIENT, rows[start:start + 5000])
    wanted = {row[0] for row in rows}
    return {no: id_ for no, id_ in _ids(connection, "client", "client_no").items() if no in wanted}


def make_bank(connection: Connection, *, clients: int = 10) -> Bank:
    bank = make_org(connection)
    bank.clients = make_clients(connection, clients)
    return bank


def table_rows(connection: Connection, table: str) -> list[tuple]:
    """Every row of `table`, ordered by its primary key: tests compare them before and after."""
    key = ", ".join(column.name for column in SQLModel.metadata.tables[table].primary_key.columns)
    return [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY {key}"))]


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], *, encoding: str = "utf-8") -> Path:
    """A CSV file as a bank's export would be: `encoding` may be `utf-8-sig` or `gb18030`."""
    with path.open("w", encoding=encoding, newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def database_rows(engine: Engine) -> dict[str, list[tuple]]:
    """Every row of every table, by table: tests compare it before and after to prove nothing changed."""
    with engine.connect() as connection:
        return {table.name: table_rows(connection, table.name) for table in SQLModel.metadata.sorted_tables}
