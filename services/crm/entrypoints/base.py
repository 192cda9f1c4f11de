"""The base of every entrypoint mixin: BureauService, so `self.db` and `self.ctx` are the
platform's (declared once there, shared by the composed CrmService)."""

from __future__ import annotations

from shared.service_base import BureauService


class Entrypoints(BureauService):
    """An area's entrypoints; service.py composes the areas into one service."""
