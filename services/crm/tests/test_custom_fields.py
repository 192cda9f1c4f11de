"""Custom fields through the running service: definitions managed by admins, values on
clients checked, shown, filtered and sorted; archiving never breaks an object."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from services.crm.domain.custom_field_queries import SORT_KINDS
from services.crm.domain.custom_fields import TYPES
from services.crm.models import Client
from services.crm.use_cases import custom_fields, members
from shared.db import tenant_transaction
from shared.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    Unprocessable,
    ValidationFailed,
)
from shared.platform_tables import outbox
from shared.testing import statements_sent

TIER = {"entity": "client", "key": "tier", "label": "Tier", "type": "single_select",
        "options": [{"value": "gold", "label": "Gold"}, {"value": "silver"},
                    {"value": "bronze"}]}


def client(api, name, **custom):
    return api.create_client(name=name, currency="EUR", custom=custom)


@pytest.fixture
def add_member(crm_db, firm):
    """Make a user an active member as identity's event would (a user field names one)."""
    def add(user_id):
        with tenant_transaction(crm_db.sessions, firm.context()) as session:
            members.record_member(session, tenant_id=uuid.UUID(firm.tenant_id),
                                  user_id=uuid.UUID(user_id), occurred_at=datetime.now(UTC),
                                  role="member")
        return user_id
    return add


def test_an_admin_defines_fields_and_every_member_reads_them_in_order(rpc, firm):
    admin = rpc.as_(firm, "admin")
    tier = admin.create_custom_field(**TIER)
    assert tier["key"] == "tier" and tier["version"] == 1 and tier["position"] == 0
    assert tier["options"][1] == {"value": "silver", "label": "silver"}
    seats = admin.create_custom_field(entity="client", key="seats", label="Seats",
                                      type="number", required=False)
    first = admin.create_custom_field(entity="client", key="region", label="Region",
                                      type="text", position=0)
    admin.create_custom_field(entity="contact", key="tier", label="Tier", type="text")
    listed = rpc.as_(firm, "viewer").list_custom_fields(entity="client")
    keys = [d["key"] for d in listed["data"]]
    assert set(keys[:2]) == {"tier", "region"} and keys[2] == "seats"  # position, then id
    assert [d["position"] for d in listed["data"]] == [0, 0, 1]
    assert seats["position"] == 1 and first["position"] == 0
    assert rpc.as_(firm, "member").get_custom_field(custom_field_id=tier["id"]) == tier
    assert len(rpc.as_(firm).list_custom_fields()["data"]) == 4


def test_members_and_viewers_cannot_manage_fields(rpc, firm):
    tier = rpc.as_(firm).create_custom_field(**TIER)
    for role in ("member", "viewer"):
        with pytest.raises(PermissionDenied):
            rpc.as_(firm, role).create_custom_field(**{**TIER, "key": "other"})
        with pytest.raises(PermissionDenied):
            rpc.as_(firm, role).update_custom_field(custom_field_id=tier["id"], label="X")
        with pytest.raises(PermissionDenied):
            rpc.as_(firm, role).archive_custom_field(custom_field_id=tier["id"])


def test_another_tenants_definitions_are_invisible(rpc, firm, other_firm):
    tier = rpc.as_(firm).create_custom_field(**TIER)
    stranger = rpc.as_(other_firm)
    assert stranger.list_custom_fields(entity="client")["data"] == []
    with pytest.raises(NotFound):
        stranger.get_custom_field(custom_field_id=tier["id"])
    with pytest.raises(NotFound):
        stranger.update_custom_field(custom_field_id=tier["id"], label="Mine")
    with pytest.raises(ValidationFailed) as refused:
        client(stranger, "Other", tier="gold")
    assert refused.value.errors == {"custom.tier": ["No such custom field."]}
    assert stranger.create_custom_field(**{**TIER, "type": "text", "options": None})["type"] \
        == "text"


def test_definitions_are_checked(rpc, firm):
    admin = rpc.as_(firm)
    with pytest.raises(ValidationFailed) as refused:
        admin.create_custom_field(entity="invoice", key="Bad Key", label="", type="float")
    assert set(refused.value.errors) == {"entity", "key", "label", "type"}
    with pytest.raises(ValidationFailed) as no_options:
        admin.create_custom_field(entity="client", key="tier", label="Tier",
                                  type="single_select")
    assert set(no_options.value.errors) == {"options"}
    with pytest.raises(ValidationFailed) as twice:
        admin.create_custom_field(**{**TIER, "options": [{"value": "a"}, {"value": "a"}]})
    assert set(twice.value.errors) == {"options.1.value"}
    admin.create_custom_field(**TIER)
    with pytest.raises(Conflict):
        admin.create_custom_field(**TIER)


def test_updates_need_the_current_version_and_never_change_key_or_type(rpc, firm):
    admin = rpc.as_(firm)
    tier = admin.create_custom_field(**TIER)
    changed = admin.update_custom_field(custom_field_id=tier["id"], expected_version=1,
                                        label="Client tier", required=True)
    assert changed["label"] == "Client tier" and changed["required"] is True
    assert changed["version"] == 2
    with pytest.raises(PreconditionFailed):
        admin.update_custom_field(custom_field_id=tier["id"], expected_version=1, label="Y")
    with pytest.raises(ValidationFailed) as refused:
        admin.update_custom_field(custom_field_id=tier["id"], type="text", key="level")
    assert set(refused.value.errors) == {"type", "key"}
    assert "never changes" in refused.value.errors["key"][0]
    with pytest.raises(ValidationFailed):
        admin.update_custom_field(custom_field_id=tier["id"], options=[])


def test_values_are_checked_by_type_and_returned_with_the_client(rpc, firm):
    admin = rpc.as_(firm)
    admin.create_custom_field(**TIER)
    admin.create_custom_field(entity="client", key="seats", label="Seats", type="number")
    admin.create_custom_field(entity="client", key="rate", label="Rate", type="decimal")
    admin.create_custom_field(entity="client", key="budget", label="Budget", type="money")
    admin.create_custom_field(entity="client", key="since", label="Since", type="date")
    admin.create_custom_field(entity="client", key="manager", label="Manager", type="user")
    created = client(rpc.as_(firm, "member"), "Acme", tier="gold", seats=12, rate="1.50",
                     budget={"amount": "1000", "currency": "eur"}, since="2024-02-29",
                     manager=firm.user("member"))
    assert created["custom"] == {
        "tier": "gold", "seats": 12, "rate": "1.5",
        "budget": {"amount": "1000.00", "currency": "EUR"}, "since": "2024-02-29",
        "manager": firm.user("member")}
    assert rpc.as_(firm, "viewer").get_client(client_id=created["id"])["custom"] == \
        created["custom"]
    with pytest.raises(ValidationFailed) as refused:
        client(admin, "Bad", tier="platinum", seats=1.5, rate=1.5, since="2023-02-29",
               budget={"amount": 1.5, "currency": "EUR"}, manager=str(uuid.uuid4()), colour="x")
    assert set(refused.value.errors) == {f"custom.{k}" for k in (
        "tier", "seats", "rate", "since", "budget", "manager", "colour")}


def test_required_fields_apply_to_new_objects_and_to_updates_of_custom_values(
        rpc, firm, crm_db):
    admin = rpc.as_(firm)
    old = client(admin, "Old")
    tier = admin.create_custom_field(**TIER)
    admin.update_custom_field(custom_field_id=tier["id"], required=True)
    assert admin.get_client(client_id=old["id"])["custom"] == {}
    with pytest.raises(ValidationFailed) as refused:
        client(admin, "New")
    assert refused.value.errors == {"custom.tier": ["Required."]}
    assert client(admin, "New", tier="silver")["custom"] == {"tier": "silver"}
    with tenant_transaction(crm_db.sessions, firm.context()) as session:
        assert custom_fields.checked_values(session, "client", {}, current={}) == {}
        with pytest.raises(ValidationFailed):
            custom_fields.checked_values(session, "client", {"tier": None},
                                         current={"tier": "gold"})


def test_a_removed_option_is_kept_where_held_and_refused_for_new_writes(rpc, firm, crm_db):
    admin = rpc.as_(firm)
    tier = admin.create_custom_field(**TIER)
    held = client(admin, "Holder", tier="bronze")
    admin.update_custom_field(custom_field_id=tier["id"], options=TIER["options"][:2])
    assert admin.get_client(client_id=held["id"])["custom"] == {"tier": "bronze"}
    assert [c["name"] for c in admin.list_clients(custom={"tier": "bronze"})["data"]] == [
        "Holder"]
    with pytest.raises(ValidationFailed) as refused:
        client(admin, "New", tier="bronze")
    assert set(refused.value.errors) == {"custom.tier"}
    with tenant_transaction(crm_db.sessions, firm.context()) as session:
        kept = custom_fields.checked_values(session, "client", {"tier": "bronze"},
                                            current={"tier": "bronze"})
        assert kept == {"tier": "bronze"}


def test_archiving_hides_values_and_never_breaks_reading_or_updating(rpc, firm, crm_db):
    admin = rpc.as_(firm)
    tier = admin.create_custom_field(**{**TIER, "required": True})
    admin.create_custom_field(entity="client", key="seats", label="Seats", type="number")
    acme = client(admin, "Acme", tier="gold", seats=3)
    archived = admin.archive_custom_field(custom_field_id=tier["id"])
    assert archived["archived_at"] is not None
    assert admin.archive_custom_field(custom_field_id=tier["id"])["version"] == \
        archived["version"]
    assert admin.get_client(client_id=acme["id"])["custom"] == {"seats": 3}
    assert admin.list_clients()["data"][0]["custom"] == {"seats": 3}
    assert admin.list_custom_fields(entity="client")["data"][0]["key"] == "seats"
    assert len(admin.list_custom_fields(entity="client", include_archived=True)["data"]) == 2
    assert client(admin, "No tier needed")["custom"] == {}
    with pytest.raises(ValidationFailed):
        admin.list_clients(custom={"tier": "gold"})
    with pytest.raises(ValidationFailed):
        admin.list_clients(sort="custom.tier")
    with pytest.raises(Unprocessable):
        admin.update_custom_field(custom_field_id=tier["id"], label="X")
    with tenant_transaction(crm_db.sessions, firm.context()) as session:
        stored = session.get(Client, uuid.UUID(acme["id"]))
        assert stored is not None and stored.custom == {"tier": "gold", "seats": 3}
        updated = custom_fields.checked_values(session, "client", {"seats": 4},
                                               current=stored.custom)
        assert updated == {"tier": "gold", "seats": 4}
        with pytest.raises(ValidationFailed):
            custom_fields.checked_values(session, "client", {"tier": "gold"},
                                         current=stored.custom)


def test_an_archived_key_revives_with_its_type_and_refuses_another(rpc, firm):
    admin = rpc.as_(firm)
    tier = admin.create_custom_field(**TIER)
    acme = client(admin, "Acme", tier="gold")
    admin.archive_custom_field(custom_field_id=tier["id"])
    with pytest.raises(Conflict):
        admin.create_custom_field(entity="client", key="tier", label="Tier", type="number")
    revived = admin.create_custom_field(**{**TIER, "label": "Level"})
    assert revived["id"] == tier["id"] and revived["archived_at"] is None
    assert revived["label"] == "Level"
    assert admin.get_client(client_id=acme["id"])["custom"] == {"tier": "gold"}


def test_lists_filter_by_custom_values_of_every_type(rpc, firm, add_member):
    admin = rpc.as_(firm)
    admin.create_custom_field(**{**TIER, "type": "multi_select", "key": "services"})
    admin.create_custom_field(**{**TIER, "key": "tier"})
    for key, field_type in (("seats", "number"), ("rate", "decimal"), ("vip", "boolean"),
                            ("since", "date"), ("budget", "money"), ("city", "text"),
                            ("about", "long_text"), ("site", "url"), ("mail", "email"),
                            ("manager", "user")):
        admin.create_custom_field(entity="client", key=key, label=key, type=field_type)
    assert {d["type"] for d in admin.list_custom_fields(entity="client")["data"]} == set(TYPES)
    ann = add_member(str(uuid.uuid4()))
    about = "Met at the fair.\n" + "Long story. " * 100
    client(admin, "A", services=["gold", "silver"], seats=5, rate="2.50", vip=True,
           since="2024-01-01", budget={"amount": "10", "currency": "EUR"}, city="Berlin",
           tier="gold", about=about, site="https://a.example/shop", mail="Info@A.example",
           manager=ann)
    client(admin, "B", services=["silver"], seats=7, rate="2.5", vip=False,
           since="2024-01-02", city="Paris", tier="silver", about="Short.",
           site="https://b.example", mail="info@b.example", manager=firm.user("owner"))
    client(admin, "C")

    def names(**custom):
        return [c["name"] for c in admin.list_clients(custom=custom)["data"]]

    assert names(services="silver") == ["A", "B"]
    assert names(services="gold") == ["A"]
    assert names(tier="silver") == ["B"]
    assert names(seats="7") == ["B"]
    assert names(rate="2.500") == ["A", "B"]
    assert names(vip="false") == ["B"]
    assert names(since="2024-01-01") == ["A"]
    assert names(budget="10.00 EUR") == ["A"]
    assert names(city="Paris", seats="7") == ["B"]
    assert names(city="Paris", seats="5") == []
    assert names(about=about.strip()) == ["A"]  # the whole value: equality, not a search
    assert names(about="Short") == []
    assert names(site="https://a.example/shop") == ["A"]
    assert names(site="https://a.example") == []
    assert names(mail="INFO@a.example") == ["A"]  # stored and filtered lower-cased
    assert names(manager=ann) == ["A"]
    assert names(manager=firm.user("owner").upper()) == ["B"]
    with pytest.raises(ValidationFailed) as refused:
        admin.list_clients(custom={"seats": "many", "nope": "x", "site": "ftp://a.example",
                                   "mail": "not an address", "manager": "nobody"})
    assert set(refused.value.errors) == {f"custom.{k}" for k in (
        "seats", "nope", "site", "mail", "manager")}


USERS = [f"{digit}0000000-0000-4000-8000-000000000000" for digit in "123"]
"""Member ids in their sort order (text), for the user field's sort."""


SORTED = [
    ("number", [5, -3, None, 12], ["c", "b", "a", "d"]),
    ("decimal", ["10.5", "9.75", None, "100"], ["c", "b", "a", "d"]),
    ("money", [{"amount": "20", "currency": "EUR"}, {"amount": "3", "currency": "EUR"}, None,
               {"amount": "100", "currency": "EUR"}], ["c", "b", "a", "d"]),
    ("date", ["2024-03-01", "2023-12-31", None, "2025-01-01"], ["c", "b", "a", "d"]),
    ("text", ["m", "b", None, "z"], ["c", "b", "a", "d"]),
    ("long_text", ["m\n" + "m" * 600, "b" * 600, None, "z"], ["c", "b", "a", "d"]),
    ("url", ["https://m.example", "http://b.example", None, "https://z.example"],
     ["c", "b", "a", "d"]),
    ("email", ["M@m.example", "b@b.example", None, "z@a.example"], ["c", "b", "a", "d"]),
    ("user", [USERS[1], USERS[0], None, USERS[2]], ["c", "b", "a", "d"]),
    ("boolean", [True, False, None, True], ["c", "b", "a", "d"]),
    ("single_select", ["bronze", "silver", None, "gold"], ["c", "d", "b", "a"]),
]
"""(type, values of a, b, c, d, their ascending order) for every type that sorts."""


def test_the_sort_walk_covers_every_type_that_sorts():
    assert {case[0] for case in SORTED} == set(SORT_KINDS) == set(TYPES) - {"multi_select"}


@pytest.mark.parametrize("field_type, values, order", SORTED)
def test_a_custom_sorted_list_walks_to_its_end_with_every_row_once(
        rpc, firm, add_member, field_type, values, order):
    admin = rpc.as_(firm)
    if field_type == "user":
        for user_id in USERS:
            add_member(user_id)
    options = TIER["options"] if field_type == "single_select" else None
    admin.create_custom_field(entity="client", key="k", label="K", type=field_type,
                              options=options)
    for name, value in zip("abcd", values, strict=True):
        client(admin, name, **({} if value is None else {"k": value}))
    for extra in range(5):  # ties on the sort key: the id breaks them, across pages
        client(admin, f"tie{extra}", **({} if values[0] is None else {"k": values[0]}))
    # money sorts within one currency (ADR 0020): its filter leaves out c, which has none
    query = {"custom": {"k": "EUR"}} if field_type == "money" else {}
    expected = [n for n in order if n != "c"] if query else order
    for sort in ("custom.k", "-custom.k"):
        seen, cursor = [], None
        while True:
            page = admin.list_clients(sort=sort, limit=2, cursor=cursor, **query)
            seen += [c["name"] for c in page["data"]]
            cursor = page["page"]["next_cursor"]
            if not page["page"]["has_more"]:
                break
        assert sorted(seen) == sorted([*expected, *(f"tie{i}" for i in range(5))])
        plain = [n for n in seen if not n.startswith("tie")]
        if field_type == "boolean":  # a and d are both true: only the groups are ordered
            groups = ["c", "b", "ad", "ad"]
            assert ["ad" if n in "ad" else n for n in plain] == (
                groups if sort == "custom.k" else groups[::-1])
        else:
            assert plain == (expected if sort == "custom.k" else expected[::-1])
        if not query:
            assert seen.index("c") in ((0, len(seen) - 1))


def test_multi_selects_are_not_sortable_and_unknown_keys_are_refused(rpc, firm):
    admin = rpc.as_(firm)
    admin.create_custom_field(**{**TIER, "type": "multi_select"})
    for sort in ("custom.tier", "-custom.nope"):
        with pytest.raises(ValidationFailed) as refused:
            admin.list_clients(sort=sort)
        assert set(refused.value.errors) == {"sort"}


def test_admins_changes_are_recorded_as_events(rpc, firm, crm_db):
    admin = rpc.as_(firm, "admin")
    tier = admin.create_custom_field(**TIER)
    admin.update_custom_field(custom_field_id=tier["id"], label="Level", position=3)
    admin.update_custom_field(custom_field_id=tier["id"], label="Level")  # no change
    admin.archive_custom_field(custom_field_id=tier["id"])
    admin.create_custom_field(**TIER)
    with tenant_transaction(crm_db.sessions, firm.context()) as session:
        envelopes = session.execute(
            select(outbox.c.envelope).where(outbox.c.event_type.like("crm.custom_field.%"))
            .order_by(outbox.c.seq)).scalars().all()
    assert [e["type"] for e in envelopes] == [
        "crm.custom_field.created", "crm.custom_field.updated", "crm.custom_field.archived",
        "crm.custom_field.restored"]
    assert envelopes[1]["data"]["changed"] == ["label", "position"]
    assert {e["data"]["actor_id"] for e in envelopes} == {firm.user("admin")}
    assert {e["data"]["custom_field_id"] for e in envelopes} == {tier["id"]}


def test_showing_a_page_of_values_costs_one_query_whatever_its_length(rpc, firm, crm_db):
    rpc.as_(firm).create_custom_field(**TIER)
    with tenant_transaction(crm_db.sessions, firm.context()) as session:
        session.connection()  # the scope's SET LOCAL is not ours to count
        with statements_sent(crm_db.engine) as sent:
            shown = custom_fields.shown_values(session, "client")
            pages = [shown({"tier": "gold", "gone": 1}) for _ in range(25)]
    assert len(sent) == 1 and "custom_field_definitions" in sent[0][0]
    assert pages[0] == {"tier": "gold"} and len(pages) == 25
