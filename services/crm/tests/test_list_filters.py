"""List filters through the running service on the real database: inclusive ranges on
custom fields (number, decimal, money, date) of clients, contacts and deals, money
compared and sorted within one currency, and the created/updated/closed time windows.
Filtered and sorted lists walk to their end by cursor with every row once; the money
range's currency is found through the GIN index by the app role under RLS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from services.crm.models import Client
from services.crm.use_cases import clients, custom_field_definitions, custom_fields
from shared.db import tenant_transaction
from shared.errors import ValidationFailed
from shared.testing import statements_sent

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def owner_db(crm_db):
    engine = create_engine(crm_db.owner_url)
    yield engine
    engine.dispose()


@pytest.fixture
def set_times(owner_db):
    """Give rows chosen timestamps (what the ORM would stamp at those instants)."""
    def set_(firm, table, row_id, **times):
        assignments = ", ".join(f"{column} = :{column}" for column in times)
        with owner_db.begin() as conn:
            conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"),
                         {"t": firm.tenant_id})
            conn.execute(text(f"UPDATE {table} SET {assignments} WHERE id = :id"),
                         {**times, "id": row_id})
    return set_


def walk(list_page, **query):
    """Every row of a list, page by page (limit 2): names in the order served."""
    seen, cursor = [], None
    while True:
        page = list_page(limit=2, cursor=cursor, **query)
        seen += [row["name"] for row in page["data"]]
        cursor = page["page"]["next_cursor"]
        if not page["page"]["has_more"]:
            assert cursor is None
            return seen


def define(admin, entity, **types):
    for key, field_type in types.items():
        admin.create_custom_field(entity=entity, key=key, label=key, type=field_type)


def eur(amount):
    return {"amount": amount, "currency": "EUR"}


def test_client_ranges_are_inclusive_and_skip_objects_without_a_value(rpc, firm):
    admin = rpc.as_(firm)
    define(admin, "client", seats="number", rate="decimal", budget="money", signed="date")
    rows = {"a": dict(seats=5, rate="2.5", budget=eur("100"), signed="2026-01-01"),
            "b": dict(seats=10, rate="2.75", budget=eur("250.50"), signed="2026-01-31"),
            "c": dict(seats=-3, rate="10", budget={"amount": "150", "currency": "USD"},
                      signed="2025-12-31"),
            "d": {}}
    for name, custom in rows.items():
        admin.create_client(name=name, currency="EUR", custom=custom)

    def names(**query):
        return [c["name"] for c in admin.list_clients(**query)["data"]]

    assert names(custom_min={"seats": "5"}) == ["a", "b"]
    assert names(custom_max={"seats": "5"}) == ["a", "c"]
    assert names(custom_min={"seats": "-3"}, custom_max={"seats": "9"}) == ["a", "c"]
    assert names(custom_min={"rate": "2.50"}, custom_max={"rate": "2.75"}) == ["a", "b"]
    assert names(custom_min={"rate": "2.6"}) == ["b", "c"]  # numerically: "10" > "2.6"
    assert names(custom_max={"signed": "2026-01-31"}) == ["a", "b", "c"]
    assert names(custom_min={"signed": "2026-01-01"}, custom_max={"signed": "2026-01-30"}) \
        == ["a"]
    assert names(custom_min={"budget": "100 EUR"}) == ["a", "b"]  # never the 150 USD
    assert names(custom_max={"budget": "250.49 EUR"}) == ["a"]
    assert names(custom_min={"budget": "100 USD"}) == ["c"]
    assert names(custom={"budget": "USD"}) == ["c"]
    assert names(custom={"budget": "EUR"}, custom_min={"seats": "6"}) == ["b"]
    assert names(custom_min={"seats": "5", "rate": "2.6"}) == ["b"]


def test_bad_filters_are_400s_naming_the_argument_and_the_field(rpc, firm):
    admin = rpc.as_(firm)
    define(admin, "client", seats="number", budget="money", city="text")
    cases = [
        ({"custom_min": {"seats": "4.5"}}, {"custom_min.seats"}),
        ({"custom_max": {"city": "B"}}, {"custom_max.city"}),
        ({"custom_min": {"nope": "1"}, "custom": {"gone": "x"}}, {"custom_min.nope",
                                                                 "custom.gone"}),
        ({"custom_min": {"seats": "9"}, "custom_max": {"seats": "1"}}, {"custom_max.seats"}),
        ({"custom_min": {"budget": "1 EUR"}, "custom_max": {"budget": "9 USD"}},
         {"custom_min.budget", "custom_max.budget"}),
        ({"custom_min": {"budget": "100"}}, {"custom_min.budget"}),
    ]
    for query, fields in cases:
        with pytest.raises(ValidationFailed) as refused:
            admin.list_clients(**query)
        assert set(refused.value.errors) == fields, query


def test_a_money_field_sorts_only_within_the_currency_its_filters_name(rpc, firm):
    admin = rpc.as_(firm)
    define(admin, "client", budget="money")
    for name, amount, currency in (("a", "30", "EUR"), ("b", "5", "USD"), ("c", "10", "EUR"),
                                   ("d", "20", "EUR")):
        admin.create_client(name=name, currency="EUR",
                            custom={"budget": {"amount": amount, "currency": currency}})
    admin.create_client(name="none", currency="EUR")
    with pytest.raises(ValidationFailed) as refused:
        admin.list_clients(sort="custom.budget")
    assert "one currency" in refused.value.errors["sort"][0]
    assert walk(admin.list_clients, sort="custom.budget", custom={"budget": "EUR"}) == [
        "c", "d", "a"]
    assert walk(admin.list_clients, sort="-custom.budget",
                custom_max={"budget": "25 EUR"}) == ["d", "c"]


def test_a_client_list_filtered_by_a_range_and_sorted_by_it_walks_to_its_end(rpc, firm):
    admin = rpc.as_(firm)
    define(admin, "client", seats="number")
    for index in range(9):  # seats 0, 1, 1, 2, 2, ...: ties broken by id, across pages
        admin.create_client(name=f"c{index}", currency="EUR", custom={"seats": index // 2})
    admin.create_client(name="none", currency="EUR")
    for sort in ("custom.seats", "-custom.seats"):
        seen = walk(admin.list_clients, sort=sort, custom_min={"seats": "1"},
                    custom_max={"seats": "3"})
        assert sorted(seen) == [f"c{i}" for i in range(2, 8)]
        seats = [int(name[1:]) // 2 for name in seen]
        assert seats == sorted(seats, reverse=sort.startswith("-"))


def test_a_contact_list_filtered_by_a_date_range_walks_to_its_end(rpc, firm):
    admin = rpc.as_(firm)
    define(admin, "contact", birthday="date", score="decimal")
    for day in range(1, 8):
        admin.create_contact(name=f"p{day}", custom={"birthday": f"1990-05-0{day}",
                                                     "score": f"{day}.5"})
    admin.create_contact(name="nobody")
    seen = walk(admin.list_contacts, sort="-custom.birthday",
                custom_min={"birthday": "1990-05-02"}, custom_max={"birthday": "1990-05-06"})
    assert seen == ["p6", "p5", "p4", "p3", "p2"]
    assert walk(admin.list_contacts, custom_min={"score": "6.5"}) == ["p6", "p7"]


def test_a_deal_list_filtered_by_a_money_range_and_sorted_by_it_walks_to_its_end(rpc, firm):
    admin = rpc.as_(firm)
    define(admin, "deal", budget="money")
    client = admin.create_client(name="Acme", currency="EUR")
    for index in range(7):
        admin.create_deal(name=f"d{index}", client_id=client["id"], amount=eur("1"),
                          custom={"budget": eur(str(100 * (index % 4)))})
    admin.create_deal(name="usd", client_id=client["id"], amount=eur("1"),
                      custom={"budget": {"amount": "200", "currency": "USD"}})
    admin.create_deal(name="none", client_id=client["id"], amount=eur("1"))
    seen = walk(admin.list_deals, sort="custom.budget", custom_min={"budget": "100 EUR"},
                custom_max={"budget": "200 EUR"})
    assert sorted(seen) == ["d1", "d2", "d5", "d6"]
    assert [int(n[1:]) % 4 for n in seen] == [1, 1, 2, 2]


def test_lists_filter_by_when_objects_last_changed(rpc, firm, set_times):
    admin = rpc.as_(firm)
    made = {name: admin.create_client(name=name, currency="EUR") for name in "abc"}
    people = {name: admin.create_contact(name=name) for name in "abc"}
    for offset, name in enumerate("abc"):
        set_times(firm, "clients", made[name]["id"], updated_at=T0 + timedelta(days=offset))
        set_times(firm, "contacts", people[name]["id"], updated_at=T0 + timedelta(days=offset))
    window = {"updated_after": (T0 + timedelta(days=1)).isoformat(),
              "updated_before": (T0 + timedelta(days=2)).isoformat()}
    assert [c["name"] for c in admin.list_clients(**window)["data"]] == ["b"]
    assert [c["name"] for c in admin.list_contacts(**window)["data"]] == ["b"]
    assert walk(admin.list_clients, updated_after=T0.isoformat(), sort="-updated_at") == [
        "c", "b", "a"]
    assert walk(admin.list_contacts, updated_before=(T0 + timedelta(days=2)).isoformat(),
                sort="updated_at") == ["a", "b"]
    with pytest.raises(ValidationFailed) as refused:
        admin.list_clients(updated_after="2026-03-01T12:00:00")  # no zone: ambiguous
    assert set(refused.value.errors) == {"updated_after"}


def test_deals_filter_by_when_they_were_created_changed_and_closed(rpc, firm, set_times):
    admin = rpc.as_(firm)
    client = admin.create_client(name="Acme", currency="EUR")
    deals = {name: admin.create_deal(name=name, client_id=client["id"], amount=eur("1"))
             for name in "abcd"}
    admin.mark_deal_won(deal_id=deals["b"]["id"])
    admin.mark_deal_lost(deal_id=deals["c"]["id"], reason="Budget")
    admin.mark_deal_won(deal_id=deals["d"]["id"])
    for offset, name in enumerate("abcd"):
        at = T0 + timedelta(days=offset)
        times = {"created_at": at, "updated_at": at + timedelta(hours=1)}
        if name != "a":
            times["closed_at"] = at + timedelta(hours=2)
        set_times(firm, "deals", deals[name]["id"], **times)

    def names(**query):
        return sorted(d["name"] for d in admin.list_deals(**query)["data"])

    day = lambda n, hours=0: (T0 + timedelta(days=n, hours=hours)).isoformat()  # noqa: E731
    assert names(created_after=day(1)) == ["b", "c", "d"]
    assert names(created_before=day(1)) == ["a"]  # before is exclusive, after inclusive
    assert names(created_after=day(1), created_before=day(3)) == ["b", "c"]
    assert names(updated_after=day(0, 1), updated_before=day(1, 1)) == ["a"]
    assert names(closed_after=day(1, 2), closed_before=day(3, 2)) == ["b", "c"]
    assert names(closed_after=day(0), status="won") == ["b", "d"]
    assert names(closed_before=day(9)) == ["b", "c", "d"]  # open deals have no close time
    assert walk(admin.list_deals, created_after=day(1), sort="created_at") == ["b", "c", "d"]


def test_the_money_ranges_currency_is_found_through_the_gin_index_under_rls(
        crm_db, firm, owner_db):
    """As the app role (RLS applies), on a tenant of 20,000 clients of which 40 have a
    budget in EUR (20 of them 100 or more): the plan finds them in the custom GIN index,
    not by reading every client."""
    with owner_db.begin() as conn:
        conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"),
                     {"t": firm.tenant_id})
        conn.execute(text(
            "INSERT INTO clients (id, tenant_id, name, currency, owner_id, status, notes, "
            "search_text, version, custom) SELECT gen_random_uuid(), :t, 'c' || i, 'EUR', "
            ":o, 'active', '', '', 1, jsonb_build_object('budget', jsonb_build_object("
            "'amount', (i % 1000)::text || '.00', 'currency', "
            "CASE WHEN i % 500 = 0 THEN 'EUR' ELSE 'USD' END)) "
            "FROM generate_series(1, 20000) i"), {"t": firm.tenant_id, "o": firm.user("owner")})
        conn.execute(text("ANALYZE clients"))
    ctx = firm.context()
    with tenant_transaction(crm_db.sessions, ctx) as session:
        custom_field_definitions.create_custom_field(session, ctx, entity="client",
                                                     key="budget", label="B", type="money")
    with tenant_transaction(crm_db.sessions, ctx) as session:
        with statements_sent(crm_db.engine) as sent:
            page = clients.list_clients(session, ctx, custom_min={"budget": "100 EUR"},
                                        sort="-custom.budget")
        assert len(page["data"]) == 20 and not page["page"]["has_more"]
        [(statement, parameters)] = [(sql, values) for sql, values in sent
                                     if "FROM clients" in sql and "LIMIT" in sql]
        plan = "\n".join(session.connection().exec_driver_sql(
            f"EXPLAIN {statement}", parameters).scalars())
    assert "Bitmap Index Scan on ix_clients_custom" in plan and "Seq Scan" not in plan, plan


def test_a_list_without_custom_filters_reads_no_definitions(crm_db, firm):
    ctx = firm.context()
    with tenant_transaction(crm_db.sessions, ctx) as session:
        session.connection()  # the scope's SET LOCAL is not ours to count
        with statements_sent(crm_db.engine) as sent:
            plain = custom_fields.list_query(session, "client", Client.custom)
            assert plain.containment is None and plain.ranges == [] and sent == []
            with pytest.raises(ValidationFailed) as refused:
                custom_fields.list_query(session, "client", Client.custom, equal={},
                                         minimum={"k": "1"})
    assert refused.value.errors == {"custom_min.k": ["No such custom field."]}
    assert len(sent) == 1 and "custom_field_definitions" in sent[0][0]
