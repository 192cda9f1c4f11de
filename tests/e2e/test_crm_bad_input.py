"""Bad input through the gateway is a 4xx problem naming the field, never a 500: values
that pass a first look but that no parser, database or JSON encoder takes."""

from __future__ import annotations

import base64
import json

import pytest

from tests.e2e.helpers import Account, Api, assert_problem

CLIENTS = "/api/v1/crm/clients"
IMPORTS = "/api/v1/crm/imports"


def raw_json(api: Api, method: str, path: str, account: Account, body: str, **headers: str):
    return api.request(method, path, data=body.encode(),
                       headers={**account.auth, "Content-Type": "application/json", **headers})


def create(api: Api, owner: Account, **fields) -> dict:
    created = api.post(CLIENTS, headers=owner.auth, json={"currency": "EUR", **fields})
    assert created.status_code == 201, created.text
    return created.json()


def test_a_website_no_url_parser_reads_is_a_400_on_create_and_update(api: Api, owner):
    refused = assert_problem(api.post(CLIENTS, headers=owner.auth, json={
        "name": "Odd", "currency": "EUR", "website": "http://[1:2]/"}), 400)
    assert set(refused["errors"]) == {"website"}
    client = create(api, owner, name="Fine")
    refused = assert_problem(api.patch(f"{CLIENTS}/{client['id']}", headers={
        **owner.auth, "If-Match": '"1"'}, json={"website": "http://[1:2]/"}), 400)
    assert set(refused["errors"]) == {"website"}


@pytest.mark.parametrize("path", [CLIENTS, f"{CLIENTS}/export"])
def test_a_domain_filter_with_no_domain_in_it_is_a_400(api: Api, owner, path):
    refused = assert_problem(api.get(path, headers=owner.auth, params={"domain": "[x"}), 400)
    assert set(refused["errors"]) == {"domain"}


def test_a_forecast_near_the_end_of_the_calendar_is_a_400(api: Api, owner):
    refused = assert_problem(api.get("/api/v1/crm/forecast", headers=owner.auth, params={
        "from": "9999-12-01", "to": "9999-12-31", "currency": "EUR"}), 400)
    assert set(refused["errors"]) == {"from", "to"}


@pytest.mark.parametrize(("body", "field"), [
    ('{"name": "\\ud800", "currency": "EUR"}', "name"),
    ('{"name": "Acme", "currency": "EUR", "tags": ["ok", "\\udfff"]}', "tags.1"),
    ('{"name": "Acme", "currency": "EUR", "custom": {"seats": 99999999999999999999}}',
     "custom.seats"),
    ('{"name": "Acme", "currency": "EUR", "custom": {"seats": NaN}}', "custom.seats"),
])
def test_text_and_numbers_no_service_could_take_are_a_400_naming_the_field(api: Api, owner,
                                                                           body, field):
    refused = assert_problem(raw_json(api, "POST", CLIENTS, owner, body), 400)
    assert list(refused["errors"]) == [field]


@pytest.mark.parametrize("levels", [300, 1_200])
def test_a_deeply_nested_body_is_a_400(api: Api, owner, levels):
    body = ('{"name": "Deep", "currency": "EUR", "custom": {"tier": '
            + "[" * levels + '"x"' + "]" * levels + "}}")
    refused = assert_problem(raw_json(api, "POST", CLIENTS, owner, body), 400)
    assert "levels deep" in next(iter(refused["errors"].values()))[0]


@pytest.mark.parametrize(("body", "charset"), [(b"name\n+2AA-\n", "utf-7"),
                                               (b"name\n\\ud800\n", "unicode_escape")])
def test_an_upload_in_a_codec_that_is_no_text_encoding_is_a_400(api: Api, owner, body,
                                                               charset):
    refused = assert_problem(api.post(f"{IMPORTS}?entity=clients", data=body, headers={
        **owner.auth, "Content-Type": f"text/csv; charset={charset}"}), 400)
    assert charset in refused["errors"]["_body"][0]


def forged(key: object, sort: str = "name") -> str:
    raw = json.dumps({"c": "crm.clients", "s": sort,
                      "k": [key, "00000000-0000-0000-0000-000000000001"]})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize("key", ["a\u0000b", "\ud800", 7, None])
def test_a_tampered_cursor_is_a_400_malformed_cursor(api: Api, owner, key):
    refused = assert_problem(api.get(CLIENTS, headers=owner.auth,
                                     params={"cursor": forged(key)}), 400)
    assert set(refused["errors"]) == {"cursor"}


def test_a_tampered_cursor_on_a_custom_number_sort_is_a_400(api: Api, owner):
    defined = api.post("/api/v1/crm/custom-fields", headers=owner.auth, json={
        "entity": "client", "key": "seats", "label": "Seats", "type": "number"})
    assert defined.status_code == 201, defined.text
    for key in ("1e999999", "NaN", 12):
        refused = assert_problem(api.get(CLIENTS, headers=owner.auth, params={
            "sort": "custom.seats", "cursor": forged(key, "custom.seats")}), 400)
        assert set(refused["errors"]) == {"cursor"}
