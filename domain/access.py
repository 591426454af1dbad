"""Who may see what: visibility follows the organisation (from a bank CRM policy).

An RM sees only their own clients; a team lead the team's; a branch or sub-branch head
everything under that unit; admins all. Deactivated or unlinked users see nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Integer, String, bindparam, false, true, update
from sqlmodel import Session, select

from domain.models import Client, Role, Staff, Unit


@dataclass(frozen=True)
class Viewer:
    """The signed-in staff member on whose behalf a query runs."""

    staff_id: int
    name: str
    role: str
    unit_id: int
    unit_path: str
    team_id: int | None
    locale: str | None = None
    time_zone: str | None = None
    blocked: bool = False
    """Telegram refused a message to them (they blocked the bot); writing again lifts it."""

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    @property
    def sees_units(self) -> bool:
        """Sees clients by organisation unit (a branch's subtree or the bank), not by owner."""
        return self.role in (Role.branch_head, Role.admin)

    @property
    def leads_people(self) -> bool:
        return self.role in (Role.team_lead, Role.branch_head, Role.admin)


def viewer_from_staff(staff: Staff, unit: Unit) -> Viewer:
    return Viewer(
        staff_id=staff.id or 0,
        name=staff.name,
        role=staff.role,
        unit_id=unit.id or 0,
        unit_path=unit.path,
        team_id=staff.team_id,
        locale=staff.locale,
        time_zone=staff.time_zone,
    )


_VIEWER_BY_TELEGRAM = (
    select(
        Staff.id, Staff.name, Staff.role, Unit.id, Unit.path, Staff.team_id, Staff.locale, Staff.time_zone,
        Staff.blocked_at.is_not(None),
    )
    .join(Unit, Unit.id == Staff.unit_id)
    .where(Staff.telegram_user_id == bindparam("telegram_user_id"), Staff.active == True)  # noqa: E712
    .limit(1)
)
"""Built once: the sign-in gate runs it on every update."""


def viewer_for_telegram(session: Session, telegram_user_id: int) -> Viewer | None:
    """The active staff member linked to this Telegram account, or None: strangers see nothing."""
    row = session.execute(_VIEWER_BY_TELEGRAM, {"telegram_user_id": telegram_user_id}).first()
    return None if row is None else Viewer(*row[:8], blocked=bool(row[8]))


def lift_block(session: Session, staff_id: int) -> None:
    """They wrote to the bot again: digests and alerts may reach them once more."""
    session.execute(update(Staff).where(Staff.id == staff_id).values(blocked_at=None))


def viewer_for_employee(session: Session, employee_no: str) -> Viewer | None:
    row = session.exec(
        select(Staff, Unit).join(Unit, Unit.id == Staff.unit_id).where(Staff.employee_no == employee_no)
    ).first()
    return None if row is None else viewer_from_staff(*row)


def subtree_units(path):  # noqa: ANN001, ANN201
    """Ids of the unit at `path` (a value or a parameter) and every unit under it."""
    return select(Unit.id).where(Unit.path.startswith(path))


def visible_staff(viewer: Viewer) -> ColumnElement[bool]:
    """Staff whose work this viewer may look at (always including themselves)."""
    if viewer.role == Role.admin:
        return true()
    if viewer.role == Role.branch_head:
        return Staff.unit_id.in_(subtree_units(viewer.unit_path))
    if viewer.role == Role.team_lead and viewer.team_id is not None:
        return (Staff.team_id == viewer.team_id) | (Staff.id == viewer.staff_id)
    return Staff.id == viewer.staff_id


def visibility_shape(viewer: Viewer) -> str:
    """Which rule limits this viewer: "all", "units" (a subtree), "team", "own" or "none"."""
    if viewer.role == Role.admin:
        return "all"
    if viewer.role == Role.branch_head:
        return "units"
    if viewer.role == Role.team_lead and viewer.team_id is not None:
        return "team"
    if viewer.role in (Role.rm, Role.team_lead):
        return "own"
    return "none"


def visibility_parameters(viewer: Viewer) -> dict[str, object]:
    """The values `visible_clients_clause` takes, for this viewer."""
    return {"visible_staff": viewer.staff_id, "visible_team": viewer.team_id, "visible_path": viewer.unit_path}


def _visibility(shape: str, drive: bool, staff: Any, team: Any, path: Any) -> ColumnElement[bool]:
    """The rule, once: with the viewer's values, or with parameters for a prepared statement."""
    if shape == "all":
        return true()
    if shape == "units":
        unit = Client.unit_id if drive else Client.unit_id + 0
        return unit.in_(subtree_units(path))
    if shape == "team":
        return Client.rm_id.in_(select(Staff.id).where(Staff.team_id == team)) | (Client.rm_id == staff)
    if shape == "own":
        return Client.rm_id == staff
    return false()


@cache
def visible_clients_clause(shape: str, drive: bool = True) -> ColumnElement[bool]:
    """The visibility rule for `shape` with the viewer as parameters (see visibility_parameters),
    built once: statements prepared ahead for the commonest updates use it as it is."""
    return _visibility(
        shape, drive,
        bindparam("visible_staff", type_=Integer), bindparam("visible_team", type_=Integer), bindparam("visible_path", type_=String),
    )


def visible_clients(viewer: Viewer, *, drive: bool = True) -> ColumnElement[bool]:
    """A WHERE clause on `Client` limiting any query to what this viewer may see.

    An RM sees their own clients; a team lead the team's (and their own); a branch head every
    client of a unit in their subtree; an admin all. `drive=False` writes a branch head's unit
    test so that no index serves it: for queries that another index (a name, a tier) should
    drive, where walking a branch's every client by unit would be the slow plan."""
    return _visibility(visibility_shape(viewer), drive, viewer.staff_id, viewer.team_id, viewer.unit_path)


def can_see_client(session: Session, viewer: Viewer, client_id: int) -> bool:
    return session.exec(select(Client.id).where(Client.id == client_id, visible_clients(viewer))).first() is not None
