"""The `suite` fixture: the whole Bureau suite, started once per session by the tests that ask.

Tests that request `suite` are marked `e2e` automatically (`pytest -m "not e2e"` skips
them). When a test failed, the summary lists the suite's log files.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.suite import RunningSuite

_STARTED = pytest.StashKey[RunningSuite]()


@pytest.fixture(scope="session")
def suite(request: pytest.FixtureRequest) -> Iterator[RunningSuite]:
    """The running suite on free ports, prefix BUREAU_E2E_PREFIX (default bureau_e2e)."""
    running = RunningSuite()
    request.config.stash[_STARTED] = running
    try:
        running.open()
        yield running
    finally:
        running.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "suite" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.e2e)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    running = config.stash.get(_STARTED, None)
    if running is None or exitstatus == 0:
        return
    terminalreporter.write_sep("-", "logs of the e2e suite")
    for path in running.log_paths():
        terminalreporter.write_line(str(path))
