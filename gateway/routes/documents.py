"""The OpenAPI document and its browsable rendering (a self-contained page, no CDN)."""

from __future__ import annotations

from importlib.resources import files

from flask import Blueprint, Response, current_app

from gateway.openapi import build_openapi
from gateway.responses import json_response

bp = Blueprint("documents", __name__)
DOCS_PAGE = files("gateway").joinpath("static/api_docs.html").read_text(encoding="utf-8")


@bp.get("/api/v1/openapi.json")
def openapi_document() -> Response:
    document = current_app.extensions.get("bureau_openapi")
    if document is None:
        document = current_app.extensions["bureau_openapi"] = build_openapi(current_app)
    return json_response(document)


@bp.get("/api/docs")
def docs_page() -> Response:
    response = Response(DOCS_PAGE, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
        "connect-src 'self'"
    )
    return response
