"""Inputs of the custom field definition methods (docs/rpc/crm.md#custom-fields)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, pre_load, validate

from services.crm.domain.custom_fields import ENTITIES, KEY_PATTERN, KEY_RULE, TYPES
from services.crm.schemas.common import sort_field
from shared.input_schemas import Input, PageInput, Trimmed

POSITION = validate.Range(min=0, max=1_000_000)
IMMUTABLE = {
    "key": ["The key never changes (values are stored under it); create another field."],
    "type": ["The type never changes (stored values would not fit); create another field."],
}


class OptionInput(Input):
    value = Trimmed(required=True, validate=validate.Length(min=1, max=100))
    label = Trimmed(load_default=None, validate=validate.Length(min=1, max=200))


def _label(**kwargs: object) -> Trimmed:
    return Trimmed(validate=validate.Length(min=1, max=200), **kwargs)  # type: ignore[arg-type]


def _options(**kwargs: object) -> fields.List:
    return fields.List(fields.Nested(OptionInput), **kwargs)  # type: ignore[arg-type]


class CreateCustomFieldInput(Input):
    entity = fields.String(required=True, validate=validate.OneOf(ENTITIES))
    key = fields.String(required=True, validate=validate.Regexp(KEY_PATTERN, error=KEY_RULE))
    label = _label(required=True)
    type = fields.String(required=True, validate=validate.OneOf(TYPES))
    required = fields.Boolean(load_default=False)
    options = _options(load_default=None, allow_none=True)
    position = fields.Integer(load_default=None, allow_none=True, strict=True, validate=POSITION)


class UpdateCustomFieldInput(Input):
    """Any subset of the changeable fields; `key` and `type` are refused with a reason."""

    @pre_load
    def refuse_immutable(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict) and IMMUTABLE.keys() & data.keys():
            raise ValidationError({k: IMMUTABLE[k] for k in IMMUTABLE.keys() & data.keys()})
        return data

    custom_field_id = fields.UUID(required=True)
    expected_version = fields.Integer(load_default=None, allow_none=True, strict=True)
    label = _label()
    required = fields.Boolean()
    options = _options()
    position = fields.Integer(strict=True, validate=POSITION)


class CustomFieldIdInput(Input):
    custom_field_id = fields.UUID(required=True)


class ArchiveCustomFieldInput(CustomFieldIdInput):
    expected_version = fields.Integer(load_default=None, allow_none=True, strict=True)


class ListCustomFieldsInput(PageInput):
    entity = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(ENTITIES))
    include_archived = fields.Boolean(load_default=False)
    sort = sort_field("position")
