"""CSV imports: accept a file, check every row (dry run), import it in batches.

Uploading checks the file as a whole (nothing is written when it is unreadable), stores it
with an Import record and records `crm.import.requested`; crm consumes that event and runs
the pass (`run_pass`) in batches of 500 rows, one transaction each, progress committed
with every batch. A pass that dies is run again from the event's redelivery: a dry run
starts over, an import resumes after its last committed batch, and import keys make sure
no row is created twice (docs/adr/0015-crm-imports.md).

A pass that fails on its last attempt, or stops making progress, ends `failed` with a
reason and is retried by its user; a file left unused expires (crm's timer reviews the
imports whose deadline is due: docs/adr/0019-crm-import-failures.md).
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import Select, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, defer, undefer

from services.crm.domain import imports as rules
from services.crm.domain.csv_files import CsvFile, data_rows, ragged, read_csv
from services.crm.domain.permissions import Action
from services.crm.models import Import, ImportDeadline, ImportProblem, Member
from services.crm.use_cases.common import caller
from services.crm.use_cases.importers import IMPORTERS, Importer
from shared.call_context import CallContext
from shared.db import utcnow
from shared.errors import BureauError, Conflict, NotFound, ValidationFailed
from shared.input_schemas import flatten_messages
from shared.outbox import record_event
from shared.pagination import PageRequest, paginate

log = logging.getLogger(__name__)

ACTIVE = rules.ACTIVE
MAX_ACTIVE_PER_TENANT = 2
"""Passes a tenant may have running at once: each holds one of crm's workers."""
STALE_AFTER = timedelta(minutes=10)
"""A running pass updates its import every batch; one silent this long is not running
(dead-lettered after failing): it no longer counts against the limit."""


def import_summary(imp: Import) -> dict[str, Any]:
    """An import without its problems and columns: what a list shows."""
    options = imp.options or {}
    return {
        "id": imp.id,
        "entity": imp.entity,
        "status": imp.status,
        "dry_run": bool(options.get("dry_run")),
        "allow_duplicate_names": bool(options.get("allow_duplicate_names")),
        "file_name": imp.file_name,
        "checksum": imp.checksum,
        "total_rows": imp.total_rows,
        "processed_rows": imp.processed_rows,
        "created_rows": imp.created_rows,
        "skipped_rows": imp.skipped_rows,
        "failed_rows": imp.failed_rows,
        "problem_count": imp.problem_count,
        "created_by": imp.created_by,
        "created_at": imp.created_at,
        "updated_at": imp.updated_at,
        "finished_at": imp.finished_at,
        "status_reason": imp.status_reason,
        "version": imp.version,
    }


def import_view(imp: Import) -> dict[str, Any]:
    """The whole report: the first problems (up to MAX_STORED_PROBLEMS), how many more
    there are (all listed by `list_import_problems`), and the columns."""
    unlisted = max(imp.problem_count - len(imp.problems), 0)
    return {
        **import_summary(imp),
        "columns": (imp.options or {}).get("columns", []),
        "problems": imp.problems,
        "problems_truncated": unlisted > 0,
        "unlisted_problem_count": unlisted,
    }


def _importer(entity: str) -> Importer:
    try:
        return IMPORTERS[entity]
    except KeyError:
        raise ValidationFailed("Unknown entity.", {
            "entity": [f"Must be one of: {', '.join(IMPORTERS)}."]}) from None


def start_import(session: Session, ctx: CallContext, *, entity: str, content: str,
                 dry_run: bool = True, file_name: str = "",
                 allow_duplicate_names: bool = False) -> dict[str, Any]:
    """Check the file as a whole and queue its first pass; ValidationFailed (`file`) and
    nothing written when it cannot be imported at all."""
    user_id = caller(ctx, Action.WRITE)
    importer = _importer(entity)
    csv_file = read_csv(content)
    _refuse_too_many_running(session)
    columns = rules.map_header(csv_file.header, importer.columns)
    imp = Import(
        entity=entity, status="validating" if dry_run else "importing", file_name=file_name,
        checksum=hashlib.sha256(csv_file.text.encode()).hexdigest(),
        total_rows=csv_file.row_count, content=csv_file.text, created_by=user_id,
        options={"dry_run": dry_run, "allow_duplicate_names": allow_duplicate_names,
                 "delimiter": csv_file.delimiter, "columns": columns.as_list()},
    )
    session.add(imp)
    _start_pass(session, ctx, imp, user_id)
    return import_view(imp)


def _refuse_too_many_running(session: Session) -> None:
    running = session.execute(select(func.count()).select_from(Import).where(
        Import.status.in_(ACTIVE), Import.updated_at > utcnow() - STALE_AFTER)).scalar_one()
    if running >= MAX_ACTIVE_PER_TENANT:
        raise Conflict(f"{running} imports of your firm are running; start another when "
                       "one of them has finished.")


def _request_pass(session: Session, ctx: CallContext, imp: Import, user_id: uuid.UUID) -> None:
    record_event(session, ctx, "crm.import.requested", {
        "import_id": imp.id, "entity": imp.entity, "dry_run": imp.options["dry_run"],
        "actor_id": user_id,
    })


def get_import(session: Session, ctx: CallContext, *, import_id: uuid.UUID) -> dict[str, Any]:
    caller(ctx, Action.READ)
    imp = _read(session, import_id)
    if imp is None:
        raise NotFound("No such import.")
    return import_view(imp)


def list_imports(session: Session, ctx: CallContext, *, limit: int = 25,
                 cursor: str | None = None, include_total: bool = False,
                 status: str | None = None, entity: str | None = None,
                 sort: str = "-created_at") -> dict[str, Any]:
    caller(ctx, Action.READ)
    request = PageRequest.parse(collection="crm.imports", sorts={"created_at": Import.created_at},
                                tiebreaker=Import.id, sort=sort, default_sort="-created_at",
                                limit=limit, cursor=cursor, include_total=include_total)
    stmt: Select[Any] = select(Import).options(defer(Import.content), defer(Import.problems))
    if status:
        stmt = stmt.where(Import.status == status)
    if entity:
        stmt = stmt.where(Import.entity == entity)
    return paginate(session, stmt, request, import_summary)


def run_import(session: Session, ctx: CallContext, *, import_id: uuid.UUID) -> dict[str, Any]:
    """Import a file whose dry run finished (`validated`); 409 in any other state."""
    user_id = caller(ctx, Action.WRITE)
    imp = _locked_in(session, import_id, "validated", "only a validated dry run can be run")
    imp.status = "importing"
    imp.options = {**imp.options, "dry_run": False}
    _reset(session, imp)
    _start_pass(session, ctx, imp, user_id)
    return import_view(imp)


def retry_import(session: Session, ctx: CallContext, *, import_id: uuid.UUID) -> dict[str, Any]:
    """Run a `failed` pass again: a dry run starts over, an import goes on after its last
    committed batch (rows imported already are skipped by their keys). 409 otherwise."""
    user_id = caller(ctx, Action.WRITE)
    imp = _locked_in(session, import_id, "failed", "only a failed import can be retried")
    dry_run = bool(imp.options.get("dry_run"))
    imp.status = "validating" if dry_run else "importing"
    imp.status_reason = None
    imp.finished_at = None
    _start_pass(session, ctx, imp, user_id)
    return import_view(imp)


def _locked_in(session: Session, import_id: uuid.UUID, status: str, rule: str) -> Import:
    """The import, locked, when it is in `status` and no more passes run than the tenant
    may have; else NotFound, or Conflict saying the rule."""
    imp = locked(session, import_id)
    if imp is None:
        raise NotFound("No such import.")
    if imp.status != status:
        raise Conflict(f"The import is {imp.status}: {rule}.")
    _refuse_too_many_running(session)
    return imp


def _start_pass(session: Session, ctx: CallContext, imp: Import, user_id: uuid.UUID) -> None:
    """Ask for the pass (an event to crm itself) and watch it for a stall."""
    session.flush()
    _request_pass(session, ctx, imp, user_id)
    watch(session, imp, utcnow() + rules.STALLED_AFTER)


def list_import_problems(session: Session, ctx: CallContext, *, import_id: uuid.UUID,
                         limit: int = 25, cursor: str | None = None,
                         include_total: bool = False) -> dict[str, Any]:
    """Every problem of the import's last pass, in file order (keyset pages)."""
    caller(ctx, Action.READ)
    if _read(session, import_id) is None:
        raise NotFound("No such import.")
    request = PageRequest.parse(collection="crm.import_problems",
                                sorts={"position": ImportProblem.seq},
                                tiebreaker=ImportProblem.seq, default_sort="position",
                                limit=limit, cursor=cursor, include_total=include_total)
    stmt: Select[Any] = select(ImportProblem).where(ImportProblem.import_id == import_id)
    return paginate(session, stmt, request, lambda p: {
        "row": p.row, "column": p.column, "message": p.message})


def _read(session: Session, import_id: uuid.UUID, *, lock: bool = False,
          content: bool = False) -> Import | None:
    """The import, fresh from the database; its file (up to 10 MiB) only when asked for,
    since progress is polled often and every batch updates the record."""
    stmt = (select(Import).where(Import.id == import_id)
            .options(undefer(Import.content) if content else defer(Import.content))
            .execution_options(populate_existing=True))
    if lock:
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def locked(session: Session, import_id: uuid.UUID, *, content: bool = False) -> Import | None:
    return _read(session, import_id, lock=True, content=content)


def _reset(session: Session, imp: Import) -> None:
    imp.processed_rows = imp.created_rows = imp.skipped_rows = imp.failed_rows = 0
    imp.problems = []
    imp.problem_count = 0
    imp.finished_at = None
    imp.status_reason = None
    session.execute(delete(ImportProblem).where(ImportProblem.import_id == imp.id))


def watch(session: Session, imp: Import, due_at: datetime | None) -> None:
    """When the timer looks at the import again (None: never: it holds no file)."""
    if due_at is None:
        session.execute(delete(ImportDeadline).where(ImportDeadline.import_id == imp.id))
        return
    session.execute(insert(ImportDeadline)
                    .values(import_id=imp.id, tenant_id=imp.tenant_id, due_at=due_at)
                    .on_conflict_do_update(index_elements=[ImportDeadline.import_id],
                                           set_={"due_at": due_at}))


@dataclass
class Pass:
    """One run over a file (a dry run or the import), as the worker holds it in memory."""

    import_id: uuid.UUID
    importer: Importer
    csv_file: CsvFile
    columns: rules.ColumnMap
    dry_run: bool
    options: dict[str, Any]
    position: int
    member_ids: dict[str, uuid.UUID] = field(default_factory=dict)
    """Active members by lower-cased email: an `owner_email` column names the owner."""
    seen_keys: dict[str, int] = field(default_factory=dict)
    seen_names: dict[str, int] = field(default_factory=dict)

    def batches(self, size: int) -> Iterator[list[tuple[int, list[str]]]]:
        rows = data_rows(self.csv_file, start=self.position)
        while batch := list(itertools.islice(rows, size)):
            yield batch


Transaction = Callable[[], AbstractContextManager[Session]]


def run_pass(transaction: Transaction, ctx: CallContext, *, import_id: uuid.UUID,
             pause: Callable[[], None] = lambda: None,
             batch_size: int | None = None, last_attempt: int | None = None) -> None:
    """Process a requested pass, one transaction per batch; `pause` between batches lets
    the service serve others. Safe to call again for the same import at any time.

    `last_attempt` (its number) says no retry follows: if this one fails too, the import
    ends `failed` with a reason for its user, and the error still propagates."""
    try:
        _run_pass(transaction, ctx, import_id, pause, batch_size)
    except Exception:
        if last_attempt is not None:
            _fail_after_attempts(transaction, ctx, import_id, last_attempt)
        raise


def _run_pass(transaction: Transaction, ctx: CallContext, import_id: uuid.UUID,
              pause: Callable[[], None], batch_size: int | None) -> None:
    with transaction() as session:
        job = _begin(session, ctx, import_id)
    if job is None:
        return
    for batch in job.batches(batch_size or rules.BATCH_SIZE):
        with transaction() as session:
            if not _process(session, ctx, job, batch):
                return  # another worker took over this import
        pause()
    with transaction() as session:
        _finish(session, ctx, job)


def _begin(session: Session, ctx: CallContext, import_id: uuid.UUID) -> Pass | None:
    caller(ctx, Action.WRITE)
    imp = locked(session, import_id, content=True)
    if imp is None or imp.status not in ACTIVE or imp.content is None:
        return None  # finished already (a redelivered request), or gone
    importer = _importer(imp.entity)
    csv_file = read_csv(imp.content)
    dry_run = imp.status == "validating"
    if dry_run:
        _reset(session, imp)  # a dry run that died starts over: its memory of the file is gone
    members = session.execute(select(Member.email, Member.user_id)
                              .where(Member.active.is_(True), Member.email != "")).all()
    return Pass(import_id=imp.id, importer=importer, csv_file=csv_file,
                columns=rules.map_header(csv_file.header, importer.columns),
                dry_run=dry_run, options=dict(imp.options), position=imp.processed_rows,
                member_ids={email.lower(): user_id for email, user_id in members})


def _process(session: Session, ctx: CallContext, job: Pass,
             batch: list[tuple[int, list[str]]]) -> bool:
    imp = locked(session, job.import_id)
    if imp is None or imp.status not in ACTIVE or imp.processed_rows != job.position:
        return False
    outcome = _Outcome()
    savepoint = session.begin_nested() if job.dry_run else None
    existing = _existing(session, job, batch)
    custom_types = job.importer.custom_types(session)
    for number, cells in batch:
        _import_row(session, ctx, job, number, cells, existing, custom_types, outcome)
    if savepoint is not None:
        savepoint.rollback()  # a dry run writes nothing but its report
    imp.processed_rows += len(batch)
    imp.created_rows += outcome.created
    imp.skipped_rows += outcome.skipped
    imp.failed_rows += outcome.failed
    room = rules.MAX_STORED_PROBLEMS - len(imp.problems)
    if room > 0 and outcome.problems:
        imp.problems = [*imp.problems, *outcome.problems[:room]]
    imp.problem_count += outcome.problem_count
    if outcome.problems:
        listed = session.execute(select(func.coalesce(func.max(ImportProblem.seq), 0))
                                 .where(ImportProblem.import_id == imp.id)).scalar_one()
        session.add_all(ImportProblem(import_id=imp.id, seq=listed + i, row=p["row"],
                                      column=p["column"], message=p["message"])
                        for i, p in enumerate(outcome.problems, start=1))
    job.position = imp.processed_rows
    return True


@dataclass
class _Outcome:
    created: int = 0
    skipped: int = 0
    failed: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)
    """As listed: at most MAX_PROBLEMS_PER_ROW a row."""
    problem_count: int = 0

    def fail(self, found: list[dict[str, Any]]) -> None:
        self.failed += 1
        self.problems.extend(rules.row_problems(found))
        self.problem_count += len(found)


def _existing(session: Session, job: Pass, batch: list[tuple[int, list[str]]]) -> set[str]:
    """The import keys and ids of this batch's rows that exist in the tenant already."""
    model = job.importer.model
    keys, ids = set(), set()
    for _, cells in batch:
        row = rules.map_row(cells, job.columns, job.importer.columns)
        keys.add(rules.import_key(row))
        if row.object_id:
            with suppress(ValueError):  # not an id of ours: only its key can match
                ids.add(uuid.UUID(row.object_id))
    found = set(session.execute(select(model.import_key)
                                .where(model.import_key.in_(keys))).scalars())
    found |= {f"id:{i}" for i in session.execute(select(model.id)
                                                 .where(model.id.in_(ids))).scalars()}
    return found


def _import_row(session: Session, ctx: CallContext, job: Pass, number: int, cells: list[str],
                existing: set[str], custom_types: dict[str, str], outcome: _Outcome) -> None:
    why = ragged(cells, job.columns.header)
    if why:
        outcome.fail([rules.problem(number, None, why)])
        return
    row = rules.map_row(cells, job.columns, job.importer.columns)
    key = rules.import_key(row)
    if key in existing or key in job.seen_keys or (
            row.object_id and f"id:{row.object_id.lower()}" in existing):
        outcome.skipped += 1
        return
    payload = dict(row.payload)
    owner_email = payload.pop("owner_email", None)
    if owner_email and "owner_id" not in payload:
        owner_id = job.member_ids.get(owner_email)
        if owner_id is None:
            owner_column = job.columns.column_of("owner_email")
            outcome.fail([rules.problem(number, owner_column,
                                        "No member of your firm has this email.")])
            return
        payload["owner_id"] = str(owner_id)
    if row.custom:
        payload["custom"] = {k: rules.custom_value(custom_types.get(k), v)
                             for k, v in row.custom.items()}
    extra = {name: payload.pop(name) for name in job.importer.extra_fields if name in payload}
    try:
        args = job.importer.schema.load(payload)
    except ValidationError as exc:
        outcome.fail(rules.problems_from_errors(number, flatten_messages(exc.messages),
                                                job.columns))
        return
    name_key = str(args.get("name", "")).casefold()
    if (job.importer.unique_name and not job.options.get("allow_duplicate_names")
            and name_key in job.seen_names):
        outcome.fail([rules.problem(number, job.columns.column_of("name"),
                                    f"Row {job.seen_names[name_key]} has the same name; "
                                    "import with allow_duplicate_names=true to create "
                                    "both.")])
        return
    try:
        with session.begin_nested():
            job.importer.create(session, ctx, args, key, job.options, extra)
    except ValidationFailed as exc:
        outcome.fail(rules.problems_from_errors(number, exc.errors, job.columns))
        return
    except Conflict as exc:
        message = exc.detail
        if job.importer.unique_name:  # the API's hint names its own flag: name the import's
            message = ("A client of this name exists already; import with "
                       "allow_duplicate_names=true to create another.")
        outcome.fail([rules.problem(number, job.columns.column_of("name"), message)])
        return
    except BureauError as exc:
        outcome.fail([rules.problem(number, None, exc.detail)])
        return
    except IntegrityError:
        outcome.skipped += 1  # a concurrent import created the same key first
        return
    except (OperationalError, InterfaceError):
        raise  # the database, not the row: the pass fails and is retried
    except Exception:  # a bug on one row must not stop the file: report it, log it
        log.exception("import %s: row %d failed", job.import_id, number)
        outcome.fail([rules.problem(number, None, "This row could not be imported (an "
                                                  "error on our side); the others were.")])
        return
    outcome.created += 1
    job.seen_keys[key] = number
    if job.importer.unique_name:
        job.seen_names.setdefault(name_key, number)


def _finish(session: Session, ctx: CallContext, job: Pass) -> None:
    imp = locked(session, job.import_id)
    if imp is None or imp.status not in ACTIVE:
        return
    imp.status = "validated" if job.dry_run else "completed"
    imp.finished_at = utcnow()
    if job.dry_run:
        watch(session, imp, imp.finished_at + rules.KEEP_FILE_FOR)
    else:
        imp.content = None  # the file is not kept once imported
        watch(session, imp, None)
    record_event(session, ctx, "crm.import.completed", {
        "import_id": imp.id, "entity": imp.entity, "dry_run": job.dry_run,
        "status": imp.status, "total_rows": imp.total_rows, "created_rows": imp.created_rows,
        "skipped_rows": imp.skipped_rows, "failed_rows": imp.failed_rows,
        "actor_id": caller(ctx, Action.WRITE),
    })


def _fail_after_attempts(transaction: Transaction, ctx: CallContext, import_id: uuid.UUID,
                         attempts: int) -> None:
    """The pass failed on its last attempt: the import ends `failed`, its file kept for a
    retry. Best effort: if this fails too, the timer finds the pass stalled later."""
    try:
        with transaction() as session:
            imp = locked(session, import_id)
            if imp is None or imp.status not in ACTIVE:
                return
            dry_run = imp.status == "validating"
            end_failed(session, ctx, imp, rules.failure_reason(
                dry_run=dry_run, position=imp.processed_rows, attempts=attempts))
    except Exception:
        log.exception("import %s: could not mark it failed", import_id)


def end_failed(session: Session, ctx: CallContext, imp: Import, reason: str) -> None:
    imp.status = "failed"
    imp.status_reason = reason
    imp.finished_at = utcnow()
    watch(session, imp, imp.finished_at + rules.KEEP_FILE_FOR)
    record_event(session, ctx, "crm.import.failed", {
        "import_id": imp.id, "entity": imp.entity,
        "dry_run": bool(imp.options.get("dry_run")), "processed_rows": imp.processed_rows,
        "reason": reason, "actor_id": imp.created_by,
    })
