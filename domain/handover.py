"""Handing an RM's clients over to another RM, when the first leaves or changes post.

`plan` checks who may move what and counts it; `execute` moves it in one transaction: the clients
(all, some tiers, or a list of client numbers) get the new RM and the new RM's unit, keep their
original maintainer (the first RM on record), and take their open alerts with them; when every
client of the departing RM has moved, their Telegram link is cut at once (they see nothing more),
unless told to keep it. Every handover is in the audit log.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, select

from domain import audit, derived
from domain.access import Viewer
from domain.errors import DomainError
from domain.models import Alert, Client, Role, Staff

BOOK_ROLES = (Role.rm, Role.team_lead)


class HandoverRefused(DomainError):
    code = "handover_refused"

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason
        """unknown_staff, inactive_target, not_a_book, same_rm, not_allowed, unknown_clients, nothing_to_move."""
        self.detail = detail


@dataclass(frozen=True)
class Plan:
    from_id: int
    from_no: str
    from_name: str
    to_id: int
    to_no: str
    to_name: str
    to_unit: int
    tiers: tuple[str, ...]
    client_nos: tuple[str, ...]
    by_tier: tuple[tuple[str, int], ...]
    everything: bool
    """Every client of the departing RM moves (so their access can be cut)."""

    @property
    def clients(self) -> int:
        return sum(count for _, count in self.by_tier)


@dataclass(frozen=True)
class Result:
    plan: Plan
    moved: int
    alerts_moved: int
    access_cut: bool


def _staff(session: Session, employee_no: str) -> Staff:
    staff = session.exec(select(Staff).where(Staff.employee_no == employee_no)).first()
    if staff is None:
        raise HandoverRefused("unknown_staff", employee_no)
    return staff


def _selection(plan_from: int, tiers: tuple[str, ...], client_nos: tuple[str, ...]):  # noqa: ANN202
    where = [Client.rm_id == plan_from]
    if tiers:
        where.append(Client.tier.in_(tiers))
    if client_nos:
        where.append(Client.client_no.in_(client_nos))
    return where


def plan(
    session: Session, actor: Viewer | None, from_no: str, to_no: str, *, tiers: tuple[str, ...] = (), client_nos: tuple[str, ...] = (),
) -> Plan:
    """What would move; `actor` None is the command line (an admin's tool). A team lead may move
    clients between RMs of their own team; an admin anywhere."""
    source, target = _staff(session, from_no), _staff(session, to_no)
    if source.id == target.id:
        raise HandoverRefused("same_rm", from_no)
    if not target.active:
        raise HandoverRefused("inactive_target", to_no)
    if target.role not in BOOK_ROLES:
        raise HandoverRefused("not_a_book", to_no)
    if actor is not None and actor.role != Role.admin:
        own_team = actor.role == Role.team_lead and actor.team_id is not None
        if not (own_team and source.team_id == actor.team_id and target.team_id == actor.team_id):
            raise HandoverRefused("not_allowed", f"{from_no} → {to_no}")
    if client_nos:
        found = set(session.exec(select(Client.client_no).where(*_selection(source.id, (), client_nos))).all())
        missing = sorted(set(client_nos) - found)
        if missing:
            raise HandoverRefused("unknown_clients", ", ".join(missing[:10]))
    by_tier = Counter(dict(session.exec(
        select(Client.tier, func.count()).where(*_selection(source.id, tiers, client_nos)).group_by(Client.tier)
    ).all()))
    if not by_tier:
        raise HandoverRefused("nothing_to_move", from_no)
    left = session.exec(select(func.count()).where(Client.rm_id == source.id)).one() - sum(by_tier.values())
    return Plan(
        source.id, source.employee_no, source.name, target.id, target.employee_no, target.name, target.unit_id,
        tuple(tiers), tuple(client_nos), tuple(sorted(by_tier.items())), everything=left == 0,
    )


def execute(session: Session, chosen: Plan, *, actor: Viewer | None, now: datetime, keep_access: bool = False) -> Result:
    """Move what `chosen` names (as it stands now: a client moved meanwhile stays where it went)."""
    selected = select(Client.id).where(*_selection(chosen.from_id, chosen.tiers, chosen.client_nos))
    ids = list(session.exec(selected).all())
    alerts = session.execute(
        update(Alert).where(Alert.client_id.in_(ids), Alert.cleared_at.is_(None), Alert.staff_id == chosen.from_id)
        .values(staff_id=chosen.to_id).execution_options(synchronize_session=False)
    ).rowcount if ids else 0
    moved = session.execute(
        update(Client).where(Client.id.in_(ids))
        .values(original_rm_id=func.coalesce(Client.original_rm_id, Client.rm_id), rm_id=chosen.to_id, unit_id=chosen.to_unit, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount if ids else 0
    derived.refresh_moved_books(session.connection())
    cut = False
    if not keep_access and session.exec(select(func.count()).where(Client.rm_id == chosen.from_id)).one() == 0:
        session.execute(update(Staff).where(Staff.id == chosen.from_id).values(telegram_user_id=None))
        cut = True
    audit.record(
        session, action="handover", now=now, staff_id=actor.staff_id if actor else None,
        target=f"{chosen.from_no}->{chosen.to_no}",
        detail=f"clients={moved} alerts={alerts} tiers={','.join(chosen.tiers) or 'all'} listed={len(chosen.client_nos)} access_cut={cut}",
    )
    session.flush()
    return Result(chosen, moved, max(alerts or 0, 0), cut)
