"""The forecast through the running service, over deals whose dates are set in SQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from shared.errors import NotFound, PermissionDenied, ValidationFailed


@pytest.fixture
def db(crm_db):
    engine = create_engine(crm_db.owner_url)
    yield engine
    engine.dispose()


@pytest.fixture
def closed_on(db):
    """Backdate a deal's close (the API closes deals now)."""
    def set_(firm, deal, when):
        with db.begin() as conn:
            conn.execute(text("SELECT set_config('app.tenant_id', :t, true)"),
                         {"t": firm.tenant_id})
            conn.execute(text("UPDATE deals SET closed_at = :w WHERE id = :id"),
                         {"w": when, "id": deal["id"]})
    return set_


def test_weighted_committed_and_win_rate_by_month_owner_and_stage(rpc, firm, closed_on):
    api = rpc.as_(firm)
    client = api.create_client(name="Acme", currency="EUR")
    stages = api.list_pipelines()["data"][0]["stages"]  # 10 %, 25 %, 40 % ...

    def deal(amount, closes, stage=0, currency="EUR", **fields):
        return api.create_deal(name=f"D {amount}", client_id=client["id"],
                               amount={"amount": amount, "currency": currency},
                               expected_close_date=closes, stage_id=stages[stage]["id"],
                               **fields)

    deal("1000.00", "2026-11-10")                   # weighted 100.00
    deal("333.33", "2026-12-31", stage=2)           # weighted 133.332
    deal("50.00", "2027-03-01")                     # outside the range
    deal("70.00", "2026-11-11", currency="USD")     # another currency: counted apart
    deal("10.00", None)                             # no expected close date
    won = deal("500.00", "2026-10-01")
    api.mark_deal_won(deal_id=won["id"], amount={"amount": "450.00", "currency": "EUR"})
    closed_on(firm, won, datetime(2026, 12, 2, 10, tzinfo=UTC))
    lost = deal("80.00", "2026-11-01")
    api.mark_deal_lost(deal_id=lost["id"], reason="No budget")
    closed_on(firm, lost, datetime(2026, 11, 30, 23, 59, tzinfo=UTC))
    early = deal("5.00", "2026-11-01")
    api.mark_deal_won(deal_id=early["id"])
    closed_on(firm, early, datetime(2026, 10, 31, 23, 59, tzinfo=UTC))  # before the range

    result = rpc.as_(firm, "viewer").forecast(**{"from": "2026-11-01", "to": "2026-12-31",
                                                 "currency": "eur"})
    totals = result["totals"]
    assert totals["weighted"] == {"amount": "233.33", "currency": "EUR"}
    assert totals["open_amount"]["amount"] == "1333.33" and totals["open_count"] == 2
    assert totals["committed"]["amount"] == "450.00"
    assert (totals["won_count"], totals["lost_count"], totals["win_rate"]) == (1, 1, "0.5000")
    months = {m["month"]: m for m in result["by_month"]}
    assert list(months) == ["2026-11", "2026-12"]
    assert months["2026-11"]["weighted"]["amount"] == "100.00"
    assert months["2026-11"]["lost_count"] == 1
    assert months["2026-12"]["committed"]["amount"] == "450.00"
    assert [(s["stage_name"], s["weighted"]["amount"]) for s in result["by_stage"]] == [
        ("Qualified", "100.00"), ("Proposal", "133.33")]
    [owner] = result["by_owner"]
    assert owner["owner_id"] == firm.user("owner") and owner["win_rate"] == "0.5000"
    assert result["excluded"] == {"other_currencies": {"USD": 1},
                                  "open_without_close_date": 1}
    only_usd = api.forecast(**{"from": "2026-11-01", "to": "2026-12-31", "currency": "USD"})
    assert only_usd["totals"]["weighted"]["amount"] == "7.00"
    rpc.as_(firm, "member").create_contact(first_name="Mo")  # a member, known by a record
    assert api.forecast(**{"from": "2026-11-01", "to": "2026-12-31", "currency": "EUR",
                           "owner_id": firm.user("member")})["totals"]["open_count"] == 0


def test_a_forecast_needs_a_sane_range_and_a_currency(rpc, firm):
    api = rpc.as_(firm)
    with pytest.raises(ValidationFailed) as refused:
        api.forecast(**{"from": "2026-12-01", "to": "2026-11-01", "currency": "EUR"})
    assert set(refused.value.errors) == {"to"}
    with pytest.raises(ValidationFailed) as refused:
        api.forecast(**{"from": "2020-01-01", "to": "2026-11-01", "currency": "EUR"})
    assert set(refused.value.errors) == {"to"}
    with pytest.raises(ValidationFailed) as refused:
        api.forecast(**{"from": "2026-01-01", "to": "2026-11-01", "currency": "XYZ"})
    assert set(refused.value.errors) == {"currency"}


@pytest.mark.parametrize(("start", "end", "field"), [
    ("9999-12-01", "9999-12-31", "from"),   # its next day and month would be year 10000
    ("9998-12-01", "9999-01-31", "to"),
    ("0001-01-01", "0001-01-31", "from"),
])
def test_a_forecast_range_outside_1900_to_9998_is_refused(rpc, firm, start, end, field):
    with pytest.raises(ValidationFailed) as refused:
        rpc.as_(firm).forecast(**{"from": start, "to": end, "currency": "EUR"})
    assert field in refused.value.errors


def test_a_forecast_is_for_members_of_the_tenant(rpc, firm):
    from shared.call_context import CallContext

    outsider = rpc.with_context(CallContext(tenant_id=firm.tenant_id, user_id=firm.user("x"),
                                            roles=()))
    with pytest.raises(PermissionDenied):
        outsider.forecast(**{"from": "2026-11-01", "to": "2026-11-30", "currency": "EUR"})


def test_another_tenants_pipeline_is_not_found(rpc, firm, other_firm):
    theirs = rpc.as_(other_firm).list_pipelines()["data"][0]["id"]
    mine = rpc.as_(firm).list_pipelines()["data"][0]["id"]
    asked = {"from": "2026-01-01", "to": "2026-12-31", "currency": "EUR"}
    with pytest.raises(NotFound):
        rpc.as_(firm).forecast(**asked, pipeline_id=theirs)
    assert rpc.as_(firm).forecast(**asked, pipeline_id=mine)["pipeline_id"] == mine


def test_each_owner_gets_their_own_weighted_committed_and_win_rate(rpc, firm, closed_on):
    """Two owners' deals in one range: by_owner splits what totals add up, and an
    `owner_id` filter gives one owner's figures alone."""
    boss, member = rpc.as_(firm), rpc.as_(firm, "member")
    client = boss.create_client(name="Acme", currency="EUR")
    stages = boss.list_pipelines()["data"][0]["stages"]  # 10 %, 25 %, 40 % ...

    def deal(api, amount, stage=0):
        return api.create_deal(name=f"D {amount}", client_id=client["id"],
                               amount={"amount": amount, "currency": "EUR"},
                               expected_close_date="2026-11-15", stage_id=stages[stage]["id"])

    deal(boss, "1000.00")                                  # boss: weighted 100.00
    won = deal(boss, "300.00")
    boss.mark_deal_won(deal_id=won["id"])
    closed_on(firm, won, datetime(2026, 11, 20, tzinfo=UTC))
    deal(member, "200.00", stage=2)                        # member: weighted 80.00
    for amount, outcome in (("40.00", "won"), ("60.00", "lost"), ("70.00", "lost")):
        closing = deal(member, amount)
        if outcome == "won":
            member.mark_deal_won(deal_id=closing["id"])
        else:
            member.mark_deal_lost(deal_id=closing["id"], reason="Budget")
        closed_on(firm, closing, datetime(2026, 11, 21, tzinfo=UTC))
    asked = {"from": "2026-11-01", "to": "2026-11-30", "currency": "EUR"}

    result = boss.forecast(**asked)

    owners = {o["owner_id"]: o for o in result["by_owner"]}
    assert set(owners) == {firm.user("owner"), firm.user("member")}
    mine, theirs = owners[firm.user("owner")], owners[firm.user("member")]
    assert (mine["weighted"]["amount"], mine["committed"]["amount"]) == ("100.00", "300.00")
    assert (mine["won_count"], mine["lost_count"], mine["win_rate"]) == (1, 0, "1.0000")
    assert (theirs["weighted"]["amount"], theirs["committed"]["amount"]) == ("80.00", "40.00")
    assert (theirs["won_count"], theirs["lost_count"], theirs["win_rate"]) == (1, 2, "0.3333")
    totals = result["totals"]
    assert (totals["weighted"]["amount"], totals["committed"]["amount"]) == ("180.00", "340.00")
    assert (totals["won_count"], totals["lost_count"], totals["win_rate"]) == (2, 2, "0.5000")
    alone = boss.forecast(**asked, owner_id=firm.user("member"))
    assert [o["owner_id"] for o in alone["by_owner"]] == [firm.user("member")]
    assert alone["totals"]["weighted"]["amount"] == "80.00"
    assert alone["totals"]["win_rate"] == "0.3333"
