"""Events crm publishes about deals. Each names the deal and who acted (`actor_id`);
`crm.deal.won` carries what a project needs to start without calling crm."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.event_schemas import register

DEAL_STATUSES = ("open", "won", "lost")


class MoneyV1(Schema):
    """`{"amount": "1234.50", "currency": "EUR"}`: a decimal string, never a float."""

    amount = fields.String(required=True)
    currency = fields.String(required=True, validate=validate.Length(equal=3))


@register("crm.deal.created", 1)
class DealCreatedV1(Schema):
    deal_id = fields.UUID(required=True)
    name = fields.String(required=True)
    client_id = fields.UUID(required=True)
    pipeline_id = fields.UUID(required=True)
    stage_id = fields.UUID(required=True)
    owner_id = fields.UUID(required=True)
    amount = fields.Nested(MoneyV1, required=True)
    expected_close_date = fields.Date(required=True, allow_none=True)
    contact_ids = fields.List(fields.UUID(), required=True)
    actor_id = fields.UUID(required=True)


@register("crm.deal.updated", 1)
class DealUpdatedV1(Schema):
    """`changed` names the fields that changed (`rank` alone: reordered within its stage)."""

    deal_id = fields.UUID(required=True)
    name = fields.String(required=True)
    changed = fields.List(fields.String(), required=True)
    owner_id = fields.UUID(required=True)
    actor_id = fields.UUID(required=True)


@register("crm.deal.stage_changed", 1)
class DealStageChangedV1(Schema):
    deal_id = fields.UUID(required=True)
    name = fields.String(required=True)
    pipeline_id = fields.UUID(required=True)
    from_stage_id = fields.UUID(required=True)
    from_stage_name = fields.String(required=True)
    from_probability = fields.Integer(required=True)
    to_stage_id = fields.UUID(required=True)
    to_stage_name = fields.String(required=True)
    to_probability = fields.Integer(required=True)
    actor_id = fields.UUID(required=True)


@register("crm.deal.won", 1)
class DealWonV1(Schema):
    """What a project started from a won deal needs: who, for whom, for how much."""

    deal_id = fields.UUID(required=True)
    name = fields.String(required=True)
    client_id = fields.UUID(required=True)
    client_name = fields.String(required=True)
    amount = fields.Nested(MoneyV1, required=True)
    """The agreed (won) amount, which may differ from the amount the deal was opened with."""
    owner_id = fields.UUID(required=True)
    contact_ids = fields.List(fields.UUID(), required=True)
    pipeline_id = fields.UUID(required=True)
    closed_at = fields.DateTime(required=True)
    actor_id = fields.UUID(required=True)


@register("crm.deal.lost", 1)
class DealLostV1(Schema):
    deal_id = fields.UUID(required=True)
    name = fields.String(required=True)
    client_id = fields.UUID(required=True)
    owner_id = fields.UUID(required=True)
    reason = fields.String(required=True)
    closed_at = fields.DateTime(required=True)
    actor_id = fields.UUID(required=True)


@register("crm.deal.reopened", 1)
class DealReopenedV1(Schema):
    """A won or lost deal is open again (a project started from a win may need a look)."""

    deal_id = fields.UUID(required=True)
    name = fields.String(required=True)
    from_status = fields.String(required=True, validate=validate.OneOf(("won", "lost")))
    stage_id = fields.UUID(required=True)
    owner_id = fields.UUID(required=True)
    actor_id = fields.UUID(required=True)


@register("crm.deal.deleted", 1)
class DealDeletedV1(Schema):
    deal_id = fields.UUID(required=True)
    name = fields.String(required=True)
    client_id = fields.UUID(required=True)
    status = fields.String(required=True, validate=validate.OneOf(DEAL_STATUSES))
    actor_id = fields.UUID(required=True)
