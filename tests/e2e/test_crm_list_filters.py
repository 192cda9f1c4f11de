"""List filters through the gateway: ranges on custom fields (`custom_min[<key>]=`,
`custom_max[<key>]=`) of clients, contacts and deals, money within one currency, and the
created/updated/closed time windows; filtered, sorted lists walk to their end by cursor."""

from __future__ import annotations

from typing import Any

from tests.e2e.helpers import Account, Api, assert_problem

FIELDS = "/api/v1/crm/custom-fields"
CLIENTS, CONTACTS, DEALS = "/api/v1/crm/clients", "/api/v1/crm/contacts", "/api/v1/crm/deals"


def define(api: Api, account: Account, entity: str, **types: str) -> None:
    for key, field_type in types.items():
        response = api.post(FIELDS, headers=account.auth, json={
            "entity": entity, "key": key, "label": key, "type": field_type})
        assert response.status_code == 201, response.text


def create(api: Api, account: Account, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post(path, headers=account.auth, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def walk(api: Api, account: Account, path: str, **params: str) -> list[str]:
    """The names of every row of a list, two per page, following `next_cursor`."""
    names: list[str] = []
    cursor = None
    while True:
        page = api.get(path, headers=account.auth, params={
            **params, "limit": "2", **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        names += [row["name"] for row in page.json()["data"]]
        cursor = page.json()["page"]["next_cursor"]
        if cursor is None:
            return names


def test_clients_filter_by_a_number_range_sorted_by_it(api: Api, owner):
    define(api, owner, "client", seats="number", rate="decimal")
    for index in range(7):
        create(api, owner, CLIENTS, {"name": f"c{index}", "currency": "EUR",
                                     "custom": {"seats": index * 10, "rate": f"{index}.5"}})
    create(api, owner, CLIENTS, {"name": "none", "currency": "EUR"})
    assert walk(api, owner, CLIENTS, **{"custom_min[seats]": "20", "custom_max[seats]": "50",
                                        "sort": "-custom.seats"}) == ["c5", "c4", "c3", "c2"]
    assert walk(api, owner, CLIENTS, **{"custom_min[rate]": "4.50", "custom[seats]": "60"}) \
        == ["c6"]
    refused = api.get(CLIENTS, headers=owner.auth, params={
        "custom_min[seats]": "2.5", "custom_max[rate]": "x"})
    assert set(assert_problem(refused, 400)["errors"]) == {"custom_min.seats",
                                                           "custom_max.rate"}
    exported = api.get(f"{CLIENTS}/export", headers=owner.auth,
                       params={"custom_max[seats]": "10"})
    assert exported.status_code == 200, exported.text
    assert [line.split(",")[1] for line in exported.text.splitlines()[1:]] == ["c0", "c1"]


def test_contacts_filter_by_a_date_range_and_by_when_they_changed(api: Api, owner):
    define(api, owner, "contact", birthday="date")
    people = [create(api, owner, CONTACTS, {"name": f"p{day}",
                                            "custom": {"birthday": f"1990-05-0{day}"}})
              for day in range(1, 6)]
    assert walk(api, owner, CONTACTS, **{"custom_min[birthday]": "1990-05-02",
                                         "custom_max[birthday]": "1990-05-04",
                                         "sort": "custom.birthday"}) == ["p2", "p3", "p4"]
    middle = people[2]["updated_at"]
    assert walk(api, owner, CONTACTS, updated_after=middle) == ["p3", "p4", "p5"]
    assert walk(api, owner, CONTACTS, updated_before=middle, sort="-updated_at") == [
        "p2", "p1"]


def test_deals_filter_by_a_money_range_sort_within_its_currency_and_by_closing(
        api: Api, owner):
    define(api, owner, "deal", budget="money")
    client = create(api, owner, CLIENTS, {"name": "Acme", "currency": "EUR"})
    amount = {"amount": "1", "currency": "EUR"}
    deals = {}
    for name, budget, currency in (("a", "500", "EUR"), ("b", "150", "EUR"),
                                   ("c", "300", "USD"), ("d", "250", "EUR")):
        deals[name] = create(api, owner, DEALS, {
            "name": name, "client_id": client["id"], "amount": amount,
            "custom": {"budget": {"amount": budget, "currency": currency}}})
    assert walk(api, owner, DEALS, **{"custom_min[budget]": "100 EUR",
                                      "custom_max[budget]": "300 EUR",
                                      "sort": "custom.budget"}) == ["b", "d"]
    assert walk(api, owner, DEALS, **{"custom[budget]": "EUR", "sort": "-custom.budget"}) == [
        "a", "d", "b"]
    unsorted = api.get(DEALS, headers=owner.auth, params={"sort": "custom.budget"})
    assert "one currency" in assert_problem(unsorted, 400)["errors"]["sort"][0]
    mixed = api.get(DEALS, headers=owner.auth, params={
        "custom_min[budget]": "1 EUR", "custom_max[budget]": "9 USD"})
    assert set(assert_problem(mixed, 400)["errors"]) == {"custom_min.budget",
                                                         "custom_max.budget"}
    won = api.post(f"{DEALS}/{deals['d']['id']}/won", headers=owner.auth, json={})
    assert won.status_code == 200, won.text
    closed_at = won.json()["closed_at"]
    assert walk(api, owner, DEALS, closed_after=closed_at) == ["d"]
    assert walk(api, owner, DEALS, closed_before=closed_at) == []
    created = deals["c"]["created_at"]
    assert walk(api, owner, DEALS, created_after=created, sort="created_at") == ["c", "d"]
