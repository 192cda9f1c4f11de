"""Who may act as whom, and for how long."""

from datetime import timedelta

import pytest

from services.identity.domain.impersonation import check_may_impersonate, time_box
from shared.errors import PermissionDenied


def test_only_support_staff_may_impersonate_and_never_other_staff():
    check_may_impersonate("support", None)
    with pytest.raises(PermissionDenied):
        check_may_impersonate(None, None)
    with pytest.raises(PermissionDenied):
        check_may_impersonate("support", "support")


def test_the_time_box_is_at_most_an_hour():
    assert time_box(30) == timedelta(minutes=30)
    assert time_box(600) == timedelta(minutes=60)
    assert time_box(0) == timedelta(minutes=1)
