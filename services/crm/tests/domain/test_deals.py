"""Deal states, what a closed deal keeps, kanban ranks: the rules without a database."""

from __future__ import annotations

import pytest

from services.crm.domain import deals
from shared.errors import Unprocessable


def test_an_open_deal_can_be_won_or_lost():
    deals.check_can_close("open", "won")
    deals.check_can_close("open", "lost")


@pytest.mark.parametrize(("status", "outcome"), [
    ("won", "lost"), ("lost", "won"), ("won", "won"), ("lost", "lost")])
def test_a_closed_deal_is_reopened_before_it_closes_again(status, outcome):
    with pytest.raises(Unprocessable):
        deals.check_can_close(status, outcome)


def test_only_a_closed_deal_reopens_and_only_an_open_one_moves():
    deals.check_can_reopen("won")
    deals.check_can_reopen("lost")
    with pytest.raises(Unprocessable):
        deals.check_can_reopen("open")
    deals.check_can_move("open")
    with pytest.raises(Unprocessable, match="reopen"):
        deals.check_can_move("lost")


def test_a_closed_deal_keeps_its_amount_client_and_date_but_takes_housekeeping():
    deals.check_editable("won", ["notes", "tags", "owner_id", "name", "custom"])
    deals.check_editable("open", ["amount", "client_id"])
    with pytest.raises(Unprocessable) as refused:
        deals.check_editable("won", ["notes", "amount", "expected_close_date"])
    assert refused.value.extra == {"fields": ["amount", "expected_close_date"]}


def test_a_rank_between_neighbours_is_their_midpoint():
    assert deals.rank_between(100, 200) == 150
    assert deals.rank_between(100, 102) == 101
    assert deals.rank_between(-5, 5) == 0


def test_a_rank_at_either_end_leaves_a_gap():
    assert deals.rank_between(None, None) == deals.RANK_GAP
    assert deals.rank_between(None, 10) == 10 - deals.RANK_GAP
    assert deals.rank_between(10, None) == 10 + deals.RANK_GAP


def test_adjacent_neighbours_ask_for_a_renumbering():
    assert deals.rank_between(7, 8) is None
    assert deals.rank_between(7, 7) is None


def test_a_gap_absorbs_many_moves_into_the_same_slot_before_renumbering():
    low, high, moves = deals.RANK_GAP, 2 * deals.RANK_GAP, 0
    while (rank := deals.rank_between(low, high)) is not None:
        high, moves = rank, moves + 1
    assert moves == 16


def test_renumbering_spreads_cards_evenly_in_order():
    assert deals.renumbered(3) == [deals.RANK_GAP, 2 * deals.RANK_GAP, 3 * deals.RANK_GAP]


def test_search_text_has_the_deal_and_client_names():
    assert deals.search_text(" Website Relaunch ", "Acme GmbH") == "website relaunch acme gmbh"
