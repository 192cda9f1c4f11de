"""Imports that cannot go on end `failed` and are retried; unused files expire; every
problem of a pass is listed page by page (docs/adr/0019-crm-import-failures.md)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

import pytest
from nameko.testing.services import entrypoint_hook
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from services.crm.domain import imports as rules
from services.crm.tests.settling import settled
from services.crm.use_cases import import_reviews, importers, imports
from shared.call_context import CallContext
from shared.db import tenant_transaction, utcnow
from shared.errors import Conflict, NotFound
from shared.money import NO_CURRENCY
from shared.testing import wait_until

ROWS = "name,currency\n" + "".join(f"Client {i:02},EUR\n" for i in range(7))


@pytest.fixture
def rpc(rpc, crm_db):
    yield from settled(rpc, crm_db)


@pytest.fixture
def owner_sql(crm_db):
    engine = create_engine(crm_db.owner_url)

    def run(sql, **params):
        with engine.begin() as conn:
            result = conn.execute(text(sql), params)
            return result.all() if result.returns_rows else result.rowcount
    yield run
    engine.dispose()


@pytest.fixture
def database_fails_on(monkeypatch):
    """Creating the client of this name fails as a lost database would, while `failing`."""
    state = {"name": None}
    real_create = importers.CLIENTS.create

    def create(session, ctx, args, key, options, extra):
        if args["name"] == state["name"]:
            raise OperationalError("INSERT INTO clients", {}, Exception("server closed"))
        real_create(session, ctx, args, key, options, extra)

    monkeypatch.setitem(importers.IMPORTERS, "clients",
                        dataclasses.replace(importers.CLIENTS, create=create))
    return state


def finished(api, imp, status):
    return wait_until(lambda: (got := api.get_import(import_id=imp["id"]))["status"] == status
                      and got, timeout=30)


def test_a_pass_failing_on_every_attempt_ends_failed_and_a_retry_completes_it_once(
        rpc, firm, monkeypatch, database_fails_on, owner_sql):
    monkeypatch.setenv("BUREAU_EVENT_RETRY_DELAYS", "0.05,0.05")  # three attempts
    monkeypatch.setattr(rules, "BATCH_SIZE", 3)
    database_fails_on["name"] = "Client 04"  # in the second batch (rows 5-7)
    api = rpc.as_(firm, "member")
    imp = api.start_import(entity="clients", content=ROWS, dry_run=False)
    failed = finished(api, imp, "failed")
    assert (failed["processed_rows"], failed["created_rows"]) == (3, 3)
    reason = failed["status_reason"]
    assert "import stopped at row 5" in reason and "3 attempts" in reason
    assert "INSERT" not in reason and "server closed" not in reason  # no internals
    assert [r for (r,) in owner_sql(
        "SELECT envelope->'data'->>'reason' FROM outbox WHERE tenant_id = :t "
        "AND event_type = 'crm.import.failed'", t=firm.tenant_id)] == [reason]
    with pytest.raises(Conflict):
        api.run_import(import_id=imp["id"])

    database_fails_on["name"] = None  # the cause is gone: the user retries
    retried = api.retry_import(import_id=imp["id"])
    assert (retried["status"], retried["status_reason"]) == ("importing", None)
    done = finished(api, imp, "completed")
    assert (done["processed_rows"], done["created_rows"], done["skipped_rows"]) == (7, 7, 0)
    names = sorted(c["name"] for c in api.list_clients(limit=100)["data"])
    assert names == [f"Client {i:02}" for i in range(7)]  # none twice
    with pytest.raises(Conflict):
        api.retry_import(import_id=imp["id"])


def test_a_failed_dry_run_is_checked_again_from_the_start(crm_db, firm, database_fails_on):
    ctx = firm.context("member")

    def transaction():
        return tenant_transaction(crm_db.sessions, ctx)

    with transaction() as session:
        imp = imports.start_import(session, ctx, entity="clients",
                                   content=ROWS + "Bad,EURO\n")
    import_id = uuid.UUID(str(imp["id"]))
    database_fails_on["name"] = "Client 04"
    with pytest.raises(Exception, match="database is unavailable"):
        imports.run_pass(transaction, ctx, import_id=import_id, batch_size=3, last_attempt=6)
    with transaction() as session:
        failed = imports.get_import(session, ctx, import_id=import_id)
        assert failed["status"] == "failed" and "dry run stopped at row 5" in failed[
            "status_reason"]
        database_fails_on["name"] = None
        assert imports.retry_import(session, ctx, import_id=import_id)["status"] == "validating"
    imports.run_pass(transaction, ctx, import_id=import_id, batch_size=3)
    with transaction() as session:
        report = imports.get_import(session, ctx, import_id=import_id)
        clients = session.execute(text("SELECT count(*) FROM clients")).scalar_one()
    assert (report["status"], report["processed_rows"], report["created_rows"],
            report["failed_rows"]) == ("validated", 8, 7, 1)
    assert clients == 0


def test_a_silent_pass_fails_and_files_left_unused_expire(crm_db, firm, owner_sql):
    ctx = firm.context("member")

    def transaction():
        return tenant_transaction(crm_db.sessions, ctx)

    with transaction() as session:  # no container runs: this pass never starts
        stalled = imports.start_import(session, ctx, entity="clients", content=ROWS,
                                       dry_run=False)
        checked = imports.start_import(session, ctx, entity="clients", content=ROWS)
    imports.run_pass(transaction, ctx, import_id=uuid.UUID(str(checked["id"])))

    def review_due(now):
        with tenant_transaction(crm_db.sessions, tenant_id=None, user_id=None) as session:
            due = import_reviews.due_deadlines(session, now)
        for tenant_id, import_id in due:
            scope = CallContext(tenant_id=str(tenant_id))
            with tenant_transaction(crm_db.sessions, scope) as session:
                import_reviews.review_import(session, scope, import_id=import_id, now=now)
        return {str(import_id) for _, import_id in due}

    def status(imp):
        with transaction() as session:
            return imports.get_import(session, ctx, import_id=imp["id"])

    assert review_due(utcnow()) == set()
    in_an_hour = utcnow() + rules.STALLED_AFTER + timedelta(minutes=1)
    assert review_due(in_an_hour) == {str(stalled["id"])}
    failed = status(stalled)
    assert failed["status"] == "failed" and "no progress for 1 hour" in failed["status_reason"]
    assert review_due(in_an_hour) == set()  # claimed: another replica's timer skips it

    tomorrow = in_an_hour + rules.KEEP_FILE_FOR + timedelta(minutes=1)
    assert review_due(tomorrow) == {str(stalled["id"]), str(checked["id"])}
    for imp in (stalled, checked):
        expired = status(imp)
        assert expired["status"] == "expired" and "Upload it again" in expired["status_reason"]
    with transaction() as session:
        files = session.execute(text("SELECT count(*), count(content) FROM imports"))
        assert files.one() == (2, 0)  # both records kept, neither file
    assert owner_sql("SELECT count(*) FROM import_deadlines") == [(0,)]
    with transaction() as session, pytest.raises(Conflict):
        imports.run_import(session, ctx, import_id=uuid.UUID(str(checked["id"])))
    with transaction() as session, pytest.raises(Conflict):
        imports.retry_import(session, ctx, import_id=uuid.UUID(str(stalled["id"])))


def test_every_problem_is_listed_in_file_order_beyond_those_the_report_carries(
        rpc, firm, other_firm, monkeypatch):
    monkeypatch.setattr(rules, "MAX_STORED_PROBLEMS", 3)
    wide = ",".join(f"custom.c{i}" for i in range(25))
    content = (f"name,currency,{wide}\n"
               + "".join(f"N{i},{NO_CURRENCY}{',' * 25}\n" for i in range(4))  # rows 2-5: 1 each
               + "Wide,EUR," + ",".join("x" * 25) + "\n")  # row 6: 25
    api = rpc.as_(firm, "member")
    report = finished(api, api.start_import(entity="clients", content=content), "validated")
    assert report["problem_count"] == 29 and len(report["problems"]) == 3
    assert report["unlisted_problem_count"] == 26 and report["problems_truncated"]
    listed, cursor = [], None
    while True:
        page = api.list_import_problems(import_id=report["id"], limit=7, cursor=cursor,
                                        include_total=not listed)
        listed.extend(page["data"])
        if not page["page"]["has_more"]:
            break
        cursor = page["page"]["next_cursor"]
    assert len(listed) == 4 + rules.MAX_PROBLEMS_PER_ROW
    assert listed[:3] == report["problems"]
    assert [p["row"] for p in listed] == [2, 3, 4, 5] + [6] * rules.MAX_PROBLEMS_PER_ROW
    assert listed[-1] == {"row": 6, "column": None,
                          "message": "And 6 more problems in this row."}
    with pytest.raises(NotFound):
        rpc.as_(other_firm).list_import_problems(import_id=report["id"])

    api.run_import(import_id=report["id"])  # the import's pass lists its own problems
    finished(api, report, "completed")
    assert len(api.list_import_problems(import_id=report["id"], limit=100)["data"]) == 24


def test_crms_timer_expires_a_validated_file_left_a_day_in_its_tenants_scope(
        rpc, crm, crm_db, firm, owner_sql):
    api = rpc.as_(firm, "member")
    checked = finished(api, api.start_import(entity="clients", content=ROWS), "validated")
    with tenant_transaction(crm_db.sessions, firm.context()) as session:  # a day goes by
        session.execute(text("UPDATE imports SET updated_at = now() - interval '25 hours'"))
    assert owner_sql("UPDATE import_deadlines SET due_at = now() - interval '1 second'") == 1
    with entrypoint_hook(crm, "review_imports") as review:
        review()
    expired = api.get_import(import_id=checked["id"])
    assert expired["status"] == "expired" and "not imported within 24 hours" in expired[
        "status_reason"]
    assert owner_sql("SELECT count(*) FROM outbox WHERE event_type = 'crm.import.expired' "
                     "AND tenant_id = :t", t=firm.tenant_id) == [(1,)]
