"""JSON log lines: one object per record, with the caller's context when there is one."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shared.call_context import CallContext, current
from shared.logging_setup import configure_logging


@pytest.fixture
def log_lines(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """Configures JSON logging for the test, then restores the root logger."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    configure_logging("sample", "DEBUG")

    def read() -> list[dict[str, Any]]:
        return [json.loads(line) for line in capsys.readouterr().out.splitlines()]

    yield read
    root.handlers[:] = handlers
    root.setLevel(level)


def test_each_record_is_one_json_object_with_time_level_logger_message_and_process(log_lines):
    logging.getLogger("bureau.test").info("invoice %s sent", "INV-1")

    (line,) = log_lines()
    assert line["level"] == "INFO"
    assert line["logger"] == "bureau.test"
    assert line["message"] == "invoice INV-1 sent"
    assert line["process"] == "sample"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["ts"])


def test_the_call_context_of_the_running_worker_is_on_every_line(log_lines):
    token = current.set(CallContext(tenant_id="t-1", user_id="u-1", request_id="req-1"))
    try:
        logging.getLogger("bureau.test").warning("looked up")
    finally:
        current.reset(token)
    logging.getLogger("bureau.test").warning("outside any call")

    inside, outside = log_lines()
    assert (inside["request_id"], inside["tenant_id"], inside["user_id"]) == ("req-1", "t-1", "u-1")
    assert "request_id" not in outside and "tenant_id" not in outside


def test_an_exception_is_logged_as_a_string_field_with_its_traceback(log_lines):
    try:
        raise ValueError("bad amount")
    except ValueError:
        logging.getLogger("bureau.test").exception("failed")

    (line,) = log_lines()
    assert isinstance(line["exc_info"], str)
    assert "ValueError: bad amount" in line["exc_info"]
    assert "Traceback" in line["exc_info"]


def test_extra_fields_are_logged_as_keys(log_lines):
    logging.getLogger("bureau.test").info("slept", extra={"seconds": 1.5})

    (line,) = log_lines()
    assert line["seconds"] == 1.5


def test_configuring_twice_still_writes_each_record_once_with_the_new_settings(log_lines):
    configure_logging("other", "WARNING")
    logging.getLogger("bureau.test").info("dropped below the level")
    logging.getLogger("bureau.test").error("kept")

    (line,) = log_lines()
    assert line["message"] == "kept"
    assert line["process"] == "other"
