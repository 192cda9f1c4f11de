"""How a listed object's values become export cells (no database needed)."""

from __future__ import annotations

from services.crm.use_cases.exports import cell


def test_values_become_cells_that_import_back():
    item = {"name": "=A1", "tags": ["vip", "b2b"], "legal_name": None, "owner_flagged": False,
            "billing_address": {"city": "Berlin"}, "custom": {"size": 3, "tier": ["a", "b"]},
            "emails": [{"value": "b@x.test", "primary": False},
                       {"value": "a@x.test", "primary": True}]}
    assert cell(item, "name") == "'=A1"
    assert cell(item, "tags") == "vip; b2b"
    assert cell(item, "legal_name") == "" and cell(item, "owner_flagged") == "false"
    assert cell(item, "billing_address.city") == "Berlin"
    assert cell(item, "billing_address.country") == ""
    assert cell(item, "custom.size") == "3" and cell(item, "custom.tier") == "a; b"
    assert cell(item, "custom.gone") == ""
    assert cell(item, "emails") == "a@x.test; b@x.test"
    assert cell({"billing_address": None}, "billing_address.city") == ""
