"""Contacts through the import and export machinery: lists of emails and phones, a link
to a client named in the row, and an export that imports again as nothing new."""

from __future__ import annotations

import csv
import io

import pytest

from services.crm.tests.settling import settled
from shared.testing import wait_until

FILE = (
    "First Name,Surname,E-mail,Phone,Company,Role,Tags\n"
    "Ann,Lee,ann@acme.test; ann@home.test,+49 30 123456,Acme GmbH,Billing,vip\n"
    "Bob,,not-an-email,,,,\n"
    "Cy,Doe,cy@beta.test,,Nobody Inc,,\n"
    ",,,,,,x\n"
)


@pytest.fixture
def rpc(rpc, crm_db):
    """conftest's `rpc`, and crm quiet (no pass running, no event pending) at the end."""
    yield from settled(rpc, crm_db)


def finished(api, imp, status):
    return wait_until(lambda: (got := api.get_import(import_id=imp["id"]))["status"] == status
                      and got, timeout=20)


def test_contacts_import_with_their_emails_phones_and_client(rpc, firm):
    api = rpc.as_(firm, "member")
    acme = api.create_client(name="Acme GmbH", currency="EUR")
    report = finished(api, api.start_import(entity="contacts", content=FILE), "validated")
    assert (report["created_rows"], report["failed_rows"]) == (1, 3)
    assert {(p["row"], p["column"]) for p in report["problems"]} == {
        (3, "E-mail"), (4, "Company"), (5, "name")}
    assert api.list_contacts()["data"] == []
    api.run_import(import_id=report["id"])
    done = finished(api, report, "completed")
    assert (done["created_rows"], done["failed_rows"]) == (1, 3)
    [ann] = api.list_contacts()["data"]
    assert (ann["name"], ann["primary_email"], ann["primary_phone"]) == (
        "Ann Lee", "ann@acme.test", "+4930123456")
    assert [e["value"] for e in ann["emails"]] == ["ann@acme.test", "ann@home.test"]
    assert ann["primary_client_id"] == acme["id"] and ann["tags"] == ["vip"]
    [link] = api.list_contact_clients(contact_id=ann["id"])["data"]
    assert link["role"] == "Billing"


def test_an_exported_contact_list_imports_again_as_nothing_new(rpc, firm):
    api = rpc.as_(firm)
    api.create_contact(first_name="Ann", last_name="Lee",
                       emails=[{"value": "a@x.test"}, {"value": "b@x.test", "primary": True}])
    api.create_contact(name="=cmd", phones=[{"value": "+49 30 123456"}])
    chunk = api.export_contacts()
    rows = list(csv.DictReader(io.StringIO(chunk["csv"], newline="")))
    assert [r["name"] for r in rows] == ["'=cmd", "Ann Lee"]
    assert rows[1]["emails"] == "b@x.test; a@x.test" and chunk["next_cursor"] is None
    again = api.start_import(entity="contacts", content=chunk["csv"], dry_run=False)
    done = finished(api, again, "completed")
    assert (done["created_rows"], done["skipped_rows"], done["failed_rows"]) == (0, 2, 0)
    assert api.list_contacts(include_total=True)["page"]["total"] == 2
