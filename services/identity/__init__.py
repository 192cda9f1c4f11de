"""identity: tenants, users, memberships, roles, sessions and the tokens that prove them."""
