"""crm's entrypoints, one mixin per area; service.py composes them into CrmService.

Each method loads its input with the area's schema, runs one use case in a transaction
of the caller's tenant, and returns `json_answer` text. The mixins rely on the attributes
BureauService provides (`db`, `ctx`): see `Entrypoints`.
"""
