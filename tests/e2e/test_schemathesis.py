"""Schema-driven fuzzing of the running gateway: for every documented operation, generated
requests (valid and invalid) never get a 5xx, and every answer matches the document.

The tenant is seeded with one of every CRM object (tests/e2e/crm_seeds.py), and most
generated cases have their path parameters, and the body and query fields that name an
object (`client_id`, `stage_ids`, `owner_id`...), replaced by real ids, so item and write
paths run their rules instead of answering 404; the rest keep their random ids. A PATCH
aimed at a real object sends its current ETag. Every CRM operation in the document must
have been exercised, and each one with an id in its path must have answered something
other than 404 to a valid request at least once.

Bounded (a few examples per operation and mode) so the whole run stays around two
minutes. `logout` is left out: it would revoke the session the other cases authenticate
with. Uses schemathesis's Python API (operation strategies driven by Hypothesis) rather than
its lazy pytest loader, whose node-id rewriting does not work with pytest 9.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.crm_seeds import CrmSeeds
from tests.e2e.helpers import Api, signup

EXAMPLES_PER_OPERATION = 8
SKIPPED_OPERATIONS = {"logout"}
CRM_PREFIX = "/api/v1/crm/"
RANDOM_IDS_EVERY = 4
"""Every fourth case of an operation keeps its generated ids (another tenant's or none)."""
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def tenant(suite) -> Any:
    api = Api(suite.url)
    try:
        auth = signup(api).auth
        yield auth, CrmSeeds(api, auth)
    finally:
        api.close()


def consumes(case: Any) -> bool:
    """The operation uses up the object its last path parameter names."""
    return case.method == "DELETE" or case.path.endswith("/archive")


def aim_at_seeds(case: Any, seeds: CrmSeeds) -> None:
    """Real ids in place of generated ones, and the current ETag for a PATCH."""
    names = list(case.path_parameters or {})
    for position, name in enumerate(names):
        value = seeds.path_value(name, consumed=consumes(case) and position == len(names) - 1)
        if value is not None:
            case.path_parameters = {**case.path_parameters, name: value}
    for part in ("query", "body"):
        container = getattr(case, part)
        if isinstance(container, dict):
            real = {k: seeds.field_value(k) for k in container}
            setattr(case, part, {k: real[k] if real[k] is not None else v
                                 for k, v in container.items()})
    if case.method == "PATCH":
        etag = seeds.etag(case.formatted_path)
        if etag is not None:
            case.headers = {**(case.headers or {}), "If-Match": etag}


class Exercised:
    """Which operations were called, and which answered a valid real-id case but 404."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.resolved: Counter[str] = Counter()


def fuzz(operation: Any, mode: GenerationMode, base_url: str, headers: dict[str, str],
         seeds: CrmSeeds, seen: Exercised) -> None:
    label = operation.label
    crm = operation.path.startswith(CRM_PREFIX)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        real = crm and seen.calls[label] % RANDOM_IDS_EVERY != RANDOM_IDS_EVERY - 1
        seen.calls[label] += 1
        if real:
            aim_at_seeds(case, seeds)
        response = case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)
        if real and response.status_code != 404:
            seen.resolved[label] += 1

    run()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_keeps_to_its_documented_contract(suite, tenant, mode):
    auth, seeds = tenant
    schema = schemathesis.openapi.from_url(f"{suite.url}/api/v1/openapi.json", timeout=10)
    failures: dict[str, str] = {}
    seen = Exercised()
    crm_operations: dict[str, bool] = {}  # label -> has an id in its path
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the document has an invalid operation: {result.err()}"
        operation = result.ok()
        if operation.definition.raw.get("operationId") in SKIPPED_OPERATIONS:
            continue
        if operation.path.startswith(CRM_PREFIX):
            crm_operations[operation.label] = "{" in operation.path
        try:
            fuzz(operation, mode, suite.url, auth, seeds, seen)
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure
            failures[operation.label] = f"{type(exc).__name__}: {exc}"[:2000]
    assert not failures, "\n\n".join(f"{label}\n{text}" for label, text in failures.items())
    assert len(crm_operations) >= 50 and len(seen.calls) >= len(crm_operations) + 16
    assert [label for label in crm_operations if not seen.calls[label]] == []
    if mode == GenerationMode.POSITIVE:
        unresolved = [label for label, has_id in crm_operations.items()
                      if has_id and not seen.resolved[label]]
        assert unresolved == [], "only ever answered 404 to real ids"
