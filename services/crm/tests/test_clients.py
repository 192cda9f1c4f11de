"""Clients through the running service: create, read, list; tenants and roles kept apart."""

from __future__ import annotations

import eventlet
import pytest
from sqlalchemy import create_engine, text

from shared.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shared.testing import wait_until

ACME = {"name": "Acme GmbH", "currency": "eur", "website": "https://www.acme.example/x"}


def test_a_member_creates_a_client_and_reads_it_back(rpc, firm):
    created = rpc.as_(firm, "member").create_client(**ACME, tags=["VIP", "vip", "b2b"])
    assert created["currency"] == "EUR"
    assert created["domain"] == "acme.example"
    assert created["tags"] == ["VIP", "b2b"]
    assert created["owner_id"] == firm.user("member")
    assert created["status"] == "lead" and created["version"] == 1
    assert rpc.as_(firm, "viewer").get_client(client_id=created["id"]) == created


def test_another_tenants_client_is_not_found(rpc, firm, other_firm):
    created = rpc.as_(firm).create_client(**ACME)
    with pytest.raises(NotFound):
        rpc.as_(other_firm).get_client(client_id=created["id"])
    assert rpc.as_(other_firm).list_clients()["data"] == []


def test_a_viewer_cannot_create(rpc, firm):
    with pytest.raises(PermissionDenied):
        rpc.as_(firm, "viewer").create_client(**ACME)


def test_a_duplicate_name_needs_confirmation(rpc, firm):
    rpc.as_(firm).create_client(**ACME)
    with pytest.raises(Conflict):
        rpc.as_(firm).create_client(**{**ACME, "name": "ACME gmbh"})
    second = rpc.as_(firm).create_client(**{**ACME, "name": "ACME gmbh"},
                                         confirm_duplicate_name=True)
    assert second["name"] == "ACME gmbh"


def test_two_concurrent_creates_of_one_name_make_one_client_and_one_conflict(rpc, firm,
                                                                            crm_db):
    """Both creates are held at their INSERT (a SHARE lock on the table, taken by the
    test) until both have started; without serialising the check, both would pass it."""
    owner = create_engine(crm_db.owner_url)
    waiting = text("SELECT count(*) FROM pg_locks WHERE NOT granted AND database = "
                   "(SELECT oid FROM pg_database WHERE datname = current_database())")
    try:
        with owner.connect() as gate:
            gate.execute(text("LOCK TABLE clients IN SHARE MODE"))
            attempts = [eventlet.spawn(_outcome, rpc.as_(firm, role).create_client,
                                       **{**ACME, "name": name})
                        for role, name in (("owner", "Acme GmbH"), ("member", "ACME gmbh"))]
            with owner.connect() as probe:
                wait_until(lambda: probe.execute(waiting).scalar_one() == 2, timeout=30)
            gate.rollback()  # releases the table
            outcomes = sorted(type(a.wait()).__name__ for a in attempts)
    finally:
        owner.dispose()
    assert outcomes == ["Conflict", "dict"]
    assert len(rpc.as_(firm).list_clients()["data"]) == 1


def _outcome(call, **kwargs):
    try:
        return call(**kwargs)
    except Conflict as refused:
        return refused


def test_bad_input_is_refused_field_by_field(rpc, firm):
    with pytest.raises(ValidationFailed) as refused:
        rpc.as_(firm).create_client(name="", currency="EURO", website="not a url", color=1)
    assert set(refused.value.errors) == {"name", "currency", "website", "color"}


def test_an_owner_must_be_a_member(rpc, firm):
    with pytest.raises(ValidationFailed) as refused:
        rpc.as_(firm).create_client(**ACME, owner_id="00000000-0000-0000-0000-000000000001")
    assert set(refused.value.errors) == {"owner_id"}


def test_lists_filter_search_and_page(rpc, firm):
    api = rpc.as_(firm)
    for name in ("Beta", "Alpha", "Gamma"):
        api.create_client(name=name, currency="USD", tags=["t"] if name != "Beta" else [])
    first = api.list_clients(limit=2)
    assert [c["name"] for c in first["data"]] == ["Alpha", "Beta"]
    rest = api.list_clients(limit=2, cursor=first["page"]["next_cursor"])
    assert [c["name"] for c in rest["data"]] == ["Gamma"] and not rest["page"]["has_more"]
    assert [c["name"] for c in api.list_clients(q="amm")["data"]] == ["Gamma"]
    assert [c["name"] for c in api.list_clients(tag="t", sort="-name")["data"]] == [
        "Gamma", "Alpha"]
    assert api.list_clients(include_total=True, q="a")["page"]["total"] == 3


@pytest.mark.parametrize("website", ["http://[1:2]/", "https://[::1", "http://"])
def test_a_website_no_url_parser_reads_is_refused_on_create_and_update(rpc, firm, website):
    api = rpc.as_(firm)
    with pytest.raises(ValidationFailed) as refused:
        api.create_client(**{**ACME, "website": website})
    assert set(refused.value.errors) == {"website"}
    created = api.create_client(**ACME)
    with pytest.raises(ValidationFailed) as refused:
        api.update_client(client_id=created["id"], website=website)
    assert set(refused.value.errors) == {"website"}


def test_a_domain_filter_is_normalised_and_one_with_no_domain_in_it_is_refused(rpc, firm):
    api = rpc.as_(firm)
    api.create_client(**ACME)
    api.create_client(name="No site", currency="EUR")
    assert [c["name"] for c in api.list_clients(domain="WWW.acme.example")["data"]] == [
        "Acme GmbH"]
    for domain in ("[x", "http://", "https://[1:2]/"):
        with pytest.raises(ValidationFailed) as refused:
            api.list_clients(domain=domain)
        assert set(refused.value.errors) == {"domain"}
        with pytest.raises(ValidationFailed) as refused:
            api.export_clients(domain=domain)
        assert set(refused.value.errors) == {"domain"}


def test_text_no_service_can_store_is_refused_naming_the_field_over_the_wire(rpc, firm):
    api = rpc.as_(firm)
    with pytest.raises(ValidationFailed) as refused:
        api.create_client(name="Acme \ud800", currency="EUR", tags=["ok", "b\udfffad"])
    assert set(refused.value.errors) == {"name", "tags.1"}
    nested: object = "x"
    for _ in range(40):
        nested = [nested]
    with pytest.raises(ValidationFailed) as refused:
        api.create_client(name="Deep", currency="EUR", custom={"tier": nested})
    assert set(refused.value.errors) == {"custom"}


def test_a_tampered_cursor_is_a_validation_failure(rpc, firm):
    import base64
    import json

    api = rpc.as_(firm)
    for key in ("a\u0000b", 7, "x" * 20_000):
        raw = json.dumps({"c": "crm.clients", "s": "name",
                          "k": [key, "00000000-0000-0000-0000-000000000001"]})
        cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
        with pytest.raises(ValidationFailed) as refused:
            api.list_clients(cursor=cursor)
        assert set(refused.value.errors) == {"cursor"}
