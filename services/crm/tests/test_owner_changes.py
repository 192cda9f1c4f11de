"""Flagging and reassigning a member's records in batches: every record changed gets a new
version and its own `updated` event; running it again finishes what is left, twice nothing.

The use cases run here directly on crm's database (app role, RLS on) with batches of two,
so a handful of records spans several transactions."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from services.crm.use_cases import clients, contacts, members, owner_changes
from shared.db import tenant_transaction
from shared.errors import PermissionDenied


@pytest.fixture
def transaction(crm_db, firm):
    return lambda: tenant_transaction(crm_db.sessions, firm.context("admin"))


def _member(transaction, firm, user_id, *, active=True):
    with transaction() as session:
        members.record_member(session, tenant_id=uuid.UUID(firm.tenant_id),
                              user_id=uuid.UUID(user_id), occurred_at=datetime.now(UTC),
                              role="member", active=active, name="Ann")


def _owned_records(transaction, firm, records, owner):
    """Three clients, two contacts, two open deals and a won one, all `owner`'s."""
    ctx = firm.context("admin")
    with transaction() as session:
        made = [clients.create_client(session, ctx, name=f"Client {i}", currency="EUR",
                                      custom={}, owner_id=owner)["id"] for i in range(3)]
        people = [contacts.create_contact(session, ctx, first_name=f"Zed {i}",
                                          owner_id=owner)["id"] for i in range(2)]
    deals = [records.add_deal(firm.tenant_id, str(made[0]), owner) for _ in range(2)]
    won = records.add_deal(firm.tenant_id, str(made[0]), owner, status="won")
    return [str(c) for c in made], [str(c) for c in people], deals, won


def _versions(records, firm, table):
    with records.engine.begin() as conn:
        conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": firm.tenant_id})
        return {str(r.id): (r.version, r.owner_id, r.owner_flagged) for r in conn.execute(
            text(f"SELECT id, version, owner_id::text, owner_flagged FROM {table}"))}


def _updates(records, firm):
    return [e["data"] for e in records.events(firm.tenant_id) if e["type"].endswith(".updated")]


def test_a_removed_members_records_are_flagged_in_batches_each_with_a_version_and_an_event(
        transaction, firm, records):
    ann = str(uuid.uuid4())
    _member(transaction, firm, ann)
    made, people, deals, won = _owned_records(transaction, firm, records, ann)
    _member(transaction, firm, ann, active=False)
    remover = uuid.UUID(firm.user("owner"))

    flagged = owner_changes.flag_records_of(transaction, firm.context("admin"),
                                            uuid.UUID(ann), actor_id=remover, batch_size=2)
    assert flagged == {"clients": 3, "contacts": 2, "deals": 2}
    assert {k: v[0] for k, v in _versions(records, firm, "clients").items()} == {
        c: 2 for c in made}
    assert all(v[2] for v in _versions(records, firm, "contacts").values())
    dealt = _versions(records, firm, "deals")
    assert [(dealt[d][0], dealt[d][2]) for d in deals] == [(2, True)] * 2
    assert (dealt[won][0], dealt[won][2]) == (1, False)
    announced = _updates(records, firm)
    assert sorted(e.get("client_id") or e.get("contact_id") or e["deal_id"]
                  for e in announced) == sorted([*made, *people, *deals])
    assert all((e["changed"], e["owner_id"], e["actor_id"]) == (
        ["owner_flagged"], ann, str(remover)) for e in announced)

    again = owner_changes.flag_records_of(transaction, firm.context("admin"), uuid.UUID(ann),
                                          actor_id=remover, batch_size=2)
    assert again == {"clients": 0, "contacts": 0, "deals": 0}
    assert len(_updates(records, firm)) == len(announced)


def test_nothing_is_flagged_for_a_member_who_is_active_again(transaction, firm, records):
    ann = str(uuid.uuid4())
    _member(transaction, firm, ann)
    _owned_records(transaction, firm, records, ann)
    counts = owner_changes.flag_records_of(transaction, firm.context("admin"), uuid.UUID(ann),
                                           actor_id=uuid.uuid4(), batch_size=2)
    assert counts == {"clients": 0, "contacts": 0, "deals": 0}
    assert _updates(records, firm) == []


def test_a_reassignment_announces_each_record_it_moves_then_sums_it_up(
        transaction, firm, records):
    ann, bob = str(uuid.uuid4()), str(uuid.uuid4())
    _member(transaction, firm, ann)
    _member(transaction, firm, bob)
    made, people, deals, won = _owned_records(transaction, firm, records, ann)
    _member(transaction, firm, ann, active=False)
    owner_changes.flag_records_of(transaction, firm.context("admin"), uuid.UUID(ann),
                                  actor_id=uuid.uuid4(), batch_size=2)
    with transaction() as session:  # one client of Ann's came after the flagging
        late = str(clients.create_client(session, firm.context("admin"), name="Late",
                                         currency="EUR", custom={},
                                         owner_id=firm.user("admin"))["id"])
        session.execute(text("UPDATE clients SET owner_id = :a WHERE id = :c"),
                        {"a": ann, "c": late})
    before = len(records.events(firm.tenant_id))

    with pytest.raises(PermissionDenied):
        owner_changes.reassign_records(transaction, firm.context("member"),
                                       from_user_id=uuid.UUID(ann), to_user_id=uuid.UUID(bob))
    moved = owner_changes.reassign_records(transaction, firm.context("admin"),
                                           from_user_id=uuid.UUID(ann),
                                           to_user_id=uuid.UUID(bob), batch_size=2)
    assert (moved["clients"], moved["contacts"], moved["deals"]) == (4, 2, 2)
    assert all(v[1:] == (bob, False) for v in _versions(records, firm, "contacts").values())
    assert _versions(records, firm, "deals")[won][1] == ann
    events = records.events(firm.tenant_id)[before:]
    *updates, summary = events
    assert len(updates) == 8 and {e["data"]["owner_id"] for e in updates} == {bob}
    by_record = {e["data"].get("client_id") or e["data"].get("contact_id")
                 or e["data"]["deal_id"]: e["data"]["changed"] for e in updates}
    assert by_record[late] == ["owner_id"]
    assert by_record[made[0]] == by_record[people[0]] == by_record[deals[0]] == [
        "owner_id", "owner_flagged"]
    assert (summary["type"], summary["data"]["clients"], summary["data"]["actor_id"]) == (
        "crm.records.reassigned", 4, firm.user("admin"))

    nothing = owner_changes.reassign_records(transaction, firm.context("admin"),
                                             from_user_id=uuid.UUID(ann),
                                             to_user_id=uuid.UUID(bob), batch_size=2)
    assert (nothing["clients"], nothing["contacts"], nothing["deals"]) == (0, 0, 0)
    assert len(records.events(firm.tenant_id)) == len(events) + before


def test_a_reassignment_past_its_budget_moves_part_says_what_remains_and_a_repeat_finishes(
        transaction, firm, records):
    ann, bob = str(uuid.uuid4()), str(uuid.uuid4())
    _member(transaction, firm, ann)
    _member(transaction, firm, bob)
    made, people, deals, won = _owned_records(transaction, firm, records, ann)
    before = len(records.events(firm.tenant_id))

    def reassign() -> dict:
        return owner_changes.reassign_records(
            transaction, firm.context("admin"), from_user_id=uuid.UUID(ann),
            to_user_id=uuid.UUID(bob), batch_size=2,
            budget=owner_changes.Budget(batches=2, seconds=60))

    first = reassign()  # two batches: the three clients
    assert (first["clients"], first["contacts"], first["deals"], first["remaining"]) == (
        3, 0, 0, 4)
    second = reassign()
    assert (second["clients"], second["contacts"], second["deals"], second["remaining"]) == (
        0, 2, 2, 0)
    assert reassign()["remaining"] == 0

    owners = {**_versions(records, firm, "clients"), **_versions(records, firm, "contacts"),
              **_versions(records, firm, "deals")}
    assert {rid for rid, (_v, owner, _f) in owners.items() if owner == ann} == {won}
    events = records.events(firm.tenant_id)[before:]
    announced = sorted(e["data"].get("client_id") or e["data"].get("contact_id")
                       or e["data"]["deal_id"] for e in events if e["type"].endswith(".updated"))
    assert announced == sorted([*made, *people, *deals])  # each moved record once
    assert [e["type"] for e in events].count("crm.records.reassigned") == 2


def test_a_reassignment_stops_starting_batches_when_its_time_is_up(transaction, firm, records):
    ann, bob = str(uuid.uuid4()), str(uuid.uuid4())
    _member(transaction, firm, ann)
    _member(transaction, firm, bob)
    _owned_records(transaction, firm, records, ann)
    ticks = iter(range(100))
    budget = owner_changes.Budget(batches=100, seconds=1.5, clock=lambda: next(ticks))

    moved = owner_changes.reassign_records(transaction, firm.context("admin"),
                                           from_user_id=uuid.UUID(ann),
                                           to_user_id=uuid.UUID(bob), batch_size=2,
                                           budget=budget)
    assert (moved["clients"], moved["contacts"], moved["deals"], moved["remaining"]) == (
        2, 0, 0, 5)
