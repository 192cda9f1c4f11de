"""Fixtures every end-to-end test module shares: a client of the running gateway, an owner."""

from collections.abc import Iterator

import pytest

from tests.e2e.helpers import Account, Api, signup


@pytest.fixture
def api(suite) -> Iterator[Api]:
    client = Api(suite.url)
    yield client
    client.close()


@pytest.fixture
def owner(api: Api) -> Account:
    """A new tenant and its owner, signed up through the gateway."""
    return signup(api)
