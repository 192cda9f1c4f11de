"""Custom fields at the gateway: the deepObject filter, custom sorts, the document."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from gateway.schemas.crm_clients import ClientListQuery


def test_custom_bracket_parameters_become_the_custom_filter_dict():
    loaded = ClientListQuery().load({"custom[tier]": "gold", "custom[seats]": "5", "q": "ac"})
    assert loaded["custom"] == {"tier": "gold", "seats": "5"}
    assert loaded["q"] == "ac" and loaded["sort"] == "name"
    assert "custom" not in ClientListQuery().load({})


@pytest.mark.parametrize("query, field", [
    ({"custom[Tier]": "gold"}, "custom[Tier]"),
    ({"custom[a][b]": "x"}, "custom[a][b]"),
    ({"custom[]": "x"}, "custom[]"),
    ({"custom": "tier:gold"}, "custom"),
])
def test_malformed_custom_filters_are_refused(query, field):
    with pytest.raises(ValidationError) as refused:
        ClientListQuery().load(query)
    assert field in refused.value.messages


@pytest.mark.parametrize("sort", ["name", "-updated_at", "custom.tier", "-custom.seats_2"])
def test_sorts_take_custom_keys(sort):
    assert ClientListQuery().load({"sort": sort})["sort"] == sort


@pytest.mark.parametrize("sort", ["custom.", "custom.Tier", "--name", "colour", "custom.a.b"])
def test_other_sorts_are_refused(sort):
    with pytest.raises(ValidationError) as refused:
        ClientListQuery().load({"sort": sort})
    assert "sort" in refused.value.messages


def test_bad_filters_are_400_before_any_service_call(client, auth, identity):
    response = client.get("/api/v1/crm/clients?custom[Bad-Key]=x", headers=auth)
    assert response.status_code == 400
    assert set(response.get_json()["errors"]) == {"custom[Bad-Key]"}
    assert client.get("/api/v1/crm/clients?sort=custom.", headers=auth).status_code == 400
    assert [name for name, _, _ in identity.calls if name != "jwks"] == []


def test_the_document_describes_the_filter_as_a_deep_object(client):
    document = client.get("/api/v1/openapi.json").get_json()
    params = document["paths"]["/api/v1/crm/clients"]["get"]["parameters"]
    custom = next(p for p in params if p["name"] == "custom")
    assert custom["in"] == "query" and custom["style"] == "deepObject"
    assert custom["explode"] is True and custom["schema"]["type"] == "object"
    assert "parameter" not in custom["schema"]
    paths = document["paths"]
    assert set(paths["/api/v1/crm/custom-fields"]) == {"get", "post"}
    assert set(paths["/api/v1/crm/custom-fields/{custom_field_id}"]) == {
        "get", "patch", "delete"}
    patch = paths["/api/v1/crm/custom-fields/{custom_field_id}"]["patch"]
    assert {"412", "428"} <= set(patch["responses"])


def test_the_filter_documents_its_keys_and_bounds(client):
    document = client.get("/api/v1/openapi.json").get_json()
    params = document["paths"]["/api/v1/crm/clients"]["get"]["parameters"]
    schema = next(p for p in params if p["name"] == "custom")["schema"]
    assert schema["propertyNames"] == {"pattern": "^[a-z][a-z0-9_]{0,63}$"}
    assert schema["maxProperties"] == 5
    assert schema["additionalProperties"]["maxLength"] == 100
    too_many = {f"custom[k{i}]": "x" for i in range(6)}
    with pytest.raises(ValidationError):
        ClientListQuery().load(too_many)


def test_a_cursor_is_base64url_in_the_document_and_at_the_door(client, auth):
    document = client.get("/api/v1/openapi.json").get_json()
    params = document["paths"]["/api/v1/crm/clients"]["get"]["parameters"]
    assert next(p for p in params if p["name"] == "cursor")["schema"]["pattern"] == \
        "^[A-Za-z0-9_-]+$"
    refused = client.get("/api/v1/crm/clients?cursor=not%20a%20cursor", headers=auth)
    assert refused.status_code == 400 and "cursor" in refused.get_json()["errors"]


def test_range_parameters_become_the_custom_min_and_max_dicts():
    loaded = ClientListQuery().load({"custom_min[seats]": "5", "custom_max[seats]": "10",
                                     "custom_max[signed]": "2026-12-31",
                                     "custom[budget]": "EUR"})
    assert loaded["custom_min"] == {"seats": "5"}
    assert loaded["custom_max"] == {"seats": "10", "signed": "2026-12-31"}
    assert loaded["custom"] == {"budget": "EUR"}
    assert not {"custom_min", "custom_max"} & set(ClientListQuery().load({}))


@pytest.mark.parametrize("query, field", [
    ({"custom_min[Seats]": "5"}, "custom_min[Seats]"),
    ({"custom_max[a][gte]": "5"}, "custom_max[a][gte]"),
    ({"custom_min": "seats:5"}, "custom_min"),
    ({"custom_max[seats]": "9" * 41}, "custom_max"),
    ({"custom_min[seats]": ""}, "custom_min"),
    ({**{f"custom_min[k{i}]": "1" for i in range(6)}}, "custom_min"),
    ({"custom_minimum[seats]": "5"}, "custom_minimum[seats]"),
])
def test_malformed_range_filters_are_refused(query, field):
    with pytest.raises(ValidationError) as refused:
        ClientListQuery().load(query)
    assert field in refused.value.messages


@pytest.mark.parametrize("path", ["/api/v1/crm/clients", "/api/v1/crm/contacts",
                                  "/api/v1/crm/deals", "/api/v1/crm/clients/export",
                                  "/api/v1/crm/contacts/export"])
def test_the_document_describes_each_range_as_a_one_level_deep_object(client, path):
    document = client.get("/api/v1/openapi.json").get_json()
    params = {p["name"]: p for p in document["paths"][path]["get"]["parameters"]}
    for name in ("custom_min", "custom_max"):
        declared = params[name]
        assert declared["in"] == "query" and declared["style"] == "deepObject"
        assert declared["explode"] is True
        schema = declared["schema"]
        assert schema["type"] == "object" and schema["maxProperties"] == 5
        assert schema["propertyNames"] == {"pattern": "^[a-z][a-z0-9_]{0,63}$"}
        assert schema["additionalProperties"] == {"type": "string", "minLength": 1,
                                                  "maxLength": 40}
        assert "inclusive" in (declared.get("description") or schema.get("description"))


def test_the_document_lists_every_lists_time_windows(client):
    document = client.get("/api/v1/openapi.json").get_json()
    windows = {"/api/v1/crm/clients": ("created", "updated"),
               "/api/v1/crm/contacts": ("created", "updated"),
               "/api/v1/crm/deals": ("created", "updated", "closed")}
    for path, times in windows.items():
        params = {p["name"]: p for p in document["paths"][path]["get"]["parameters"]}
        for time in times:
            for edge in ("after", "before"):
                assert params[f"{time}_{edge}"]["schema"]["format"] == "date-time", (path, time)


def test_a_time_without_its_zone_is_refused_before_any_service_call(client, auth, identity):
    response = client.get("/api/v1/crm/contacts?updated_after=2026-03-01T12:00:00",
                          headers=auth)
    assert response.status_code == 400
    assert set(response.get_json()["errors"]) == {"updated_after"}
    assert [name for name, _, _ in identity.calls if name != "jwks"] == []
