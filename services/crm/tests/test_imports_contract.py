"""docs/rpc/crm.md says what imports and exports serve (events: test_events_contract.py)."""

from __future__ import annotations

import re
from pathlib import Path

from nameko.rpc import Rpc

from services.crm.entrypoints.exports import ExportEntrypoints
from services.crm.entrypoints.imports import ImportEntrypoints

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

