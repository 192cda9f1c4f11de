"""CSV imports through the running service: dry run, import, re-run, bad files, tenants."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from sqlalchemy import create_engine, text

from services.crm.domain import imports as rules
from services.crm.tests.settling import settled
from services.crm.use_cases import importers, imports, members
from shared.db import tenant_transaction, utcnow
from shared.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from shared.money import NO_CURRENCY
from shared.testing import wait_until

GOOD = "Company Name,Currency,Tags,City\r\nAcme,eur,vip; b2b,Berlin\r\nBeta,usd,,\r\n"
MIXED = (
    "name,currency,website,custom.size\n"
    "Good One,EUR,,\n"
    ",EUR,,\n"                      # row 3: no name
    "Bad Money,EURO,not a url,\n"   # row 4: two problems
    "Short row\n"                   # row 5: ragged
    "Sized,EUR,,10\n"               # row 6: no such custom field
    "Good Two,GBP,https://two.example,\n"
)


@pytest.fixture
def rpc(rpc, crm_db):
    """conftest's `rpc`, and crm quiet (no pass running, no event pending) at the end."""
    yield from settled(rpc, crm_db)


@pytest.fixture
def table_rows(crm_db):
    engine = create_engine(crm_db.owner_url)

    def count(table, tenant_id):
        with engine.connect() as conn:
            return conn.execute(text(f"SELECT count(*) FROM {table} WHERE tenant_id = :t"),
                                {"t": tenant_id}).scalar_one()
    yield count
    engine.dispose()


@pytest.fixture
def created_events(crm_db):
    engine = create_engine(crm_db.owner_url)

    def count(tenant_id):
        with engine.connect() as conn:
            return conn.execute(text(
                "SELECT count(*) FROM outbox WHERE tenant_id = :t "
                "AND event_type = 'crm.client.created'"), {"t": tenant_id}).scalar_one()
    yield count
    engine.dispose()


def finished(api, imp, status):
    return wait_until(lambda: (got := api.get_import(import_id=imp["id"]))["status"] == status
                      and got, timeout=20)


def test_a_dry_run_reports_every_rows_problems_and_writes_nothing(rpc, firm, table_rows):
    api = rpc.as_(firm, "member")
    started = api.start_import(entity="clients", content=MIXED, file_name="mixed.csv")
    assert started["status"] == "validating" and started["total_rows"] == 6
    report = finished(api, started, "validated")
    assert (report["processed_rows"], report["created_rows"], report["failed_rows"]) == (6, 2, 4)
    by_row = {}
    for p in report["problems"]:
        by_row.setdefault(p["row"], set()).add(p["column"])
    assert by_row == {3: {"name"}, 4: {"currency", "website"}, 5: {None},
                      6: {"custom.size"}}
    assert report["problem_count"] == 5 and not report["problems_truncated"]
    assert table_rows("clients", firm.tenant_id) == 0
    assert api.list_clients()["data"] == []


def test_running_a_dry_run_creates_its_valid_rows_and_announces_them(rpc, firm,
                                                                      created_events):
    api = rpc.as_(firm, "member")
    imp = finished(api, api.start_import(entity="clients", content=MIXED), "validated")
    assert api.run_import(import_id=imp["id"])["status"] == "importing"
    done = finished(api, imp, "completed")
    assert (done["created_rows"], done["failed_rows"], done["skipped_rows"]) == (2, 4, 0)
    assert done["finished_at"] and done["dry_run"] is False
    names = [c["name"] for c in api.list_clients()["data"]]
    assert names == ["Good One", "Good Two"]
    assert created_events(firm.tenant_id) == 2
    with pytest.raises(Conflict):
        api.run_import(import_id=imp["id"])


def test_a_direct_import_maps_headers_and_a_rerun_creates_nothing_twice(rpc, firm):
    api = rpc.as_(firm)
    first = finished(api, api.start_import(entity="clients", content=GOOD, dry_run=False),
                     "completed")
    assert (first["created_rows"], first["skipped_rows"]) == (2, 0)
    acme = api.list_clients(q="acme")["data"][0]
    assert acme["currency"] == "EUR" and acme["tags"] == ["vip", "b2b"]
    assert acme["billing_address"]["city"] == "Berlin"
    reordered = "City,Tags,Currency,Company Name\r\nBerlin,vip; b2b,eur,Acme\r\nx,,GBP,Gamma\r\n"
    second = finished(api, api.start_import(entity="clients", content=reordered,
                                            dry_run=False), "completed")
    assert (second["created_rows"], second["skipped_rows"], second["failed_rows"]) == (1, 1, 0)
    assert api.list_clients(include_total=True)["page"]["total"] == 3


def test_the_same_name_twice_in_a_file_is_reported_unless_allowed(rpc, firm):
    api = rpc.as_(firm)
    content = "name,currency,notes\nAcme,EUR,first\nACME,EUR,second\n"
    report = finished(api, api.start_import(entity="clients", content=content), "validated")
    assert report["failed_rows"] == 1 and report["problems"][0]["row"] == 3
    api.create_client(name="Acme", currency="EUR")
    clash = finished(api, api.start_import(entity="clients", content=content), "validated")
    assert clash["failed_rows"] == 2
    assert "allow_duplicate_names=true" in clash["problems"][0]["message"]
    allowed = finished(api, api.start_import(entity="clients", content=content,
                                             allow_duplicate_names=True), "validated")
    assert allowed["failed_rows"] == 0 and allowed["created_rows"] == 2


@pytest.mark.parametrize(("content", "message"), [
    ("", "empty"),
    ("name,currency\n", "no rows"),
    ('name,currency\n"Acme,EUR\n', "unbalanced quote"),
    ("name,colour\nAcme,red\n", "Unknown columns: 'colour'"),
    ("name,notes\nAcme,x\n", "Missing required columns: currency"),
])
def test_a_bad_file_is_refused_and_nothing_is_written(rpc, firm, table_rows, content, message):
    with pytest.raises(ValidationFailed) as refused:
        rpc.as_(firm).start_import(entity="clients", content=content)
    assert message in " ".join(refused.value.errors["file"])
    assert table_rows("imports", firm.tenant_id) == 0


def test_unknown_entities_viewers_and_other_tenants_are_refused(rpc, firm, other_firm):
    with pytest.raises(ValidationFailed) as refused:
        rpc.as_(firm).start_import(entity="planets", content=GOOD)
    assert set(refused.value.errors) == {"entity"}
    with pytest.raises(PermissionDenied):
        rpc.as_(firm, "viewer").start_import(entity="clients", content=GOOD)
    imp = rpc.as_(firm).start_import(entity="clients", content=GOOD)
    assert rpc.as_(firm, "viewer").get_import(import_id=imp["id"])["id"] == imp["id"]
    with pytest.raises(NotFound):
        rpc.as_(other_firm).get_import(import_id=imp["id"])
    with pytest.raises(NotFound):
        rpc.as_(other_firm).run_import(import_id=imp["id"])


def test_problems_stored_are_capped_and_say_so(rpc, firm, monkeypatch):
    monkeypatch.setattr(rules, "MAX_STORED_PROBLEMS", 3)
    content = "name,currency\n" + "".join(f"N{i},{NO_CURRENCY}\n" for i in range(5))
    report = finished(rpc.as_(firm), rpc.as_(firm).start_import(entity="clients",
                                                                content=content), "validated")
    assert len(report["problems"]) == 3 and report["problem_count"] == 5
    assert report["problems_truncated"] is True


def test_an_import_that_dies_between_batches_resumes_without_creating_twice(crm_db, firm):
    ctx = firm.context("member")

    def transaction():
        return tenant_transaction(crm_db.sessions, ctx)

    content = "name,currency\n" + "".join(f"Client {i:02},EUR\n" for i in range(7))
    with transaction() as session:
        imp = imports.start_import(session, ctx, entity="clients", content=content,
                                   dry_run=False)
    batches = []

    def die_after_two() -> None:
        batches.append(1)
        if len(batches) == 2:
            raise RuntimeError("the process died")

    with pytest.raises(RuntimeError):
        imports.run_pass(transaction, ctx, import_id=uuid.UUID(str(imp["id"])),
                         pause=die_after_two, batch_size=3)
    with transaction() as session:
        halfway = imports.get_import(session, ctx, import_id=imp["id"])
    assert (halfway["status"], halfway["processed_rows"], halfway["created_rows"]) == (
        "importing", 6, 6)
    imports.run_pass(transaction, ctx, import_id=uuid.UUID(str(imp["id"])), batch_size=3)
    imports.run_pass(transaction, ctx, import_id=uuid.UUID(str(imp["id"])), batch_size=3)
    with transaction() as session:
        done = imports.get_import(session, ctx, import_id=imp["id"])
        clients = session.execute(text("SELECT count(*) FROM clients")).scalar_one()
        kept = session.execute(text("SELECT content FROM imports")).scalar_one()
    assert (done["status"], done["processed_rows"], done["created_rows"]) == ("completed", 7, 7)
    assert clients == 7
    assert kept is None  # the file is not kept once imported


def test_a_nul_in_a_file_name_is_refused(rpc, firm):
    with pytest.raises(ValidationFailed) as refused:
        rpc.as_(firm).start_import(entity="clients", content=GOOD, file_name="a\x00.csv")
    assert set(refused.value.errors) == {"file_name"}


def test_a_tenant_runs_at_most_two_passes_at_once(crm_db, firm, other_firm):
    # No container runs here: the requested passes stay requested, i.e. running.
    def start(who):
        ctx = who.context("member")
        with tenant_transaction(crm_db.sessions, ctx) as session:
            return imports.start_import(session, ctx, entity="clients", content=GOOD)

    for _ in range(imports.MAX_ACTIVE_PER_TENANT):
        start(firm)
    with pytest.raises(Conflict):
        start(firm)
    assert start(other_firm)["status"] == "validating"


def test_an_owner_email_column_names_the_owner_among_the_members(crm_db, firm):
    ctx = firm.context("member")
    ann = uuid.uuid4()

    def transaction():
        return tenant_transaction(crm_db.sessions, ctx)

    with transaction() as session:
        members.record_member(session, tenant_id=uuid.UUID(firm.tenant_id), user_id=ann,
                              occurred_at=utcnow(), role="member", email="ann@acme.test",
                              name="Ann")
        imp = imports.start_import(session, ctx, entity="clients", dry_run=False, content=(
            "name,currency,owner\nMine,EUR,ANN@acme.test\nNobody's,EUR,bob@acme.test\n"))
    imports.run_pass(transaction, ctx, import_id=uuid.UUID(str(imp["id"])))
    with transaction() as session:
        done = imports.get_import(session, ctx, import_id=imp["id"])
        owners = session.execute(text("SELECT name, owner_id FROM clients")).all()
    assert owners == [("Mine", ann)]
    assert done["problems"] == [{"row": 3, "column": "owner",
                                 "message": "No member of your firm has this email."}]


def test_a_row_that_fails_unexpectedly_is_reported_and_the_others_import(crm_db, firm,
                                                                         monkeypatch):
    ctx = firm.context("member")
    real_create = importers.CLIENTS.create

    def create(session, ctx, args, key, options, extra):
        if args["name"] == "Poison":
            raise KeyError("a bug")
        real_create(session, ctx, args, key, options, extra)

    monkeypatch.setitem(importers.IMPORTERS, "clients",
                        dataclasses.replace(importers.CLIENTS, create=create))

    def transaction():
        return tenant_transaction(crm_db.sessions, ctx)

    with transaction() as session:
        imp = imports.start_import(session, ctx, entity="clients", dry_run=False,
                                   content="name,currency\nGood,EUR\nPoison,EUR\nFine,EUR\n")
    imports.run_pass(transaction, ctx, import_id=uuid.UUID(str(imp["id"])))
    with transaction() as session:
        done = imports.get_import(session, ctx, import_id=imp["id"])
    assert (done["status"], done["created_rows"], done["failed_rows"]) == ("completed", 2, 1)
    assert done["problems"][0]["row"] == 3 and "error on our side" in done["problems"][0][
        "message"]


def test_a_website_no_url_parser_reads_is_that_rows_problem_not_an_error_of_ours(rpc, firm):
    api = rpc.as_(firm, "member")
    content = "name,currency,website\nGood,EUR,https://good.example\nOdd,EUR,http://[1:2]/\n"
    report = finished(api, api.start_import(entity="clients", content=content, dry_run=False),
                      "completed")
    assert (report["created_rows"], report["failed_rows"]) == (1, 1)
    [problem] = report["problems"]
    assert (problem["row"], problem["column"]) == (3, "website")
    assert "host name" in problem["message"]


def test_imports_are_listed_newest_first_without_their_problems(rpc, firm, other_firm):
    api = rpc.as_(firm)
    first = finished(api, api.start_import(entity="clients", content=MIXED), "validated")
    second = finished(api, api.start_import(entity="clients", content=GOOD, dry_run=False),
                      "completed")
    page = rpc.as_(firm, "viewer").list_imports(limit=1, include_total=True)
    assert [i["id"] for i in page["data"]] == [second["id"]] and page["page"]["total"] == 2
    rest = api.list_imports(limit=1, cursor=page["page"]["next_cursor"])
    assert [i["id"] for i in rest["data"]] == [first["id"]]
    assert "problems" not in rest["data"][0] and rest["data"][0]["problem_count"] == 5
    assert [i["id"] for i in api.list_imports(status="validated")["data"]] == [first["id"]]
    assert rpc.as_(other_firm).list_imports()["data"] == []


def test_progress_is_committed_batch_by_batch_and_readable_while_it_runs(crm_db, firm):
    ctx = firm.context("member")

    def transaction():
        return tenant_transaction(crm_db.sessions, ctx)

    content = "name,currency\n" + "".join(f"C{i},EUR\n" for i in range(5)) + "Bad,XX\n"
    with transaction() as session:
        imp = imports.start_import(session, ctx, entity="clients", content=content,
                                   dry_run=False)
    seen = []

    def look() -> None:  # another transaction, as a client polling the import would
        with tenant_transaction(crm_db.sessions, ctx) as other:
            got = imports.get_import(other, ctx, import_id=imp["id"])
        seen.append((got["status"], got["processed_rows"], got["created_rows"],
                     got["failed_rows"]))

    imports.run_pass(transaction, ctx, import_id=uuid.UUID(str(imp["id"])), pause=look,
                     batch_size=2)
    assert seen == [("importing", 2, 2, 0), ("importing", 4, 4, 0), ("importing", 6, 5, 1)]
