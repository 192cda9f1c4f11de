"""/api/v1/crm/custom-fields: definitions' bodies, list query and answers."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, pre_load, validate

from gateway.schemas.common import ListQuerySchema, RequestSchema, ResponseSchema, page_schema
from gateway.schemas.crm import CUSTOM_KEY

ENTITIES = ("client", "contact", "deal")
TYPES = ("text", "long_text", "number", "decimal", "money", "date", "boolean",
         "single_select", "multi_select", "url", "email", "user")
SORTS = ("position", "key", "created_at")
POSITION = validate.Range(min=0, max=1_000_000)


class OptionBody(RequestSchema):
    value = fields.String(required=True, validate=validate.Length(min=1, max=100))
    label = fields.String(validate=validate.Length(min=1, max=200),
                          metadata={"description": "Shown in forms; default the value."})


def _options() -> fields.List:
    return fields.List(
        fields.Nested(OptionBody), allow_none=True,
        metadata={"description": "A select's options (values unique); other types take none. "
                  "Removing one keeps it on the objects holding it, refusing new writes."},
    )


class CreateCustomFieldBody(RequestSchema):
    entity = fields.String(required=True, validate=validate.OneOf(ENTITIES))
    key = fields.String(
        required=True, validate=validate.Regexp(f"^{CUSTOM_KEY}$"),
        metadata={"description": "Where values are stored, e.g. `tier`; never changes."},
    )
    label = fields.String(required=True, validate=validate.Length(min=1, max=200))
    type = fields.String(required=True, validate=validate.OneOf(TYPES),
                         metadata={"description": "Never changes."})
    required = fields.Boolean(metadata={
        "description": "Enforced on new objects and on updates that change custom values."})
    options = _options()
    position = fields.Integer(allow_none=True, validate=POSITION,
                              metadata={"description": "Order in forms; default last."})


IMMUTABLE = {
    "key": ["The key never changes (values are stored under it); create another field."],
    "type": ["The type never changes (stored values would not fit); create another field."],
}


class UpdateCustomFieldBody(RequestSchema):
    """Label, required, options, position; `key` and `type` are refused with a reason."""

    @pre_load
    def refuse_immutable(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict) and IMMUTABLE.keys() & data.keys():
            raise ValidationError({k: IMMUTABLE[k] for k in IMMUTABLE.keys() & data.keys()})
        return data

    label = fields.String(validate=validate.Length(min=1, max=200))
    required = fields.Boolean()
    options = fields.List(fields.Nested(OptionBody))
    position = fields.Integer(validate=POSITION)


class OptionSchema(ResponseSchema):
    value = fields.String(required=True)
    label = fields.String(required=True)


class CustomFieldSchema(ResponseSchema):
    id = fields.String(required=True)
    entity = fields.String(required=True, validate=validate.OneOf(ENTITIES))
    key = fields.String(required=True)
    label = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(TYPES))
    required = fields.Boolean(required=True)
    options = fields.List(fields.Nested(OptionSchema), required=True)
    position = fields.Integer(required=True)
    archived_at = fields.DateTime(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    version = fields.Integer(required=True)


CustomFieldPageSchema = page_schema(CustomFieldSchema, "CustomFieldPageSchema")


class CustomFieldListQuery(ListQuerySchema):
    entity = fields.String(validate=validate.OneOf(ENTITIES))
    include_archived = fields.Boolean(load_default=False,
                                      metadata={"description": "Archived ones too."})
    sort = fields.String(load_default="position",
                         validate=validate.OneOf([*SORTS, *(f"-{s}" for s in SORTS)]))
