"""The parts of every RPC input schema: unknown fields, NUL characters, lone surrogates and
absurd nesting are a 400 naming the field."""

import pytest
from marshmallow import fields

from shared.errors import ValidationFailed
from shared.input_faults import MAX_NESTING, input_faults
from shared.input_schemas import Input, load


class Note(Input):
    title = fields.String(required=True)
    tags = fields.List(fields.String(), load_default=list)


class Upload(Input):
    text_checked_by_field = frozenset({"content"})
    content = fields.String(required=True)


@pytest.mark.parametrize(("payload", "field"), [
    ({"title": "a\x00b"}, "title"),
    ({"title": "ok", "tags": ["x", "\x00"]}, "tags.1"),
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


class Client(Input):
    name = fields.String(required=True)
    custom = fields.Dict(load_default=dict)


@pytest.mark.parametrize(("payload", "field"), [
    ({"name": "\ud800"}, "name"),
    ({"name": "ok", "custom": {"tier": "gold\udfff"}}, "custom.tier"),
    ({"name": "ok", "custom": {"tags": ["a", "b\udc80c"]}}, "custom.tags.1"),
])
def test_lone_surrogates_anywhere_are_refused_naming_the_field(payload, field):
    with pytest.raises(ValidationFailed) as refused:
        load(Client, payload)
    assert list(refused.value.errors) == [field]
    assert "lone surrogates" in refused.value.errors[field][0]


def test_a_key_with_a_lone_surrogate_is_named_escaped_so_the_error_itself_encodes():
    faults = input_faults({"custom": {"ti\ud800er": 1}})
    assert faults == {"custom.ti\\ud800er": [faults["custom.ti\\ud800er"][0]]}
    "".join(faults).encode("utf-8")  # would raise on a surrogate


def nested(levels: int) -> object:
    value: object = "deep"
    for _ in range(levels):
        value = [value]
    return value


def test_nesting_deeper_than_the_limit_is_refused_naming_the_top_level_field():
    assert load(Client, {"name": "ok", "custom": {"a": nested(MAX_NESTING - 2)}})
    with pytest.raises(ValidationFailed) as refused:
        load(Client, {"name": "ok", "custom": {"a": nested(MAX_NESTING - 1)}})
    assert list(refused.value.errors) == ["custom"]
    assert f"{MAX_NESTING} levels" in refused.value.errors["custom"][0]


def test_a_nesting_far_past_the_recursion_limit_is_refused_without_recursing():
    assert list(input_faults({"custom": nested(100_000)})) == ["custom"]


def test_valid_unicode_beyond_ascii_passes():
    assert load(Client, {"name": "Zoë 🦊 漢字"})["name"] == "Zoë 🦊 漢字"
