"""JSON log lines on stdout, one object per record, carrying the caller's request and tenant.

Log shippers parse a line without guessing its format, and `request_id` ties together what
the gateway and every service logged for one user request. Stdlib only.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from shared.call_context import current

CONTEXT_FIELDS = ("request_id", "tenant_id", "user_id")
"""Call-context values copied onto every record logged while a worker runs."""

_RECORD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__
) | {"message", "asctime", "taskName"}
"""What every LogRecord has; anything else on a record came from `extra=` and is logged."""


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object: ts, level, logger, message, process, context."""

    def __init__(self, process_name: str) -> None:
        super().__init__()
        self.process_name = process_name

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": _rfc3339(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": self.process_name,
        }
        context = current.get()
        for name in CONTEXT_FIELDS:
            value = getattr(context, name)
            if value:
                line[name] = value
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and key not in line:
                line[key] = value
        if record.exc_info:
            line["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class _StdoutJsonHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stdout` is at the time (test capture swaps it); its class
    marks the handler this module installed, so a second configure replaces it."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def configure_logging(process_name: str, level: str = "INFO") -> None:
    """Send every record of the process as a JSON line to stdout; safe to call again."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _StdoutJsonHandler):
            root.removeHandler(handler)
    handler = _StdoutJsonHandler()
    handler.setFormatter(JsonFormatter(process_name))
    root.addHandler(handler)
    root.setLevel(level.upper())


def _rfc3339(created: float) -> str:
    stamp = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")
