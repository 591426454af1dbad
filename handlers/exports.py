"""`/team export`: the team summary as an XLSX workbook, one sheet per view (summary, per row,
overdue clients, large movements), its headers in the reader's language (`labels.j2`)."""

from __future__ import annotations

import io
from collections.abc import Callable

from openpyxl import Workbook

from domain.team import Export

SHEETS = ("summary", "rows", "overdue", "movements")


def team_workbook(data: Export, label: Callable[..., str]) -> bytes:
    """A write-only workbook (rows streamed, so a long list stays light); amounts as numbers in yuan."""
    book = Workbook(write_only=True)
    summary, total = data.summary, data.summary.total

    def sheet(name: str, headers: list[str]):  # noqa: ANN202
        ws = book.create_sheet(label("xlsx_sheet", name))
        ws.append(headers)
        return ws

    ws = sheet("summary", [label("xlsx_col", "measure"), label("xlsx_col", "value")])
    for key, value in (
        ("title", summary.title), ("from", summary.start.isoformat()), ("to", summary.end.isoformat()),
        ("clients", total.clients), ("aum", float(total.aum)),
        ("aum_before", None if total.aum_before is None else float(total.aum_before)),
        ("coverage", None if total.coverage is None else round(total.coverage, 4)),
        ("contacts", total.contacts), ("contacts_before", total.contacts_before), ("overdue", total.overdue),
        ("follow_ups_missed", total.follow_ups_missed), ("outflows", total.outflows),
        ("outflows_answered", total.outflows_answered), ("tier_changes", total.tier_changes),
    ):
        ws.append([label("xlsx_col", key), value])
    ws = sheet("rows", [label("xlsx_col", c) for c in (
        "rank", "name", "rms", "clients", "coverage", "contacts", "contacts_before", "overdue", "follow_ups_missed",
        "aum", "aum_before", "outflows", "outflows_answered", "tier_changes",
    )])
    for rank, line in enumerate(summary.lines, 1):
        ws.append([
            rank, line.name, line.rms, line.clients, None if line.coverage is None else round(line.coverage, 4), line.contacts,
            line.contacts_before, line.overdue, line.follow_ups_missed, float(line.aum),
            None if line.aum_before is None else float(line.aum_before), line.outflows, line.outflows_answered, line.tier_changes,
        ])
    ws = sheet("overdue", [label("xlsx_col", c) for c in ("client_no", "client", "tier", "rm", "reason", "days", "last_contact", "follow_up")])
    for item in data.overdue:
        ws.append([
            item.client_no, item.name, label("tier", item.tier), data.rm_of.get(item.client_id, ""), label("xlsx_reason", item.reason.value),
            item.days, item.last_contact.replace(tzinfo=None) if item.last_contact else None, item.follow_up,
        ])
    ws = sheet("movements", [label("xlsx_col", c) for c in ("client_no", "client", "tier", "rm", "kind", "amount", "bank", "at")])
    for move in data.movements:
        ws.append([
            move.client_no, move.name, label("tier", move.tier), data.rm_of.get(move.client_id, ""), label("xlsx_kind", move.kind.value),
            float(move.amount), move.counterparty_bank, move.at.replace(tzinfo=None),
        ])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


__all__ = ["SHEETS", "team_workbook"]
