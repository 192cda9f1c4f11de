"""The catalog of event payload schemas, shared by producers and consumers.

A producer's `record_event` validates `data` against the schema registered for
(type, version); a breaking change registers a new version beside the old one.
Each service's schemas live in a module of this package (identity.py, ...).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

from marshmallow import RAISE, Schema

from shared.errors import BureauError

_registry: dict[tuple[str, int], type[Schema]] = {}
_loaded = False


class EventSchemaError(BureauError):
    """A producer tried to record an event its schema refuses: a bug, so a 500."""


def register(event_type: str, version: int = 1) -> Callable[[type[Schema]], type[Schema]]:
    def wrap(cls: type[Schema]) -> type[Schema]:
        _registry[(event_type, version)] = cls
        return cls

    return wrap


def _load_all() -> None:
    global _loaded
    if not _loaded:
        for mod in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{mod.name}")
        _loaded = True


def schema_for(event_type: str, version: int = 1) -> type[Schema]:
    _load_all()
    try:
        return _registry[(event_type, version)]
    except KeyError:
        raise EventSchemaError(f"No schema registered for {event_type} v{version}") from None


def validate(event_type: str, version: int, data: dict[str, Any]) -> dict[str, Any]:
    """Dump `data` (Python values welcome) to JSON-ready form and check it, or raise."""
    schema = schema_for(event_type, version)(unknown=RAISE)
    unknown = set(data) - set(schema.fields)
    if unknown:
        raise EventSchemaError(f"{event_type} v{version}: unknown fields {sorted(unknown)}")
    dumped = schema.dump(data)
    errors = schema.validate(dumped)
    if errors:
        raise EventSchemaError(f"{event_type} v{version}: {errors}")
    return dumped


def catalog() -> dict[tuple[str, int], type[Schema]]:
    _load_all()
    return dict(_registry)
