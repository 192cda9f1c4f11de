"""CSV import and export through the gateway: upload, dry run, run, progress, round trip."""

from __future__ import annotations

import csv
import io
from typing import Any

from shared.testing import wait_until
from tests.e2e.helpers import Account, Api, assert_problem, invite_and_join, signup

IMPORTS = "/api/v1/crm/imports"
CLIENTS = "/api/v1/crm/clients"
FILE = (
    "Company Name;Currency;Tags;City;Notes\r\n"
    "Acme GmbH;eur;vip, b2b;Berlin;=1+1\r\n"
    ";EUR;;;\r\n"
    "Zoë & Co;GBP;;Zürich;\r\n"
)


def upload(api: Api, account: Account, body: bytes, query: str = "entity=clients",
           content_type: str = "text/csv", **headers: str) -> Any:
    return api.post(f"{IMPORTS}?{query}", data=body,
                    headers={**account.auth, "Content-Type": content_type, **headers})


def until_status(api: Api, account: Account, location: str, status: str) -> dict[str, Any]:
    def read() -> dict[str, Any] | None:
        body = api.get(location, headers=account.auth).json()
        return body if body["status"] == status else None
    return wait_until(read, timeout=30, interval=0.1)


def names(api: Api, account: Account) -> list[str]:
    return [c["name"] for c in api.get(CLIENTS, headers=account.auth).json()["data"]]


def test_upload_dry_run_run_and_progress_to_done(api: Api, owner: Account):
    uploaded = upload(api, owner, FILE.encode("utf-16"), "entity=clients&file_name=a.csv")
    assert uploaded.status_code == 201, uploaded.text
    location = uploaded.headers["Location"]
    assert uploaded.json()["status"] == "validating"
    report = until_status(api, owner, location, "validated")
    assert (report["total_rows"], report["created_rows"], report["failed_rows"]) == (3, 2, 1)
    assert report["problems"] == [{"row": 3, "column": "Company Name",
                                   "message": "Missing data for required field."}]
    assert names(api, owner) == []

    run = api.post(f"{location}/run", headers={**owner.auth, "Idempotency-Key": "run-1"})
    assert run.status_code == 202, run.text
    done = until_status(api, owner, location, "completed")
    assert (done["processed_rows"], done["created_rows"], done["failed_rows"]) == (3, 2, 1)
    assert names(api, owner) == ["Acme GmbH", "Zoë & Co"]
    acme = api.get(CLIENTS, headers=owner.auth, params={"q": "acme"}).json()["data"][0]
    assert (acme["tags"], acme["notes"], acme["billing_address"]["city"]) == (
        ["vip", "b2b"], "=1+1", "Berlin")
    replay = api.post(f"{location}/run", headers={**owner.auth, "Idempotency-Key": "run-1"})
    assert replay.status_code == 202 and replay.headers["Idempotent-Replayed"] == "true"
    assert_problem(api.post(f"{location}/run", headers=owner.auth), 409)
    assert_problem(api.post(f"{location}/retry", headers=owner.auth), 409)  # not failed
    problems = api.get(f"{location}/problems", headers=owner.auth).json()
    assert problems["data"] == done["problems"] and done["unlisted_problem_count"] == 0

    again = upload(api, owner, FILE.encode(), "entity=clients&dry_run=false")
    rerun = until_status(api, owner, again.headers["Location"], "completed")
    assert (rerun["created_rows"], rerun["skipped_rows"]) == (0, 2)
    assert len(names(api, owner)) == 2
    listed = api.get(IMPORTS, headers=owner.auth, params={"status": "completed"}).json()
    assert [i["id"] for i in listed["data"]] == [rerun["id"], done["id"]]


def test_bad_files_are_refused_with_a_reason_and_write_nothing(api: Api, owner: Account):
    cases = [
        (b"", "text/csv", 400, "empty"),
        (b'name,currency\n"Acme,EUR\n', "text/csv", 400, "unbalanced quote"),
        (b"name,colour\nAcme,red\n", "text/csv", 400, "Unknown columns"),
        (b"name,notes\nAcme,x\n", "text/csv", 400, "Missing required columns: currency"),
        ("name,currency\nZoë,EUR\n".encode("latin-1"), "text/csv", 400, "not valid UTF-8"),
        (b'{"name": "x"}', "application/json", 415, "text/csv"),
        (b"a" * (10 * 1024 * 1024 + 1), "text/csv", 413, "at most"),
    ]
    for body, content_type, status, reason in cases:
        problem = assert_problem(upload(api, owner, body, content_type=content_type), status)
        assert reason in problem["detail"], (reason, problem)
    assert names(api, owner) == []


def test_a_viewer_cannot_import_and_another_tenant_cannot_see_an_import(api: Api,
                                                                         owner: Account):
    uploaded = upload(api, owner, b"name,currency\nAcme,EUR\n")
    assert uploaded.status_code == 201
    viewer = invite_and_join(api, owner, "viewer")
    assert api.get(uploaded.headers["Location"], headers=viewer.auth).status_code == 200
    assert_problem(upload(api, viewer, b"name,currency\nAcme,EUR\n"), 403)
    stranger = signup(api)
    assert_problem(api.get(uploaded.headers["Location"], headers=stranger.auth), 404)
    assert_problem(api.post(f"{uploaded.headers['Location']}/run", headers=stranger.auth), 404)
    assert_problem(api.get(f"{uploaded.headers['Location']}/problems",
                           headers=stranger.auth), 404)


def test_an_export_is_the_filtered_list_and_imports_again_as_nothing_new(api: Api,
                                                                         owner: Account):
    for name, status in (("=SUM(A1)", "active"), ("Beta", "active"), ("Gamma", "lead")):
        created = api.post(CLIENTS, headers=owner.auth, json={
            "name": name, "currency": "EUR", "status": status, "notes": "two\nlines"})
        assert created.status_code == 201, created.text
    export = api.get(f"{CLIENTS}/export", headers=owner.auth, params={"status": "active"})
    assert export.status_code == 200
    assert export.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(export.text, newline="")))
    assert [r["name"] for r in rows] == ["'=SUM(A1)", "Beta"]
    assert rows[1]["notes"] == "two\nlines"
    assert_problem(api.get(f"{CLIENTS}/export", headers=owner.auth,
                           params={"status": "gone"}), 400)

    everything = api.get(f"{CLIENTS}/export", headers=owner.auth).content
    reimport = upload(api, owner, everything, "entity=clients&dry_run=false")
    done = until_status(api, owner, reimport.headers["Location"], "completed")
    assert (done["created_rows"], done["skipped_rows"], done["failed_rows"]) == (0, 3, 0)
    assert len(names(api, owner)) == 3


def test_a_file_near_the_size_limit_travels_to_crm_and_is_reported_row_by_row(
        api: Api, owner: Account):
    long_note = "n" * 99_000  # a cell the file accepts, notes refuse (20,000 at most)
    body = ("name,currency,notes\n" + "".join(
        f"Client {i},EUR,{long_note}\n" for i in range(100))).encode()
    assert 9 * 1024 * 1024 < len(body) < 10 * 1024 * 1024
    uploaded = upload(api, owner, body)
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["total_rows"] == 100
    report = until_status(api, owner, uploaded.headers["Location"], "validated")
    assert (report["failed_rows"], report["created_rows"]) == (100, 0)
    assert {p["column"] for p in report["problems"]} == {"notes"}



def test_contacts_import_linked_to_their_client_and_export_round_trip(api: Api,
                                                                     owner: Account):
    created = api.post(CLIENTS, headers=owner.auth, json={"name": "Acme", "currency": "EUR"})
    assert created.status_code == 201, created.text
    body = (b"First Name;Last Name;Email;Company;Role\r\n"
            b"Ann;Lee;ann@acme.test, ann@home.test;acme;Billing\r\n")
    uploaded = upload(api, owner, body, "entity=contacts&dry_run=false")
    assert uploaded.status_code == 201, uploaded.text
    done = until_status(api, owner, uploaded.headers["Location"], "completed")
    assert (done["created_rows"], done["failed_rows"]) == (1, 0), done["problems"]
    [ann] = api.get("/api/v1/crm/contacts", headers=owner.auth).json()["data"]
    assert (ann["name"], ann["primary_email"]) == ("Ann Lee", "ann@acme.test")
    assert ann["primary_client_id"] == created.json()["id"]
    export = api.get("/api/v1/crm/contacts/export", headers=owner.auth)
    assert export.status_code == 200
    [row] = list(csv.DictReader(io.StringIO(export.text, newline="")))
    assert (row["id"], row["emails"]) == (ann["id"], "ann@acme.test; ann@home.test")
    again = upload(api, owner, export.content, "entity=contacts&dry_run=false")
    rerun = until_status(api, owner, again.headers["Location"], "completed")
    assert (rerun["created_rows"], rerun["skipped_rows"]) == (0, 1)


def test_every_problem_of_a_dry_run_is_listed_page_by_page(api: Api, owner: Account):
    rows = "".join(f"Firm {i},EURO\n" for i in range(1, 1101))  # row i+1: a bad currency
    uploaded = upload(api, owner, f"name,currency\n{rows}".encode())
    report = until_status(api, owner, uploaded.headers["Location"], "validated")
    assert report["problem_count"] == 1100 and len(report["problems"]) == 1000
    assert report["problems_truncated"] and report["unlisted_problem_count"] == 100
    listed: list[dict[str, Any]] = []
    url, params = f"{uploaded.headers['Location']}/problems", {"limit": 100}
    while True:
        page = api.get(url, headers=owner.auth, params=params)
        assert page.status_code == 200, page.text
        listed.extend(page.json()["data"])
        if "Link" not in page.headers:
            break
        params = {"limit": 100, "cursor": page.json()["page"]["next_cursor"]}
    assert [p["row"] for p in listed] == list(range(2, 1102))
    assert {p["column"] for p in listed} == {"currency"}
