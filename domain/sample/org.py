"""The sample bank's organisation: one branch, its sub-branches and outlets, teams, and staff.

Sizes follow the client count: one RM per ~400 clients, teams of ~6–10 RMs under a team lead at an
outlet, one to three teams an outlet, four to eight outlets a sub-branch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from domain.models import Role, UnitKind
from domain.sample.names import personal_names

CLIENTS_PER_RM = 400
PERSONA_TELEGRAM_IDS = {"E00001": 100001, "E00002": 100002, "E00003": 100003, "E00004": 100004}

DISTRICTS = (
    "浦东",
    "黄浦",
    "徐汇",
    "长宁",
    "静安",
    "普陀",
    "虹口",
    "杨浦",
    "闵行",
    "宝山",
    "嘉定",
    "金山",
    "松江",
    "青浦",
    "奉贤",
    "崇明",
    "陆家嘴",
    "张江",
    "外滩",
    "虹桥",
    "五角场",
    "七宝",
    "莘庄",
    "川沙",
    "南翔",
    "安亭",
    "朱家角",
    "惠南",
    "临港",
    "金桥",
    "唐镇",
    "周浦",
    "江湾",
    "大场",
    "顾村",
    "曹路",
)
STREETS = (
    "世纪大道",
    "南京东路",
    "淮海中路",
    "人民路",
    "延安西路",
    "中山北路",
    "四川北路",
    "曹杨路",
    "长寿路",
    "天山路",
    "漕溪北路",
    "衡山路",
    "东方路",
    "张杨路",
    "浦电路",
    "龙阳路",
    "莲花路",
    "沪闵路",
    "共和新路",
    "武宁路",
    "大渡河路",
    "江宁路",
    "西藏南路",
    "复兴中路",
)


@dataclass(frozen=True)
class UnitPlan:
    code: str
    name: str
    kind: str
    parent: str | None


@dataclass(frozen=True)
class TeamPlan:
    code: str
    name: str
    unit: str


@dataclass(frozen=True)
class StaffPlan:
    employee_no: str
    name: str
    role: str
    unit: str
    team: str | None
    telegram_user_id: int | None


@dataclass(frozen=True)
class Organisation:
    units: tuple[UnitPlan, ...]
    teams: tuple[TeamPlan, ...]
    staff: tuple[StaffPlan, ...]
    rms: tuple[str, ...]
    """Employee numbers of the RMs who hold clients; the first is the demo RM, E00004."""
    lead_of_team: dict[str, str]


def rm_count(clients: int) -> int:
    return max(1, math.ceil(clients / CLIENTS_PER_RM))


def _team_sizes(rms: int, rng: np.random.Generator) -> list[int]:
    """Sizes summing to `rms`, each 6–10 when there are enough RMs."""
    teams = max(1, round(rms / 8))
    sizes = [rms // teams + (1 if i < rms % teams else 0) for i in range(teams)]
    for _ in range(teams):
        a, b = rng.integers(0, teams, 2)
        if a != b and sizes[a] > 6 and sizes[b] < 10:
            sizes[a] -= 1
            sizes[b] += 1
    return sizes


def _groups(count: int, low: int, high: int, rng: np.random.Generator) -> list[int]:
    """Split `count` items into consecutive groups of `low`–`high` (the last may be smaller)."""
    sizes: list[int] = []
    while count > 0:
        size = min(count, int(rng.integers(low, high + 1)))
        sizes.append(size)
        count -= size
    return sizes


def plan_organisation(clients: int, rng: np.random.Generator) -> Organisation:
    team_sizes = _team_sizes(rm_count(clients), rng)
    outlet_sizes = _groups(len(team_sizes), 1, 3, rng)
    sub_branch_sizes = _groups(len(outlet_sizes), 4, 8, rng)

    units = [
        UnitPlan("HO", "总行", UnitKind.head_office, None),
        UnitPlan("BR01", "上海分行", UnitKind.branch, "HO"),
    ]
    outlets: list[str] = []
    for s, size in enumerate(sub_branch_sizes):
        district = DISTRICTS[s % len(DISTRICTS)] + ("" if s < len(DISTRICTS) else str(s // len(DISTRICTS) + 1))
        code = f"SB{s + 1:02d}"
        units.append(UnitPlan(code, f"{district}支行", UnitKind.sub_branch, "BR01"))
        for o in range(size):
            outlet = f"OT{len(outlets) + 1:04d}"
            name = f"{district}支行营业部" if o == 0 else f"{district}{STREETS[(o - 1) % len(STREETS)]}网点"
            units.append(UnitPlan(outlet, name, UnitKind.outlet, code))
            outlets.append(outlet)

    teams: list[TeamPlan] = []
    team_outlet = [outlets[i] for i, size in enumerate(outlet_sizes) for _ in range(size)]
    names = {u.code: u.name for u in units}
    for t, outlet in enumerate(team_outlet):
        number = sum(1 for other in team_outlet[:t] if other == outlet) + 1
        teams.append(TeamPlan(f"T{t + 1:04d}", f"{names[outlet]}第{number}团队", outlet))

    roles: list[tuple[str, str, str | None]] = [(Role.admin, "HO", None), (Role.branch_head, "BR01", None)]
    for team, size in zip(teams, team_sizes, strict=True):
        roles.append((Role.team_lead, team.unit, team.code))
        roles.extend((Role.rm, team.unit, team.code) for _ in range(size))
    roles.extend((Role.branch_head, u.code, None) for u in units if u.kind == UnitKind.sub_branch)
    roles.append((Role.admin, "BR01", None))

    staff_names, _, _ = personal_names(rng, rng.random(len(roles)) < 0.55)
    staff = tuple(
        StaffPlan(
            employee_no=(number := f"E{i + 1:05d}"),
            name=str(name),
            role=str(role),
            unit=unit,
            team=team,
            telegram_user_id=PERSONA_TELEGRAM_IDS.get(number),
        )
        for i, ((role, unit, team), name) in enumerate(zip(roles, staff_names, strict=True))
    )
    return Organisation(
        units=tuple(units),
        teams=tuple(teams),
        staff=staff,
        rms=tuple(s.employee_no for s in staff if s.role == Role.rm),
        lead_of_team={s.team: s.employee_no for s in staff if s.role == Role.team_lead and s.team},
    )
