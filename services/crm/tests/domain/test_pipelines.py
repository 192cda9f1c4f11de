"""Pipeline and stage rules without a database."""

from __future__ import annotations

import pytest

from services.crm.domain import pipelines
from shared.errors import Unprocessable, ValidationFailed


def test_the_default_stages_rise_in_probability_within_0_and_100():
    probabilities = [p for _, p in pipelines.DEFAULT_STAGES]
    assert probabilities == sorted(probabilities)
    assert all(0 <= p <= 100 for p in probabilities)


def test_new_stages_need_one_at_least_and_unique_names():
    pipelines.check_new_stages([{"name": "A"}, {"name": "B"}])
    with pytest.raises(ValidationFailed):
        pipelines.check_new_stages([])
    with pytest.raises(ValidationFailed, match="Duplicate"):
        pipelines.check_new_stages([{"name": "Won over"}, {"name": "won OVER"}])


def test_a_reorder_names_every_active_stage_once():
    pipelines.check_reorder([1, 2, 3], [3, 1, 2])
    for bad in ([1, 2], [1, 2, 3, 4], [1, 1, 2, 3], [1, 2, 9]):
        with pytest.raises(ValidationFailed):
            pipelines.check_reorder([1, 2, 3], bad)


def test_a_stage_with_open_deals_goes_only_with_a_place_for_them():
    pipelines.check_can_archive_stage(active_stages=2, open_deals=0, moving_to=None)
    pipelines.check_can_archive_stage(active_stages=2, open_deals=3, moving_to="s2")
    with pytest.raises(Unprocessable, match="3 open deal"):
        pipelines.check_can_archive_stage(active_stages=2, open_deals=3, moving_to=None)


def test_the_last_stage_stays():
    with pytest.raises(Unprocessable):
        pipelines.check_can_archive_stage(active_stages=1, open_deals=0, moving_to=None)


def test_the_default_pipeline_and_one_with_open_deals_are_not_archived():
    pipelines.check_can_archive_pipeline(is_default=False, open_deals=0)
    with pytest.raises(Unprocessable, match="default"):
        pipelines.check_can_archive_pipeline(is_default=True, open_deals=0)
    with pytest.raises(Unprocessable):
        pipelines.check_can_archive_pipeline(is_default=False, open_deals=1)
