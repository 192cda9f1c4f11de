"""The documents others code against match the code: RPC methods and event schemas."""

import re
from pathlib import Path

from nameko.rpc import Rpc

from services.identity.service import IdentityService
from shared.event_schemas import catalog

DOCS = Path(__file__).resolve().parents[3] / "docs"


def _rpc_methods() -> set[str]:
    return {
        name for name, member in vars(IdentityService).items()
        if any(isinstance(e, Rpc) for e in getattr(member, "nameko_entrypoints", ()))
    }


def test_every_method_of_the_rpc_contract_is_served_and_no_other():
    table = (DOCS / "rpc" / "identity.md").read_text()
    documented = set(re.findall(r"^\| (\w+) \|", table, flags=re.MULTILINE)) - {"method"}
    assert documented == _rpc_methods()


def test_every_documented_identity_event_has_a_schema_and_vice_versa():
    text = (DOCS / "events.md").read_text()
    documented = set(re.findall(r"^\| `(identity\.[a-z_.]+)` \| (\d+) \|", text, re.MULTILINE))
    registered = {(t, str(v)) for t, v in catalog() if t.startswith("identity.")}
    assert documented == registered and len(registered) == 6
