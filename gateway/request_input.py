"""Loading a request's query string and JSON body through marshmallow schemas.

Unknown fields and unknown query parameters are refused (400 with field errors), so a typo
is never silently ignored and no client sets a field it does not own.
"""

from __future__ import annotations

import json
from typing import Any

from flask import request
from marshmallow import Schema
from marshmallow import ValidationError as SchemaValidationError
from werkzeug.exceptions import UnsupportedMediaType

from shared.errors import ValidationFailed
from shared.input_schemas import flatten_messages


def load_query(schema: Schema | None) -> dict[str, Any]:
    """The query string loaded by `schema`; any parameter it does not know is a 400."""
    duplicated = [name for name, values in request.args.lists() if len(values) > 1]
    if duplicated:
        errors = {name: ["Give this parameter once."] for name in duplicated}
        raise ValidationFailed("The query string is invalid.", errors)
    raw = request.args.to_dict()
    if schema is None:
        if raw:
            errors = {name: ["Unknown parameter."] for name in raw}
            raise ValidationFailed("The query string is invalid.", errors)
        return {}
    try:
        return schema.load(raw)
    except SchemaValidationError as exc:
        messages = _unknown_as_parameter(exc.messages)
        raise ValidationFailed("The query string is invalid.", flatten_messages(messages)) from exc


def load_json_body(schema: Schema) -> dict[str, Any]:
    """The JSON object body loaded by `schema`: 415 when not JSON, 400 when malformed."""
    if not request.mimetype or not _is_json(request.mimetype):
        raise UnsupportedMediaType("Send the body as application/json.")
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            "The body is not valid JSON.", {"_body": ["Malformed JSON."]}
        ) from exc
    if not isinstance(data, dict):
        raise ValidationFailed("The body must be a JSON object.", {"_body": ["Not an object."]})
    try:
        return schema.load(data)
    except SchemaValidationError as exc:
        raise ValidationFailed("The body is invalid.", flatten_messages(exc.messages)) from exc


def _is_json(mimetype: str) -> bool:
    return mimetype == "application/json" or mimetype.endswith("+json")


def _unknown_as_parameter(messages: Any) -> Any:
    if not isinstance(messages, dict):
        return messages
    return {
        key: (["Unknown parameter."] if value == ["Unknown field."] else value)
        for key, value in messages.items()
    }
