"""CRM pipelines, deals and the forecast through the gateway, as a client uses them."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.e2e.helpers import Api, assert_problem, invite_and_join, signup

CRM = "/api/v1/crm"
PIPELINES, DEALS, FORECAST = f"{CRM}/pipelines", f"{CRM}/deals", f"{CRM}/forecast"
EUR = {"amount": "1000.00", "currency": "EUR"}


def make_client(api: Api, account, name="Acme GmbH") -> dict:
    created = api.post(f"{CRM}/clients", headers=account.auth,
                       json={"name": name, "currency": "EUR"})
    assert created.status_code == 201, created.text
    return created.json()


def default_pipeline(api: Api, account) -> dict:
    page = api.get(PIPELINES, headers=account.auth)
    assert page.status_code == 200, page.text
    return next(p for p in page.json()["data"] if p["is_default"])


def test_pipelines_and_stages_are_managed_by_admins(api: Api, owner):
    pipeline = default_pipeline(api, owner)
    assert [s["probability"] for s in pipeline["stages"]][:2] == [10, 25]
    created = api.post(PIPELINES, headers=owner.auth, json={
        "name": "Renewals", "stages": [{"name": "Due", "probability": 50}]})
    assert created.status_code == 201, created.text
    renewals = created.json()
    assert created.headers["Location"] == f"{PIPELINES}/{renewals['id']}"
    read = api.get(f"{PIPELINES}/{renewals['id']}", headers=owner.auth)
    assert read.json() == renewals and read.headers["ETag"] == '"1"'

    added = api.post(f"{PIPELINES}/{renewals['id']}/stages", headers=owner.auth,
                     json={"name": "Signed", "probability": 95})
    assert added.status_code == 201, added.text
    stage = added.json()
    assert added.headers["Location"] == f"{PIPELINES}/{renewals['id']}/stages/{stage['id']}"
    stage_url = added.headers["Location"]
    assert api.get(stage_url, headers=owner.auth).json() == stage
    changed = api.patch(stage_url, headers={**owner.auth, "If-Match": '"1"'},
                        json={"probability": 90})
    assert changed.status_code == 200 and changed.json()["probability"] == 90
    assert_problem(api.patch(stage_url, headers={**owner.auth, "If-Match": '"1"'},
                             json={"name": "Stale"}), 412)
    order = [stage["id"], renewals["stages"][0]["id"]]
    reordered = api.request("PUT", f"{PIPELINES}/{renewals['id']}/stages/order",
                            headers=owner.auth, json={"stage_ids": order})
    assert [s["id"] for s in reordered.json()["stages"]] == order
    assert api.delete(stage_url, headers=owner.auth).status_code == 204
    # Its stages are part of the pipeline: each change above gave it a new ETag.
    current = api.get(f"{PIPELINES}/{renewals['id']}", headers=owner.auth)
    assert current.headers["ETag"] not in (read.headers["ETag"], None)
    assert_problem(api.patch(f"{PIPELINES}/{renewals['id']}",
                             headers={**owner.auth, "If-Match": read.headers["ETag"]},
                             json={"name": "Stale"}), 412)
    renamed = api.patch(f"{PIPELINES}/{renewals['id']}",
                        headers={**owner.auth, "If-Match": current.headers["ETag"]},
                        json={"name": "Renewals 2027", "is_default": True})
    assert renamed.status_code == 200 and renamed.json()["is_default"] is True
    assert_problem(api.delete(f"{PIPELINES}/{renewals['id']}", headers=owner.auth), 422)
    old = api.get(f"{PIPELINES}/{pipeline['id']}", headers=owner.auth)  # no longer default
    assert_problem(api.delete(f"{PIPELINES}/{pipeline['id']}",
                              headers={**owner.auth, "If-Match": '"999"'}), 412)
    assert api.delete(f"{PIPELINES}/{pipeline['id']}",
                      headers={**owner.auth, "If-Match": old.headers["ETag"]}
                      ).status_code == 204

    member = invite_and_join(api, owner, "member")
    assert_problem(api.post(PIPELINES, headers=member.auth, json={"name": "Mine"}), 403)
    assert api.get(PIPELINES, headers=member.auth).status_code == 200


def test_a_deal_is_created_edited_moved_won_reopened_lost_and_deleted(api: Api, owner):
    client = make_client(api, owner)
    stages = default_pipeline(api, owner)["stages"]
    created = api.post(DEALS, headers=owner.auth, json={
        "name": "Website relaunch", "client_id": client["id"], "amount": EUR,
        "expected_close_date": "2026-12-15", "tags": ["web"], "custom": {}})
    assert created.status_code == 201, created.text
    deal = created.json()
    url = created.headers["Location"]
    assert url == f"{DEALS}/{deal['id']}" and created.headers["ETag"] == '"1"'
    assert deal["amount"] == EUR and deal["stage_id"] == stages[0]["id"]
    assert api.get(url, headers=owner.auth).json() == deal

    assert_problem(api.patch(url, headers=owner.auth, json={"name": "x"}), 428)
    edited = api.patch(url, headers={**owner.auth, "If-Match": '"1"'},
                       json={"name": "Relaunch", "amount": {"amount": "1200", "currency": "EUR"}})
    assert edited.status_code == 200, edited.text
    assert edited.json()["amount"]["amount"] == "1200.00" and edited.headers["ETag"] == '"2"'
    assert_problem(api.patch(url, headers={**owner.auth, "If-Match": '"1"'},
                             json={"name": "Stale"}), 412)

    moved = api.post(f"{url}/move", headers=owner.auth, json={"stage_id": stages[2]["id"]})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["stage_name"], moved.json()["probability"]) == ("Proposal", 40)
    assert_problem(api.post(f"{url}/move", headers={**owner.auth, "If-Match": '"1"'},
                            json={}), 412)

    won = api.post(f"{url}/won", headers=owner.auth,
                   json={"amount": {"amount": "1100.00", "currency": "EUR"}})
    assert won.status_code == 200, won.text
    assert won.json()["status"] == "won" and won.json()["won_amount"]["amount"] == "1100.00"
    assert_problem(api.post(f"{url}/lost", headers=owner.auth, json={"reason": "x"}), 422)
    assert_problem(api.patch(url, headers={**owner.auth, "If-Match": "*"},
                             json={"amount": EUR}), 422)
    reopened = api.post(f"{url}/reopen", headers=owner.auth, json={})
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"
    lost = api.post(f"{url}/lost", headers=owner.auth, json={"reason": "Budget cut"})
    assert lost.json()["lost_reason"] == "Budget cut"

    member = invite_and_join(api, owner, "member")
    assert_problem(api.delete(url, headers=member.auth), 403)
    assert_problem(api.delete(url, headers={**owner.auth, "If-Match": '"1"'}), 412)
    current = api.get(url, headers=owner.auth).headers["ETag"]
    assert api.delete(url, headers={**owner.auth, "If-Match": current}).status_code == 204
    assert_problem(api.get(url, headers=owner.auth), 404)


def test_kanban_order_within_a_stage(api: Api, owner):
    client = make_client(api, owner)
    stage = default_pipeline(api, owner)["stages"][1]["id"]
    ids = []
    for name in ("A", "B", "C"):
        made = api.post(DEALS, headers=owner.auth, json={
            "name": name, "client_id": client["id"], "amount": EUR, "stage_id": stage})
        ids.append(made.json()["id"])
    api.post(f"{DEALS}/{ids[2]}/move", headers=owner.auth, json={"before_id": ids[0]})
    column = api.get(DEALS, headers=owner.auth, params={"stage_id": stage, "sort": "rank"})
    assert [d["name"] for d in column.json()["data"]] == ["C", "A", "B"]


def test_lists_filter_and_page_with_a_cursor_that_round_trips(api: Api, owner):
    client = make_client(api, owner)
    for day in ("2026-12-03", None, "2026-11-20"):
        api.post(DEALS, headers=owner.auth, json={
            "name": f"D {day}", "client_id": client["id"], "amount": EUR,
            "expected_close_date": day})
    first = api.get(DEALS, headers=owner.auth,
                    params={"sort": "expected_close_date", "limit": 2})
    assert [d["expected_close_date"] for d in first.json()["data"]] == [
        "2026-11-20", "2026-12-03"]
    assert 'rel="next"' in first.headers["Link"]
    rest = api.get(DEALS, headers=owner.auth, params={
        "sort": "expected_close_date", "limit": 2,
        "cursor": first.json()["page"]["next_cursor"]})
    assert [d["expected_close_date"] for d in rest.json()["data"]] == [None]
    found = api.get(DEALS, headers=owner.auth, params={
        "q": "acme", "status": "open", "client_id": client["id"], "mine": "true",
        "expected_close_from": "2026-12-01", "currency": "EUR", "amount_min": "10",
        "include_total": "true"})
    assert found.status_code == 200, found.text
    assert found.json()["page"]["total"] == 1
    assert_problem(api.get(DEALS, headers=owner.auth, params={"colour": "red"}), 400)
    assert_problem(api.get(DEALS, headers=owner.auth, params={"sort": "probability"}), 400)


def test_bad_input_and_other_tenants_ids(api: Api, owner):
    client = make_client(api, owner)
    refused = api.post(DEALS, headers=owner.auth, json={
        "name": "", "client_id": client["id"], "amount": {"amount": 12.5, "currency": "EUR"},
        "stage": "x"})
    assert set(assert_problem(refused, 400)["errors"]) >= {"name", "amount.amount", "stage"}
    too_precise = api.post(DEALS, headers=owner.auth, json={
        "name": "X", "client_id": client["id"], "amount": {"amount": "1.001", "currency": "EUR"}})
    assert "amount.amount" in assert_problem(too_precise, 400)["errors"]
    stranger = signup(api)
    their_client = make_client(api, stranger, "Theirs")
    assert_problem(api.post(DEALS, headers=owner.auth, json={
        "name": "X", "client_id": their_client["id"], "amount": EUR}), 404)
    mine = api.post(DEALS, headers=owner.auth, json={
        "name": "Mine", "client_id": client["id"], "amount": EUR}).json()
    assert_problem(api.get(f"{DEALS}/{mine['id']}", headers=stranger.auth), 404)
    assert_problem(api.post(f"{DEALS}/{mine['id']}/won", headers=stranger.auth, json={}), 404)
    assert api.get(DEALS, headers=stranger.auth).json()["data"] == []
    their_pipeline = default_pipeline(api, stranger)
    for name, value in (("client_id", their_client["id"]),
                        ("pipeline_id", their_pipeline["id"]),
                        ("stage_id", their_pipeline["stages"][0]["id"])):
        assert_problem(api.get(DEALS, headers=owner.auth, params={name: value}), 404)
    assert_problem(api.get(FORECAST, headers=owner.auth, params={
        "from": "2026-01-01", "to": "2026-12-31", "currency": "EUR",
        "pipeline_id": their_pipeline["id"]}), 404)
    viewer = invite_and_join(api, owner, "viewer")
    assert_problem(api.post(DEALS, headers=viewer.auth, json={
        "name": "X", "client_id": client["id"], "amount": EUR}), 403)


def test_the_forecast_weighs_open_deals_and_counts_won_and_lost(api: Api, owner):
    client = make_client(api, owner)
    stages = default_pipeline(api, owner)["stages"]
    today = datetime.now(UTC).date()
    month_start = today.replace(day=1).isoformat()

    def deal(amount, stage, currency="EUR"):
        made = api.post(DEALS, headers=owner.auth, json={
            "name": f"D {amount}", "client_id": client["id"], "stage_id": stage["id"],
            "amount": {"amount": amount, "currency": currency},
            "expected_close_date": today.isoformat()})
        assert made.status_code == 201, made.text
        return made.json()

    deal("1000.00", stages[0])             # 10 % -> 100.00
    deal("333.33", stages[2])              # 40 % -> 133.332
    deal("99.00", stages[2], "USD")        # counted apart
    won = deal("500.00", stages[1])
    api.post(f"{DEALS}/{won['id']}/won", headers=owner.auth, json={})
    lost = deal("10.00", stages[1])
    api.post(f"{DEALS}/{lost['id']}/lost", headers=owner.auth, json={"reason": "No"})
    answer = api.get(FORECAST, headers=owner.auth, params={
        "from": month_start, "to": today.isoformat(), "currency": "EUR"})
    assert answer.status_code == 200, answer.text
    forecast = answer.json()
    assert forecast["from"] == month_start and forecast["currency"] == "EUR"
    assert forecast["totals"]["weighted"] == {"amount": "233.33", "currency": "EUR"}
    assert forecast["totals"]["committed"]["amount"] == "500.00"
    assert forecast["totals"]["win_rate"] == "0.5000"
    assert forecast["by_month"][0]["month"] == today.strftime("%Y-%m")
    assert forecast["excluded"]["other_currencies"] == {"USD": 1}
    assert [s["stage_name"] for s in forecast["by_stage"]] == ["Qualified", "Proposal"]
    [by_owner] = forecast["by_owner"]
    assert (by_owner["won_count"], by_owner["lost_count"]) == (1, 1)
    assert_problem(api.get(FORECAST, headers=owner.auth,
                           params={"from": "2026-12-01", "to": "2026-11-01",
                                   "currency": "EUR"}), 400)
    assert_problem(api.get(FORECAST, headers=owner.auth, params={"from": month_start}), 400)


def test_deals_filter_and_sort_by_a_custom_field(api: Api, owner):
    field = api.post(f"{CRM}/custom-fields", headers=owner.auth, json={
        "entity": "deal", "key": "priority", "label": "Priority", "type": "number"})
    assert field.status_code == 201, field.text
    client = make_client(api, owner)
    for name, priority in (("Low", 1), ("High", 9), ("None", None)):
        custom = {} if priority is None else {"priority": priority}
        made = api.post(DEALS, headers=owner.auth, json={
            "name": name, "client_id": client["id"], "amount": EUR, "custom": custom})
        assert made.status_code == 201, made.text
    high = api.get(DEALS, headers=owner.auth, params={"custom[priority]": "9"})
    assert [d["name"] for d in high.json()["data"]] == ["High"]
    ordered = api.get(DEALS, headers=owner.auth, params={"sort": "-custom.priority"})
    assert [d["name"] for d in ordered.json()["data"]] == ["High", "Low", "None"]
    assert_problem(api.get(DEALS, headers=owner.auth, params={"custom[nosuch]": "1"}), 400)
