"""crm's event contract: what the code records, the schemas in shared/event_schemas and
the catalog in docs/events.md are one and the same list of events."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from shared.event_schemas import catalog

ROOT = Path(__file__).resolve().parents[3]
EVENT_TYPE = re.compile(r"crm\.[a-z_]+\.[a-z_]+")
ROW = re.compile(r"^\| `(crm\.[a-z_.]+)` \| (\d+) \| (.+) \|$", re.MULTILINE)


def _recorded_in_code() -> set[str]:
    """Every event type written in crm's source: record_event takes literal types (an
    f-string type would hide one from this test, so none is allowed)."""
    found: set[str] = set()
    for path in (ROOT / "services" / "crm").rglob("*.py"):
        if "tests" in path.relative_to(ROOT).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and EVENT_TYPE.fullmatch(node.value):
                found.add(node.value)
            if isinstance(node, ast.JoinedStr):
                head = node.values[0] if node.values else None
                assert not (isinstance(head, ast.Constant) and str(head.value).startswith(
                    "crm.") and str(head.value).count(".") >= 2), \
                    f"{path}:{node.lineno}: write event types as literals"
    return found


def _documented_fields(cell: str) -> list[str]:
    """`a, b (a note, with commas), c` -> [a, b, c]."""
    return [f.strip() for f in re.sub(r"\([^)]*\)", "", cell).split(",")]


def test_every_crm_event_recorded_has_a_schema_and_a_documented_row_and_vice_versa():
    documented = {(t, int(v)): fields for t, v, fields in ROW.findall(
        (ROOT / "docs" / "events.md").read_text())}
    registered = {key: schema for key, schema in catalog().items()
                  if key[0].startswith("crm.")}
    assert set(documented) == set(registered)
    assert {t for t, _ in registered} == _recorded_in_code()
    assert len(registered) >= 30
    for key, schema in registered.items():
        assert sorted(_documented_fields(documented[key])) == sorted(schema._declared_fields), key
