"""Inputs of the deal methods (docs/rpc/crm.md#deals)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate

from services.crm.domain.deals import STATUSES
from services.crm.domain.forecast import EARLIEST, LATEST
from services.crm.domain.limits import NOTES_MAX
from services.crm.schemas.common import Currency, Tags, custom_filters
from shared.errors import ValidationFailed
from shared.input_schemas import Input, PageInput, Trimmed
from shared.money import MAX_AMOUNT, Money


class MoneyField(fields.Field):
    """`{"amount": "1234.50", "currency": "EUR"}` -> shared.money.Money (never a float)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Money:
        try:
            return Money.parse(value, "money")
        except ValidationFailed as refused:
            raise ValidationError({key.removeprefix("money.") if key != "money" else "_schema":
                                   messages for key, messages in refused.errors.items()}
                                  ) from None


def ids() -> fields.List:
    return fields.List(fields.UUID(), validate=validate.Length(max=100))


class DealFields(Input):
    """What a deal's creator sets; an update takes any subset (but not the stage)."""

    name = Trimmed(required=True, validate=validate.Length(min=1, max=200))
    client_id = fields.UUID(required=True)
    contact_ids = ids()
    owner_id = fields.UUID()
    amount = MoneyField(required=True)
    expected_close_date = fields.Date(allow_none=True, validate=validate.Range(
        min=EARLIEST, max=LATEST, error="Must be between {min} and {max}."))
    """Within the dates a forecast covers (9999-12-31 is what undated deals sort as)."""
    source = Trimmed(allow_none=True, validate=validate.Length(max=100))
    tags = Tags()
    notes = Trimmed(validate=validate.Length(max=NOTES_MAX))
    custom = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)))
    """Custom field values by key (a null value clears one); checked by custom_fields."""


class CreateDealInput(DealFields):
    pipeline_id = fields.UUID(load_default=None)
    stage_id = fields.UUID(load_default=None)
    """Default: the first stage of the pipeline (default: the tenant's default pipeline)."""


class UpdateDealInput(DealFields):
    """Only the fields sent change (load it with `partial=UPDATABLE`); `expected_version`
    is the ETag the client read."""

    deal_id = fields.UUID(required=True)
    expected_version = fields.Integer(load_default=None, allow_none=True, strict=True)


UPDATABLE = tuple(DealFields._declared_fields)


class DealIdInput(Input):
    deal_id = fields.UUID(required=True)


class VersionedDealInput(DealIdInput):
    expected_version = fields.Integer(load_default=None, allow_none=True, strict=True)


class MoveDealInput(VersionedDealInput):
    stage_id = fields.UUID(load_default=None)
    before_id = fields.UUID(load_default=None)
    after_id = fields.UUID(load_default=None)


class MarkWonInput(VersionedDealInput):
    amount = MoneyField(load_default=None)


class MarkLostInput(VersionedDealInput):
    reason = Trimmed(required=True, validate=validate.Length(min=1, max=500))


class ReopenDealInput(VersionedDealInput):
    stage_id = fields.UUID(load_default=None)


class ListDealsInput(PageInput):
    q = Trimmed(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))
    pipeline_id = fields.UUID(load_default=None)
    stage_id = fields.UUID(load_default=None)
    owner_id = fields.UUID(load_default=None)
    mine = fields.Boolean(load_default=False)
    client_id = fields.UUID(load_default=None)
    contact_id = fields.UUID(load_default=None)
    tag = Trimmed(load_default=None, validate=validate.Length(min=1, max=50))
    currency = Currency(load_default=None)
    amount_min = fields.Decimal(load_default=None, allow_nan=False,
                                validate=validate.Range(min=0, max=MAX_AMOUNT))
    amount_max = fields.Decimal(load_default=None, allow_nan=False,
                                validate=validate.Range(min=0, max=MAX_AMOUNT))
    expected_close_from = fields.Date(load_default=None)
    expected_close_to = fields.Date(load_default=None)
    created_after = fields.AwareDateTime(load_default=None)
    created_before = fields.AwareDateTime(load_default=None)
    updated_after = fields.AwareDateTime(load_default=None)
    updated_before = fields.AwareDateTime(load_default=None)
    closed_after = fields.AwareDateTime(load_default=None)
    closed_before = fields.AwareDateTime(load_default=None)
    custom = custom_filters()
    custom_min = custom_filters()
    custom_max = custom_filters()
    sort = fields.String(load_default="-created_at", validate=validate.Length(max=80))
