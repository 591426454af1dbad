"""`/team export`: the team summary as an XLSX workbook, one sheet per view (summary, per row,
overdue clients, large movements), its headers in the reader's language (`labels.j2`).

Written with XlsxWriter in its constant-memory mode, rows streamed to the file (openpyxl, which
reads the bank's files, writes a branch's overdue sheet about 1.5 times as slowly): cells typed as
they are written, times local to the reader as Excel dates (`write_datetime`), so the sheets sort
and filter as dates."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from typing import Any

import xlsxwriter

from domain.lists import TIER_ORDER
from domain.team import Export

SHEETS = ("summary", "rows", "overdue", "movements")
def team_workbook(data: Export, label: Callable[..., str]) -> bytes:
    """The workbook's bytes; amounts as numbers in yuan."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    day_format = book.add_format({"num_format": "yyyy-mm-dd"})
    time_format = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    summary, total, zone = data.summary, data.summary.total, data.zone

    def sheet(name: str, headers: list[str]):  # noqa: ANN202
        ws = book.add_worksheet(label("xlsx_sheet", name))
        ws.write_row(0, 0, headers)
        return ws

    ws = sheet("summary", [label("xlsx_col", "measure"), label("xlsx_col", "value")])
    for row, (key, value) in enumerate((
        ("title", summary.title), ("from", summary.start.isoformat()), ("to", summary.end.isoformat()),
        ("clients", total.clients), ("aum", float(total.aum)),
        ("aum_before", None if total.aum_before is None else float(total.aum_before)),
        ("coverage", None if total.coverage is None else round(total.coverage, 4)),
        ("coverage_before", None if total.coverage_before is None else round(total.coverage_before, 4)),
        ("contacts", total.contacts), ("contacts_before", total.contacts_before), ("overdue", total.overdue),
        ("follow_ups_missed", total.follow_ups_missed), ("outflows", total.outflows),
        ("outflows_answered", total.outflows_answered), ("birthdays", total.birthdays), ("birthdays_greeted", total.birthdays_greeted),
        ("tier_ups", total.tier_ups), ("tier_downs", total.tier_downs),
    ), 1):
        ws.write_row(row, 0, [label("xlsx_col", key), value])
    tiers = sorted(total.by_tier, key=lambda tier: (TIER_ORDER.index(tier) if tier in TIER_ORDER else len(TIER_ORDER), tier))
    ws = sheet("rows", [
        *(label("xlsx_col", c) for c in (
            "rank", "name", "rms", "clients", "coverage", "coverage_before", "contacts", "contacts_before", "overdue", "follow_ups_missed",
            "aum", "aum_before", "outflows", "outflows_answered", "birthdays", "birthdays_greeted", "tier_ups", "tier_downs",
        )),
        *(label("xlsx_tier_col", "clients", tier) for tier in tiers),
        *(label("xlsx_tier_col", "overdue", tier) for tier in tiers),
    ])
    for rank, line in enumerate(summary.lines, 1):
        ws.write_row(rank, 0, [
            rank, line.name, line.rms, line.clients, None if line.coverage is None else round(line.coverage, 4),
            None if line.coverage_before is None else round(line.coverage_before, 4), line.contacts,
            line.contacts_before, line.overdue, line.follow_ups_missed, float(line.aum),
            None if line.aum_before is None else float(line.aum_before), line.outflows, line.outflows_answered,
            line.birthdays, line.birthdays_greeted, line.tier_ups, line.tier_downs,
            *(line.by_tier.get(tier, 0) for tier in tiers),
            *(line.overdue_by_tier.get(tier, 0) for tier in tiers),
        ])
    cached = functools.cache(label)  # the same few tiers, reasons and kinds on every row
    names = data.rm_names

    def client_cells(ws, row: int, item: Any, what: str) -> None:  # noqa: ANN001
        """The five columns both lists start with: number, name, tier, RM and why it is listed."""
        text = ws.write_string  # five calls rather than a loop: a branch's sheet is 50,000 rows
        text(row, 0, item.client_no)
        text(row, 1, item.name)
        text(row, 2, cached("tier", item.tier))
        text(row, 3, names.get(item.rm_id, ""))
        text(row, 4, what)

    ws = sheet("overdue", [label("xlsx_col", c) for c in ("client_no", "client", "tier", "rm", "reason", "days", "last_contact", "follow_up")])
    for row, item in enumerate(data.overdue, 1):
        client_cells(ws, row, item, cached("xlsx_reason", item.reason.value))
        if item.days is not None:
            ws.write_number(row, 5, item.days)
        if item.last_contact is not None:
            ws.write_datetime(row, 6, item.last_contact.astimezone(zone).replace(tzinfo=None), time_format)
        if item.follow_up is not None:
            ws.write_datetime(row, 7, item.follow_up, day_format)
    ws = sheet("movements", [label("xlsx_col", c) for c in ("client_no", "client", "tier", "rm", "kind", "amount", "bank", "at")])
    for row, move in enumerate(data.movements, 1):
        client_cells(ws, row, move, cached("xlsx_kind", move.kind.value))
        ws.write_number(row, 5, float(move.amount))
        if move.counterparty_bank:
            ws.write_string(row, 6, move.counterparty_bank)
        ws.write_datetime(row, 7, move.at.astimezone(zone).replace(tzinfo=None), time_format)
    book.close()
    return buffer.getvalue()


__all__ = ["SHEETS", "team_workbook"]
