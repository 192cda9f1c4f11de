"""The parts of every RPC input schema: unknown fields and NUL characters are a 400."""

import pytest
from marshmallow import fields

from shared.errors import ValidationFailed
from shared.input_schemas import Input, load


class Note(Input):
    title = fields.String(required=True)
    tags = fields.List(fields.String(), load_default=list)


class Upload(Input):
    nul_checked_by_field = frozenset({"content"})
    content = fields.String(required=True)


@pytest.mark.parametrize(("payload", "field"), [
    ({"title": "a\x00b"}, "title"),
    ({"title": "ok", "tags": ["x", "\x00"]}, "tags"),
])
def test_nul_characters_anywhere_are_refused_naming_the_field(payload, field):
    with pytest.raises(ValidationFailed) as refused:
        load(Note, payload)
    assert refused.value.errors == {field: ["Must not contain NUL characters."]}


def test_a_field_that_checks_nul_itself_is_left_to_it_and_unknown_fields_are_refused():
    assert load(Upload, {"content": "a\x00b"}) == {"content": "a\x00b"}
    with pytest.raises(ValidationFailed) as refused:
        load(Note(), {"title": "x", "colour": "red"})
    assert set(refused.value.errors) == {"colour"}
