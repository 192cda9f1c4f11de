"""The gateway's own part of the deal, pipeline and forecast endpoints: what reaches crm
(ids, If-Match as expected_version, from/to), and what never does (bad bodies)."""

from __future__ import annotations

DEAL_ID = "6f1f8a36-2a43-4d8e-9d53-3d1f4f1b2c10"
DEAL = {"id": DEAL_ID, "version": 3, "name": "Relaunch"}


def test_a_patch_needs_if_match_which_becomes_the_expected_version(crm_client, auth, crm):
    crm.answers["update_deal"] = lambda kwargs: {**DEAL, "version": 4}
    url = f"/api/v1/crm/deals/{DEAL_ID}"
    assert crm_client.patch(url, headers=auth, json={"name": "X"}).status_code == 428
    changed = crm_client.patch(url, headers={**auth, "If-Match": '"3"'}, json={"name": "X"})
    assert changed.status_code == 200 and changed.headers["ETag"] == '"4"'
    assert crm.calls_of("update_deal") == [
        {"deal_id": DEAL_ID, "expected_version": 3, "name": "X"}]


def test_if_match_is_optional_on_actions(crm_client, auth, crm):
    crm.answers["mark_deal_won"] = lambda kwargs: DEAL
    url = f"/api/v1/crm/deals/{DEAL_ID}/won"
    assert crm_client.post(url, headers=auth, json={}).status_code == 200
    money = {"amount": "10.00", "currency": "EUR"}
    assert crm_client.post(url, headers={**auth, "If-Match": '"3"'},
                       json={"amount": money}).status_code == 200
    assert crm.calls_of("mark_deal_won") == [
        {"deal_id": DEAL_ID, "expected_version": None},
        {"deal_id": DEAL_ID, "expected_version": 3, "amount": money}]


def test_bad_bodies_never_reach_crm(crm_client, auth, crm):
    url = "/api/v1/crm/deals"
    for body in ({"name": "X", "client_id": DEAL_ID, "amount": {"amount": 1.5, "currency": "EUR"}},
                 {"name": "X", "client_id": DEAL_ID, "amount": {"amount": "1", "currency": "EUR"},
                  "status": "won"},
                 {"name": "X", "amount": {"amount": "1", "currency": "EUR"}}):
        refused = crm_client.post(url, headers=auth, json=body)
        assert refused.status_code == 400, body
        assert refused.headers["Content-Type"].startswith("application/problem+json")
    lost = crm_client.post(f"{url}/{DEAL_ID}/lost", headers=auth, json={})
    assert set(lost.get_json()["errors"]) == {"reason"}
    assert [name for name, _, _ in crm.calls if name != "jwks"] == []


def test_the_forecast_passes_from_and_to_as_dates(crm_client, auth, crm):
    crm.answers["forecast"] = lambda kwargs: {"currency": kwargs["currency"]}
    answered = crm_client.get("/api/v1/crm/forecast", headers=auth, query_string={
        "from": "2026-11-01", "to": "2026-12-31", "currency": "EUR"})
    assert answered.status_code == 200
    [asked] = crm.calls_of("forecast")
    assert {k: str(v) for k, v in asked.items()} == {
        "from": "2026-11-01", "to": "2026-12-31", "currency": "EUR"}
    missing = crm_client.get("/api/v1/crm/forecast", headers=auth, query_string={"from": "x"})
    assert set(missing.get_json()["errors"]) == {"from", "to", "currency"}


def test_archiving_a_stage_passes_where_its_deals_go(crm_client, auth, crm):
    crm.answers["archive_stage"] = lambda kwargs: None
    pipeline, stage, target = (DEAL_ID.replace("6f", c) for c in ("a1", "b2", "c3"))
    url = f"/api/v1/crm/pipelines/{pipeline}/stages/{stage}"
    assert crm_client.delete(url, headers=auth, query_string={"move_deals_to": target}
                         ).status_code == 204
    assert [{k: str(v) for k, v in c.items()} for c in crm.calls_of("archive_stage")] == [
        {"pipeline_id": pipeline, "stage_id": stage, "move_deals_to": target,
         "expected_version": "None"}]


def test_range_filters_and_time_windows_reach_crm_as_the_list_takes_them(crm_client, auth, crm):
    crm.answers["list_deals"] = lambda kwargs: {
        "data": [], "page": {"limit": 25, "has_more": False, "next_cursor": None}}
    answered = crm_client.get("/api/v1/crm/deals", headers=auth, query_string={
        "custom_min[budget]": "100 EUR", "custom_max[budget]": "200 EUR",
        "custom[tier]": "gold", "closed_after": "2026-01-01T00:00:00Z",
        "updated_before": "2026-02-01T00:00:00+01:00", "sort": "custom.budget"})
    assert answered.status_code == 200
    [asked] = crm.calls_of("list_deals")
    assert asked["custom_min"] == {"budget": "100 EUR"}
    assert asked["custom_max"] == {"budget": "200 EUR"}
    assert asked["custom"] == {"tier": "gold"} and asked["sort"] == "custom.budget"
    assert asked["closed_after"].isoformat() == "2026-01-01T00:00:00+00:00"
    assert asked["updated_before"].isoformat() == "2026-02-01T00:00:00+01:00"
