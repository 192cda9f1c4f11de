"""Blueprints, one per area of the public API; each view only translates HTTP to one RPC."""
