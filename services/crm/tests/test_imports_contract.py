"""docs/rpc/crm.md and docs/events.md say what imports and exports serve and publish."""

from __future__ import annotations

import re
from pathlib import Path

from nameko.rpc import Rpc

from services.crm.entrypoints.exports import ExportEntrypoints
from services.crm.entrypoints.imports import ImportEntrypoints
from shared.event_schemas import catalog

DOCS = Path(__file__).resolve().parents[3] / "docs"


def _section(text: str, title: str) -> str:
    return text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def _served(mixin: type) -> set[str]:
    return {name for name, member in vars(mixin).items()
            if any(isinstance(e, Rpc) for e in getattr(member, "nameko_entrypoints", ()))}


def test_the_import_and_export_methods_documented_are_the_ones_served():
    text = (DOCS / "rpc" / "crm.md").read_text()
    for title, mixin in (("Imports", ImportEntrypoints), ("Exports", ExportEntrypoints)):
        documented = set(re.findall(r"^\| (\w+) \|", _section(text, title), re.MULTILINE))
        assert documented - {"method"} == _served(mixin)


def test_every_import_event_is_documented_with_its_schema():
    text = (DOCS / "events.md").read_text()
    documented = set(re.findall(r"^\| `(crm\.import\.[a-z_.]+)` \| (\d+) \| (.+) \|$", text,
                                re.MULTILINE))
    registered = {(t, str(v)) for t, v in catalog() if t.startswith("crm.import.")}
    assert {(t, v) for t, v, _ in documented} == registered and len(registered) == 4
    for event_type, version, fields in documented:
        schema = catalog()[(event_type, int(version))]
        assert [f.strip() for f in fields.split(",")] == list(schema._declared_fields)
