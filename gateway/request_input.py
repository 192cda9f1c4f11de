"""Loading a request's query string and JSON body through marshmallow schemas, and the
text body of the few endpoints that take a file (a CSV import): decoded here, per HTTP.

Unknown fields and unknown query parameters are refused (400 with field errors), so a typo
is never silently ignored and no client sets a field it does not own.
"""

from __future__ import annotations

import codecs
import json
from typing import Any

from flask import request
from marshmallow import Schema
from marshmallow import ValidationError as SchemaValidationError
from werkzeug.exceptions import RequestEntityTooLarge, UnsupportedMediaType

from shared.errors import ValidationFailed
from shared.input_faults import NESTING_MESSAGE, input_faults, text_fault
from shared.input_schemas import flatten_messages


def load_query(schema: Schema | None) -> dict[str, Any]:
    """The query string loaded by `schema`; any parameter it does not know is a 400."""
    duplicated = [name for name, values in request.args.lists() if len(values) > 1]
    if duplicated:
        errors = {name: ["Give this parameter once."] for name in duplicated}
        raise ValidationFailed("The query string is invalid.", errors)
    raw = request.args.to_dict()
    faults = input_faults(raw)
    if faults:
        raise ValidationFailed("The query string is invalid.", faults)
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
    """The JSON object body loaded by `schema`: 415 when not JSON, 400 when malformed, and
    400 naming the field for what no service could store or be sent (a NUL or a lone
    surrogate, NaN or a >64-bit integer, nesting past 32 levels: shared/input_faults.py)."""
    if not request.mimetype or not _is_json(request.mimetype):
        raise UnsupportedMediaType("Send the body as application/json.")
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            "The body is not valid JSON.", {"_body": ["Malformed JSON."]}
        ) from exc
    except RecursionError:  # nested past the parser's stack: the limit below, but sooner
        raise ValidationFailed("The body is nested too deeply.",
                               {"_body": [NESTING_MESSAGE]}) from None
    if not isinstance(data, dict):
        raise ValidationFailed("The body must be a JSON object.", {"_body": ["Not an object."]})
    faults = input_faults(data)
    if faults:
        raise ValidationFailed("The body is invalid.", faults)
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


BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def limit_body(max_bytes: int) -> None:
    """This request's body limit (Flask 3.1 lets a request have its own); a declared
    length over it is refused before anything is read."""
    request.max_content_length = max_bytes
    if request.content_length is not None and request.content_length > max_bytes:
        raise RequestEntityTooLarge(
            f"The body is {request.content_length:,} bytes; this endpoint takes at most "
            f"{max_bytes:,} ({max_bytes // (1024 * 1024)} MiB)."
        )


def load_text_body(media_type: str) -> str:
    """The body as text: 415 unless sent as `media_type`, 400 when it does not decode."""
    if request.mimetype != media_type:
        raise UnsupportedMediaType(f"Send the body as {media_type}.")
    return decode_text(request.get_data(cache=True), request.mimetype_params.get("charset"))


TEXT_ENCODINGS = frozenset(codecs.lookup(name).name for name in (
    "utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le",
    "utf-32-be", "ascii", "latin-1", *(f"iso-8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 9, 10,
                                                                   13, 14, 15, 16)),
    *(f"windows-{n}" for n in range(1250, 1259)), "mac-roman", "cp437", "cp850", "koi8-r",
    "koi8-u", "shift_jis", "cp932", "euc-jp", "gb2312", "gbk", "gb18030", "big5", "euc-kr",
    "cp949",
))
"""Charsets an upload may declare: real text encodings. Python knows other codecs too
(`utf-7`, `unicode_escape`, `rot13`, `base64`...) that are no file's encoding and can
decode to lone surrogates no service can store: those are refused, named."""


def decode_text(raw: bytes, charset: str | None = None) -> str:
    """Bytes to text: the declared charset if any, else a byte order mark (UTF-8, UTF-16,
    UTF-32), else UTF-8. Bytes that do not decode are a 400 naming the byte and the cure;
    nothing is guessed, since a wrong guess imports garbled names without a word."""
    encoding = charset.strip().lower() if charset else None
    if encoding in ("utf-8", "utf8"):
        encoding = "utf-8-sig"  # a BOM is not part of the text
    if encoding is None:
        encoding = next((name for bom, name in BOMS if raw.startswith(bom)), "utf-8")
    try:
        known = codecs.lookup(encoding).name in TEXT_ENCODINGS
    except LookupError:
        known = False
    if not known:
        message = (f"Unsupported charset {charset!r}: send a text encoding such as utf-8, "
                   "utf-16 or windows-1252.")
        raise ValidationFailed(message, {"_body": [message]})
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        name = codecs.lookup(encoding).name.removesuffix("-sig").upper()
        byte = raw[exc.start:exc.start + 1].hex().upper()
        hint = ("Save it as UTF-8, or name its encoding in the Content-Type, e.g. "
                "text/csv; charset=windows-1252." if charset is None else "")
        raise ValidationFailed(
            f"The body is not valid {name}: byte 0x{byte} at offset {exc.start}. {hint}".strip(),
            {"_body": [f"Not valid {name} (byte 0x{byte} at offset {exc.start})."]},
        ) from None
    fault = text_fault(text.replace("\x00", ""))  # a NUL is the file checks' to explain
    if fault:
        raise ValidationFailed("The body is not valid text.", {"_body": [fault]})
    return text
