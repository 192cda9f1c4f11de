"""identity's own Prometheus figures: sign-in outcomes and why sessions were revoked.

A rise in `refresh_token_reuse` revocations is the signature of stolen refresh tokens;
a rise in throttled sign-ins, of password guessing.
"""

from __future__ import annotations

from prometheus_client import Counter

SIGN_INS = Counter(
    "bureau_identity_sign_ins_total", "Password sign-ins by outcome", ["outcome"]
)
"""outcome: ok, refused (bad credentials), throttled."""

SESSION_REVOCATIONS = Counter(
    "bureau_identity_session_revocations_total",
    "Sessions revoked by identity itself, by reason",
    ["reason"],
)
"""reason: refresh_token_reuse, membership_ended."""
