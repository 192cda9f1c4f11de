"""Every DELETE of a versioned crm object takes If-Match the same way (etags.py's
`optional_expected_version`): absent or `*` deletes whatever the version, a version is
passed on as expected_version (crm answers 412 when it is stale), a malformed one is 412
before crm is asked."""

from __future__ import annotations

import pytest

from gateway.tests.crm_stand_in import CrmStandIn
from shared.errors import PreconditionFailed

ID = "6f1f8a36-2a43-4d8e-9d53-3d1f4f1b2c10"
STAGE = "b21f8a36-2a43-4d8e-9d53-3d1f4f1b2c10"
CRM = "/api/v1/crm"
DELETES = [
    (f"{CRM}/deals/{ID}", "delete_deal", {"deal_id": ID}),
    (f"{CRM}/custom-fields/{ID}", "archive_custom_field", {"custom_field_id": ID}),
    (f"{CRM}/pipelines/{ID}", "archive_pipeline", {"pipeline_id": ID}),
    (f"{CRM}/pipelines/{ID}/stages/{STAGE}", "archive_stage",
     {"pipeline_id": ID, "stage_id": STAGE}),
    (f"{CRM}/clients/{ID}", "delete_client", {"client_id": ID}),
    (f"{CRM}/contacts/{ID}", "delete_contact", {"contact_id": ID}),
]


def asked(crm: CrmStandIn, method: str) -> list[dict]:
    return [{k: v for k, v in call.items() if k != "move_deals_to"}
            for call in crm.calls_of(method)]


@pytest.mark.parametrize("url, method, ids", DELETES)
def test_if_match_is_optional_on_delete_and_becomes_the_expected_version(
        crm_client, auth, crm, url, method, ids):
    crm.answers[method] = lambda kwargs: None
    for if_match in (None, "*", '"3"'):
        headers = {**auth, **({"If-Match": if_match} if if_match else {})}
        assert crm_client.delete(url, headers=headers).status_code == 204, if_match
    assert asked(crm, method) == [{**ids, "expected_version": None},
                                  {**ids, "expected_version": None},
                                  {**ids, "expected_version": 3}]


@pytest.mark.parametrize("url, method, ids", DELETES)
def test_a_stale_or_malformed_if_match_on_delete_is_412(crm_client, auth, crm, url, method, ids):
    def stale(kwargs):
        raise PreconditionFailed("The object was changed by someone else; read it again.")
    crm.answers[method] = stale
    refused = crm_client.delete(url, headers={**auth, "If-Match": '"2"'})
    assert refused.status_code == 412
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    malformed = crm_client.delete(url, headers={**auth, "If-Match": 'W/"2"'})
    assert malformed.status_code == 412
    assert len(crm.calls_of(method)) == 1  # the malformed one never reached crm


def test_the_document_lists_412_on_every_delete(crm_client):
    paths = crm_client.get("/api/v1/openapi.json").get_json()["paths"]
    for url, _, _ in DELETES:
        template = (url.replace(STAGE, "{stage_id}").replace(ID, "{id}"))
        [path] = [p for p in paths if _same_shape(p, template) and "delete" in paths[p]]
        assert "412" in paths[path]["delete"]["responses"], path


def _same_shape(path: str, template: str) -> bool:
    one, other = path.split("/"), template.split("/")
    return len(one) == len(other) and all(
        a == b or (a.startswith("{") and b.startswith("{")) for a, b in zip(one, other))
