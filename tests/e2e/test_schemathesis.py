"""Schema-driven fuzzing of the running gateway: for every documented operation, generated
requests (valid and invalid) never get a 5xx, and every answer matches the document.

Bounded (a few examples per operation and mode) so the whole run stays well under two
minutes. `logout` is left out: it would revoke the session the other cases authenticate
with. Uses schemathesis's Python API (operation strategies driven by Hypothesis) rather than
its lazy pytest loader, whose node-id rewriting does not work with pytest 9.
"""

from __future__ import annotations

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

from tests.e2e.helpers import Api, signup

EXAMPLES_PER_OPERATION = 12
SKIPPED_OPERATIONS = {"logout"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def owner_auth(suite) -> dict[str, str]:
    api = Api(suite.url)
    try:
        return signup(api).auth
    finally:
        api.close()


def fuzz(operation, mode: GenerationMode, base_url: str, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

    run()


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_keeps_to_its_documented_contract(suite, owner_auth, mode):
    schema = schemathesis.openapi.from_url(f"{suite.url}/api/v1/openapi.json", timeout=10)
    failures: dict[str, str] = {}
    tested = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the document has an invalid operation: {result.err()}"
        operation = result.ok()
        if operation.definition.raw.get("operationId") in SKIPPED_OPERATIONS:
            continue
        tested += 1
        try:
            fuzz(operation, mode, suite.url, owner_auth)
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure
            failures[operation.label] = f"{type(exc).__name__}: {exc}"[:2000]
    assert tested >= 16
    assert not failures, "\n\n".join(f"{label}\n{text}" for label, text in failures.items())
