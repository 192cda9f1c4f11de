"""CSV exports through the running service: filters, chunks, escaping, round trips."""

from __future__ import annotations

import csv
import io

import pytest

from services.crm.tests.settling import settled
from services.crm.use_cases import exports
from shared.errors import ValidationFailed
from shared.testing import wait_until


@pytest.fixture
def rpc(rpc, crm_db):
    """conftest's `rpc`, and crm quiet (no pass running, no event pending) at the end."""
    yield from settled(rpc, crm_db)


def parse(text):
    return list(csv.DictReader(io.StringIO(text, newline="")))


def export_all(api, **filters):
    chunk = api.export_clients(**filters)
    text, chunks = chunk["csv"], 1
    while chunk["next_cursor"]:
        chunk = api.export_clients(**filters, cursor=chunk["next_cursor"],
                                   columns=chunk["columns"])
        text += chunk["csv"]
        chunks += 1
    return text, chunks


def test_an_export_is_the_filtered_list_with_formulas_defused(rpc, firm):
    api = rpc.as_(firm)
    api.create_client(name="=HYPERLINK(\"x\")", currency="EUR", status="active",
                      tags=["vip", "b2b"], billing_address={"city": "Berlin"})
    api.create_client(name="Quiet Lead", currency="USD")
    rows = parse(export_all(api, status="active")[0])
    assert len(rows) == 1
    row = rows[0]
    assert row["name"] == "'=HYPERLINK(\"x\")"
    assert (row["tags"], row["billing_address.city"], row["currency"]) == (
        "vip; b2b", "Berlin", "EUR")
    assert row["id"] and row["created_at"].endswith("Z") and row["legal_name"] == ""


def test_a_long_list_comes_in_chunks_that_line_up(rpc, firm, monkeypatch):
    monkeypatch.setattr(exports, "PAGE", 2)
    monkeypatch.setattr(exports, "PAGES_PER_CHUNK", 1)
    api = rpc.as_(firm, "viewer")
    for i in range(5):
        rpc.as_(firm).create_client(name=f"C{i}", currency="EUR")
    text, chunks = export_all(api)
    assert chunks == 3
    assert [r["name"] for r in parse(text)] == ["C0", "C1", "C2", "C3", "C4"]
    assert text.count("id,name,") == 1


def test_unknown_columns_and_filters_are_refused(rpc, firm):
    with pytest.raises(ValidationFailed) as refused:
        rpc.as_(firm).export_clients(columns=["name", "password"])
    assert "password" in refused.value.errors["columns"][0]
    with pytest.raises(ValidationFailed) as refused:
        rpc.as_(firm).export_clients(limit=5)
    assert set(refused.value.errors) == {"limit"}


def test_an_exported_file_imports_again_as_nothing_new(rpc, firm):
    api = rpc.as_(firm)
    for name in ("Acme", "=cmd|' /C calc'!A0", "Beta"):
        api.create_client(name=name, currency="EUR", notes="line one\nline two")
    text, _ = export_all(api)
    imp = api.start_import(entity="clients", content=text, dry_run=False)
    done = wait_until(lambda: (got := api.get_import(import_id=imp["id"]))["status"]
                      == "completed" and got, timeout=20)
    assert (done["created_rows"], done["skipped_rows"], done["failed_rows"]) == (0, 3, 0)
    assert api.list_clients(include_total=True)["page"]["total"] == 3


def test_nul_characters_in_filters_are_refused_not_a_failed_query(rpc, firm):
    with pytest.raises(ValidationFailed) as refused:
        rpc.as_(firm).export_clients(domain="x\x00y", q="a\x00")
    assert set(refused.value.errors) == {"domain", "q"}


def test_custom_fields_export_as_columns_and_import_back_typed(rpc, firm):
    admin = rpc.as_(firm, "admin")
    admin.create_custom_field(entity="client", key="tier", label="Tier", type="single_select",
                              options=[{"value": "gold"}, {"value": "silver"}])
    admin.create_custom_field(entity="client", key="seats", label="Seats", type="number")
    admin.create_custom_field(entity="client", key="budget", label="Budget", type="money")
    admin.create_custom_field(entity="client", key="regions", label="Regions",
                              type="multi_select", options=[{"value": "eu"}, {"value": "us"}])
    admin.create_custom_field(entity="client", key="vip", label="VIP", type="boolean")
    api = rpc.as_(firm)
    content = (
        "name,currency,custom.tier,custom.seats,custom.budget,custom.regions,custom.vip\n"
        "Acme,EUR,gold,12,1200.50 EUR,eu; us,yes\n"
        "Beta,EUR,platinum,1.5,,,\n"
    )
    started = api.start_import(entity="clients", content=content)
    report = wait_until(lambda: (got := api.get_import(import_id=started["id"]))["status"]
                        == "validated" and got, timeout=20)
    assert (report["created_rows"], report["failed_rows"]) == (1, 1)
    assert {p["column"] for p in report["problems"]} == {"custom.tier", "custom.seats"}
    api.run_import(import_id=report["id"])
    wait_until(lambda: api.get_import(import_id=report["id"])["status"] == "completed")
    acme = api.list_clients()["data"][0]
    assert acme["custom"] == {"tier": "gold", "seats": 12, "vip": True, "regions": ["eu", "us"],
                              "budget": {"amount": "1200.50", "currency": "EUR"}}
    rows = parse(export_all(api)[0])
    assert [(r["custom.tier"], r["custom.seats"], r["custom.budget"], r["custom.regions"],
             r["custom.vip"]) for r in rows] == [("gold", "12", "1200.50 EUR", "eu; us", "true")]
