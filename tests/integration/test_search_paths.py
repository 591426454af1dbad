"""Search across a branch or the bank through indexes: the name-part index kept by triggers, and
the tier-by-tier reading of large results, which must rank exactly as sorting everything does."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, text, update
from sqlmodel import select

import domain.search
from domain.access import viewer_for_employee
from domain.bulk import CLIENT, Natives, write_rows
from domain.models import Client, ClientNamePart
from domain.search import PAGE_SIZE, find_clients, parse_query
from tests.factories import client_row, make_bank

NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
TIERS = ("private", "wealth", "premium", "mass", "class1")  # in rank order; corporate classes last


@pytest.fixture
def bank(engine):
    """E00004's book: 45 clients, most with 伟 somewhere in the name, over every tier, with
    ties in AUM; two exact 李伟; three owned by the branch head E00002 itself."""
    with engine.begin() as connection:
        made = make_bank(connection, clients=0)
        n = Natives.for_dialect(connection.dialect.name)
        staff = dict(connection.execute(text("SELECT employee_no, id FROM staff")).all())
        outlet = made.units["OT0001"]
        names = ["李伟", "李伟", "伟华", "张伟强", "王大伟", "刘小伟"]
        rows = []
        for number in range(1, 46):
            owner = staff["E00002"] if number % 15 == 0 else staff["E00004"]
            name = names[number % len(names)] if number % 9 else "赵敏"
            rows.append(client_row(n, number, rm_id=owner, unit_id=outlet, name=name,
                                   aum=str((number % 7) * 100_000), tier=TIERS[number % len(TIERS)]))
        write_rows(connection, CLIENT, rows)
    return made


def _all_pages(session, employee_no, typed):
    viewer = viewer_for_employee(session, employee_no)
    pages, page = [], 0
    while True:
        result = find_clients(session, viewer, parse_query(typed), page, now=NOW)
        pages.append([hit.client_no for hit in result.hits])
        if not result.has_next:
            return pages, result.total
        page += 1


@pytest.mark.parametrize("dense", [10_000, 1])
@pytest.mark.parametrize("walk", [2_000, 3, 1])
@pytest.mark.parametrize("typed", ["伟", "李伟", "liwei", "lw", "l"])
@pytest.mark.parametrize("employee_no", ["E00001", "E00002"])
def test_a_large_result_read_tier_by_tier_pages_exactly_as_sorting_it_all(session, bank, monkeypatch, employee_no, typed, walk, dense):
    sorted_pages, total = _all_pages(session, employee_no, typed)
    assert total > PAGE_SIZE  # more than one page, so paging across segments is exercised
    monkeypatch.setattr(domain.search, "PROBE", 1)  # every result counts as large
    monkeypatch.setattr(domain.search, "WALK", walk)  # tiers read through the index, or walked after a few rows
    monkeypatch.setattr(domain.search, "DENSE", dense)  # each tier's matches counted, or too many to count
    assert _all_pages(session, employee_no, typed) == (sorted_pages, total)


def test_a_branch_head_sees_exact_names_then_own_clients_then_tiers_by_aum(session, bank):
    pages, _ = _all_pages(session, "E00002", "伟")
    hits = [no for page in pages for no in page]
    rows = {c.client_no: c for c in session.exec(select(Client))}
    head = viewer_for_employee(session, "E00002").staff_id
    keys = [(rows[no].name != "伟", rows[no].rm_id != head) for no in hits]
    assert keys == sorted(keys)
    rest = [rows[no] for no in hits if rows[no].rm_id != head and rows[no].name != "伟"]
    order = [TIERS.index(c.tier) for c in rest]
    assert order == sorted(order)
    assert "C000000009" not in hits  # 赵敏 has no 伟


def test_the_rm_and_the_branch_head_rank_the_rms_clients_alike(session, bank):
    rm_pages, _ = _all_pages(session, "E00004", "伟")
    head_pages, _ = _all_pages(session, "E00002", "伟")
    rm_hits = [no for page in rm_pages for no in page]
    head_hits = [no for page in head_pages for no in page if no in set(rm_hits)]
    assert rm_hits == head_hits


def _parts(session, client_no):
    client_id = session.exec(select(Client.id).where(Client.client_no == client_no)).one()
    return sorted(session.exec(select(ClientNamePart.part).where(ClientNamePart.client_id == client_id)))


def test_the_name_index_follows_every_insert_rename_and_delete_whoever_writes(session, bank):
    head = viewer_for_employee(session, "E00001")
    assert _parts(session, "C000000003") == sorted(["张伟强", "伟强", "强"])
    session.exec(update(Client).where(Client.client_no == "C000000003").values(name="张国强"))
    session.commit()
    assert _parts(session, "C000000003") == sorted(["张国强", "国强", "强"])
    assert "C000000003" in [h.client_no for h in find_clients(session, head, parse_query("国强"), 0, now=NOW).hits]
    assert "C000000003" not in [h.client_no for h in find_clients(session, head, parse_query("张伟强"), 0, now=NOW).hits]
    session.exec(delete(Client).where(Client.client_no == "C000000003"))
    session.commit()
    leftover = session.exec(select(ClientNamePart).where(ClientNamePart.part.in_(["国强", "张国强"]))).all()
    assert leftover == []


def test_a_change_of_tier_follows_into_the_name_index_and_the_ranking(session, bank, monkeypatch):
    """The name index carries each client's tier (so that a large search knows which matches are
    in a tier without reading them): a tier changed by any writer is followed, and the client then
    ranks in its new tier."""
    client = session.exec(select(Client).where(Client.client_no == "C000000004")).one()
    assert client.tier != "private"
    session.exec(update(Client).where(Client.id == client.id).values(tier="private", aum=9_000_000))
    session.commit()
    tiers = set(session.exec(select(ClientNamePart.tier).where(ClientNamePart.client_id == client.id)))
    assert tiers == {"private"}
    sorted_pages, total = _all_pages(session, "E00002", "伟")
    monkeypatch.setattr(domain.search, "PROBE", 1)
    monkeypatch.setattr(domain.search, "WALK", 1)
    assert _all_pages(session, "E00002", "伟") == (sorted_pages, total)
    head = viewer_for_employee(session, "E00002").staff_id
    owners = {row.client_no: row.rm_id for row in session.exec(select(Client))}
    others = [no for page in sorted_pages for no in page if owners[no] != head]
    assert others[0] == "C000000004"  # the richest private client, first after the head's own


def test_part_of_a_long_company_name_is_found_wherever_it_sits(session, bank):
    with session.get_bind().begin() as connection:
        n = Natives.for_dialect(connection.dialect.name)
        unit = connection.execute(text("SELECT id FROM unit WHERE code = 'OT0001'")).scalar_one()
        long_name = "上海浦东新区张江高科技园区某某生物医药研究有限公司"  # 25 characters
        write_rows(connection, CLIENT, [client_row(n, 900, rm_id=None, unit_id=unit, name=long_name)])
    admin = viewer_for_employee(session, "E00001")
    for typed in ("生物医药", "张江高科技园区某某生物医药研究有限", "有限公司", "上海浦东"):
        assert [h.client_no for h in find_clients(session, admin, parse_query(typed), 0, now=NOW).hits] == ["C000000900"], typed
    assert find_clients(session, admin, parse_query("张江高科技园区某某生物医药研究无限"), 0, now=NOW).hits == []


@pytest.mark.parametrize("employee_no", ["E00004", "E00002"])
def test_matches_are_counted_up_to_the_cap_and_paged_no_further(session, bank, monkeypatch, employee_no):
    monkeypatch.setattr(domain.search, "COUNT_CAP", 10)
    pages, total = _all_pages(session, employee_no, "伟")
    viewer = viewer_for_employee(session, employee_no)
    assert total == 10 and find_clients(session, viewer, parse_query("伟"), 0, now=NOW).capped
    assert [len(page) for page in pages] == [PAGE_SIZE, PAGE_SIZE]  # 2 pages of the capped 10 (the second one full)
