"""identity's own nameko dependency: the token issuer with its cached signing keys."""

from __future__ import annotations

from typing import Any

from nameko.extensions import DependencyProvider

from services.identity.keys import KeyRing
from services.identity.settings import IdentitySettings
from services.identity.tokens import Tokens


class TokenIssuer(DependencyProvider):
    """One Tokens (and key cache) per process; settings read at container setup."""

    def setup(self) -> None:
        settings = IdentitySettings.from_env()
        self.tokens = Tokens(settings, KeyRing(settings))

    def get_dependency(self, worker_ctx: Any) -> Tokens:
        return self.tokens
