"""CSV uploads and downloads at the gateway: decoding, limits, media types, streaming and
the document. crm is a stand-in here: these are the gateway's own behaviours."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from gateway.app import create_app
from gateway.request_input import decode_text
from gateway.routes.crm_imports import MAX_UPLOAD_BYTES
from gateway.tests.conftest import json_text
from shared.errors import ValidationFailed

from .conftest import ISSUER, REDIS_URL

IMPORTS = "/api/v1/crm/imports"
EXPORT = "/api/v1/crm/clients/export"
IMPORT_ID = str(uuid.uuid4())
CSV = "text/csv"


class CrmStandIn:
    """identity's JWKS plus canned crm answers, every crm call recorded."""

    def __init__(self, identity: Any) -> None:
        self.identity = identity
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.answers: dict[str, Any] = {
            "start_import": lambda kw: {"id": IMPORT_ID, "status": "validating"},
            "run_import": lambda kw: {"id": kw["import_id"], "status": "importing"},
        }

    def call(self, service: str, method: str, kwargs: dict | None = None, **options: Any) -> Any:
        if service == "identity":
            return self.identity.call(service, method, kwargs, **options)
        self.calls.append((method, dict(kwargs or {})))
        return self.answers[method](dict(kwargs or {}))

    def call_json(self, service: str, method: str, kwargs: dict | None = None,
                  **options: Any) -> bytes:
        return json_text(self.call(service, method, kwargs, **options))

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        return [kwargs for name, kwargs in self.calls if name == method]


@pytest.fixture
def crm(identity):
    return CrmStandIn(identity)


@pytest.fixture
def client(redis_db, crm):
    return create_app({"redis_url": REDIS_URL, "jwt_issuer": ISSUER}, rpc=crm).test_client()


def upload(client, auth, body: bytes, content_type: str = CSV, query: str = "entity=clients",
           **headers: str):
    return client.post(f"{IMPORTS}?{query}", data=body,
                       headers={**auth, "Content-Type": content_type, **headers})


def test_an_upload_reaches_crm_as_text_with_its_options_and_answers_201(client, auth, crm):
    response = upload(client, auth, b"name,currency\nAcme,EUR\n",
                      query="entity=clients&dry_run=false&file_name=a.csv")
    assert response.status_code == 201
    assert response.headers["Location"] == f"{IMPORTS}/{IMPORT_ID}"
    assert crm.calls_of("start_import") == [{
        "entity": "clients", "dry_run": False, "file_name": "a.csv",
        "allow_duplicate_names": False, "content": "name,currency\nAcme,EUR\n"}]


@pytest.mark.parametrize(("body", "content_type"), [
    ("\ufeffname\nZoë\n".encode(), CSV),
    ("name\nZoë\n".encode("utf-16"), CSV),
    ("name\nZoë\n".encode("utf-16-be"), f"{CSV}; charset=utf-16-be"),
    ("name\nZoë\n".encode("cp1252"), f"{CSV}; charset=windows-1252"),
    ("name\nZoë\n".encode("latin-1"), f"{CSV}; charset=ISO-8859-1"),
])
def test_utf8_boms_utf16_and_declared_charsets_are_decoded(client, auth, crm, body,
                                                           content_type):
    assert upload(client, auth, body, content_type).status_code == 201
    assert crm.calls_of("start_import")[0]["content"] == "name\nZoë\n"


def test_bytes_that_are_not_utf8_are_a_400_naming_the_byte_and_the_cure(client, auth, crm):
    response = upload(client, auth, "name\nZoë\n".encode("cp1252"))
    problem = response.get_json()
    assert response.status_code == 400
    assert "not valid UTF-8: byte 0xEB at offset 7" in problem["detail"]
    assert "charset=windows-1252" in problem["detail"]
    assert list(problem["errors"]) == ["_body"]
    assert crm.calls == []


@pytest.mark.parametrize(("body", "charset"), [
    (b"name\n", "klingon"),
    (b"name\n+2AA-\n", "utf-7"),            # decodes to a lone surrogate
    (b"name\n\\ud800\n", "unicode_escape"),  # likewise: a codec, not a text encoding
    (b"name\n", "rot13"),
    (b"bmFtZQo=", "base64"),
])
def test_a_charset_that_is_no_text_encoding_is_a_400_naming_the_charset(client, auth, crm,
                                                                        body, charset):
    response = upload(client, auth, body, f"{CSV}; charset={charset}")
    assert response.status_code == 400 and crm.calls == []
    problem = response.get_json()
    assert charset in problem["errors"]["_body"][0] and "utf-8" in problem["errors"]["_body"][0]


def test_a_lone_surrogate_in_utf16_bytes_is_refused_by_its_decoder():
    with pytest.raises(ValidationFailed) as refused:
        decode_text(b"\x00\xd8", "utf-16-le")  # the decoder itself refuses it
    assert "_body" in refused.value.errors


def test_anything_but_text_csv_is_415(client, auth, crm):
    response = client.post(f"{IMPORTS}?entity=clients", json={"name": "x"}, headers=auth)
    assert response.status_code == 415
    assert response.mimetype == "application/problem+json"
    assert "text/csv" in response.get_json()["detail"]
    assert crm.calls == []


def test_a_file_over_the_limit_is_413_before_crm_hears_of_it(client, auth, crm):
    response = upload(client, auth, b"a" * (MAX_UPLOAD_BYTES + 1))
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert "at most 10,485,760" in response.get_json()["detail"]
    assert crm.calls == []


def test_a_file_over_the_json_limit_is_fine_for_an_upload(client, auth, crm):
    body = b"name,currency\n" + b"Acme,EUR\n" * 200_000  # 1.8 MB, over the 1 MiB JSON limit
    assert upload(client, auth, body).status_code == 201
    too_big_json = client.post("/api/v1/crm/clients", data=b"{" + b" " * (2 << 20) + b"}",
                               headers={**auth, "Content-Type": "application/json"})
    assert too_big_json.status_code == 413


def test_upload_parameters_are_checked(client, auth, crm):
    assert upload(client, auth, b"x", query="entity=planets").status_code == 400
    assert upload(client, auth, b"x", query="").status_code == 400
    assert upload(client, auth, b"x", query="entity=clients&color=red").status_code == 400
    assert crm.calls == []


def test_an_upload_with_an_idempotency_key_is_sent_to_crm_once(client, auth, crm):
    first = upload(client, auth, b"name,currency\nA,EUR\n", **{"Idempotency-Key": "k1"})
    again = upload(client, auth, b"name,currency\nA,EUR\n", **{"Idempotency-Key": "k1"})
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(crm.calls_of("start_import")) == 1
    other = upload(client, auth, b"name,currency\nB,EUR\n", **{"Idempotency-Key": "k1"})
    assert other.status_code == 422


def test_running_an_import_is_202_pointing_at_it(client, auth, crm):
    response = client.post(f"{IMPORTS}/{IMPORT_ID}/run", headers=auth)
    assert response.status_code == 202
    assert response.headers["Location"] == f"{IMPORTS}/{IMPORT_ID}"
    assert crm.calls_of("run_import") == [{"import_id": IMPORT_ID}]


def chunked_export(crm, chunks: list[str]) -> None:
    def answer(kw: dict[str, Any]) -> dict[str, Any]:
        index = int(kw.get("cursor") or 0)
        last = index == len(chunks) - 1
        return {"csv": chunks[index], "columns": ["id", "name"],
                "next_cursor": None if last else str(index + 1)}
    crm.answers["export_clients"] = answer


def test_an_export_streams_every_chunk_with_the_same_filters(client, auth, crm):
    chunked_export(crm, ["id,name\r\n1,A\r\n", "2,B\r\n", "3,C\r\n"])
    response = client.get(f"{EXPORT}?status=active&sort=-name", headers=auth)
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="clients.csv"'
    assert response.get_data(as_text=True) == "id,name\r\n1,A\r\n2,B\r\n3,C\r\n"
    calls = crm.calls_of("export_clients")
    assert calls[0] == {"status": "active", "sort": "-name"}
    assert calls[1:] == [
        {"status": "active", "sort": "-name", "cursor": str(i),
         "columns": ["id", "name"]} for i in (1, 2)]


def test_export_filters_are_checked_and_paging_parameters_refused(client, auth, crm):
    chunked_export(crm, ["id\r\n"])
    for query in ("status=gone", "limit=5", "cursor=abc", "include_total=true"):
        assert client.get(f"{EXPORT}?{query}", headers=auth).status_code == 400
    assert crm.calls == []


def test_an_export_crm_refuses_is_a_problem_not_a_broken_file(client, auth, crm):
    def refuse(kw: dict[str, Any]) -> Any:
        raise ValidationFailed("Unknown sort.", {"sort": ["No custom field 'x'."]})
    crm.answers["export_clients"] = refuse
    response = client.get(EXPORT, headers=auth)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"


def test_the_document_describes_the_csv_bodies_and_leaves_json_ones_alone(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    upload_op = paths[IMPORTS]["post"]
    assert list(upload_op["requestBody"]["content"]) == [CSV]
    assert {"201", "400", "413", "415"} <= set(upload_op["responses"])
    assert {p["name"] for p in upload_op["parameters"] if p["in"] == "query"} >= {
        "entity", "dry_run"}
    assert "202" in paths[f"{IMPORTS}/{{import_id}}/run"]["post"]["responses"]
    export = paths[EXPORT]["get"]
    assert list(export["responses"]["200"]["content"]) == [CSV]
    assert "cursor" not in {p["name"] for p in export["parameters"]}
    create = paths["/api/v1/crm/clients"]["post"]
    assert list(create["requestBody"]["content"]) == ["application/json"]


def test_decoding_prefers_the_declared_charset_over_a_guess():
    assert decode_text("é".encode("utf-16-le"), "utf-16-le") == "é"
    assert decode_text(b"\xef\xbb\xbfa", "utf-8") == "a"
    assert decode_text(b"\xff\xfe\x00\x00a\x00\x00\x00") == "a"
    with pytest.raises(ValidationFailed):
        decode_text(b"\xe9", "utf-8")


def test_imports_are_listed_with_the_lists_paging_and_filters(client, auth, crm):
    crm.answers["list_imports"] = lambda kw: {
        "data": [], "page": {"limit": 5, "has_more": True, "next_cursor": "c2"}}
    response = client.get(f"{IMPORTS}?limit=5&status=validated", headers=auth)
    assert response.status_code == 200 and 'rel="next"' in response.headers["Link"]
    assert crm.calls_of("list_imports") == [
        {"limit": 5, "include_total": False, "status": "validated", "sort": "-created_at"}]
    assert client.get(f"{IMPORTS}?status=done", headers=auth).status_code == 400



def test_contacts_export_with_the_contact_lists_filters(client, auth, crm):
    crm.answers["export_contacts"] = lambda kw: {"csv": "id,name\r\n", "columns": ["id", "name"],
                                                 "next_cursor": None}
    response = client.get("/api/v1/crm/contacts/export?tag=vip", headers=auth)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="contacts.csv"'
    assert crm.calls_of("export_contacts") == [{"tag": "vip", "sort": "name"}]
    assert client.get("/api/v1/crm/contacts/export?limit=5", headers=auth).status_code == 400
    assert upload(client, auth, b"name\nAnn\n", query="entity=contacts").status_code == 201


def test_retrying_a_failed_import_is_202_pointing_at_it(client, auth, crm):
    crm.answers["retry_import"] = lambda kw: {"id": kw["import_id"], "status": "importing"}
    response = client.post(f"{IMPORTS}/{IMPORT_ID}/retry", headers=auth)
    assert response.status_code == 202
    assert response.headers["Location"] == f"{IMPORTS}/{IMPORT_ID}"
    assert crm.calls_of("retry_import") == [{"import_id": IMPORT_ID}]


def test_every_problem_of_an_import_is_listed_page_by_page(client, auth, crm):
    crm.answers["list_import_problems"] = lambda kw: {
        "data": [{"row": 2, "column": "name", "message": "Missing data."}],
        "page": {"limit": 1, "has_more": True, "next_cursor": "c2"}}
    response = client.get(f"{IMPORTS}/{IMPORT_ID}/problems?limit=1&cursor=c1", headers=auth)
    assert response.status_code == 200 and 'rel="next"' in response.headers["Link"]
    assert response.get_json()["data"][0]["column"] == "name"
    assert crm.calls_of("list_import_problems") == [
        {"import_id": IMPORT_ID, "limit": 1, "cursor": "c1", "include_total": False}]
    assert client.get(f"{IMPORTS}/{IMPORT_ID}/problems?limit=0", headers=auth).status_code == 400
