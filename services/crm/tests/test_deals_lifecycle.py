"""A deal's life through the running service: kanban moves, won, lost, reopened; events."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from services.crm.domain.deals import RANK_GAP
from shared.errors import NotFound, PreconditionFailed, Unprocessable, ValidationFailed

EUR = {"amount": "1000.00", "currency": "EUR"}


@pytest.fixture
def db(crm_db):
    engine = create_engine(crm_db.owner_url)
    yield engine
    engine.dispose()


@pytest.fixture
def outbox(db):
    def events(firm, event_type):
        with db.connect() as conn:
            rows = conn.execute(text(
                "SELECT envelope FROM outbox WHERE tenant_id = :t AND event_type = :e "
                "ORDER BY created_at"), {"t": firm.tenant_id, "e": event_type})
            return [row.envelope["data"] for row in rows]
    return events


@pytest.fixture
def board(rpc, firm):
    """An API, a client and the default pipeline's stages."""
    api = rpc.as_(firm)
    client = api.create_client(name="Acme GmbH", currency="EUR")
    stages = api.list_pipelines()["data"][0]["stages"]

    def deal(name, **fields):
        return api.create_deal(name=name, client_id=client["id"], amount=EUR, **fields)
    return api, client, stages, deal


def column(api, stage_id):
    return [d["name"] for d in api.list_deals(stage_id=stage_id, status="open",
                                              sort="rank")["data"]]


def test_a_card_moves_between_neighbours_touching_one_row(board, outbox, firm):
    api, _, stages, deal = board
    a, b, c = deal("A"), deal("B"), deal("C")
    assert column(api, stages[0]["id"]) == ["A", "B", "C"]
    moved = api.move_deal(deal_id=c["id"], after_id=a["id"], expected_version=1)
    assert column(api, stages[0]["id"]) == ["A", "C", "B"]
    assert a["rank"] < moved["rank"] < b["rank"]
    assert api.get_deal(deal_id=b["id"])["version"] == 1  # neighbours untouched
    api.move_deal(deal_id=a["id"], before_id=b["id"])
    assert column(api, stages[0]["id"]) == ["C", "A", "B"]
    assert [e["changed"] for e in outbox(firm, "crm.deal.updated")] == [["rank"], ["rank"]]


def test_a_stage_is_renumbered_when_the_gap_runs_out(board):
    api, _, stages, deal = board
    first, last = deal("first"), deal("last")
    names = []
    for i in range(20):  # each lands right after `first`: halves the gap every time
        names.append(f"n{i}")
        card = deal(f"n{i}")
        api.move_deal(deal_id=card["id"], after_id=first["id"])
    assert column(api, stages[0]["id"]) == ["first", *reversed(names), "last"]
    ranks = [d["rank"] for d in api.list_deals(stage_id=stages[0]["id"], sort="rank",
                                               limit=100)["data"]]
    assert len(set(ranks)) == len(ranks)
    renumbered = api.get_deal(deal_id=last["id"])
    assert renumbered["rank"] != last["rank"] and renumbered["rank"] % RANK_GAP == 0
    assert renumbered["version"] == last["version"]  # a renumbering is not an edit


def test_moving_to_another_stage_is_announced_with_probabilities(board, outbox, firm):
    api, _, stages, deal = board
    a, b = deal("A"), deal("B")
    api.move_deal(deal_id=b["id"], stage_id=stages[2]["id"])
    moved = api.move_deal(deal_id=a["id"], stage_id=stages[2]["id"], before_id=b["id"])
    assert (moved["stage_id"], moved["probability"]) == (stages[2]["id"], 40)
    assert column(api, stages[2]["id"]) == ["A", "B"]
    changes = outbox(firm, "crm.deal.stage_changed")
    assert [(e["deal_id"], e["from_probability"], e["to_probability"]) for e in changes] == [
        (b["id"], 10, 40), (a["id"], 10, 40)]
    assert changes[0]["from_stage_name"] == "Qualified"
    assert changes[0]["to_stage_name"] == "Proposal"


def test_a_move_names_a_stage_of_the_pipeline_and_a_neighbour_in_it(rpc, firm, board):
    api, _, stages, deal = board
    a, b = deal("A"), deal("B")
    other = rpc.as_(firm, "admin").create_pipeline(name="Other")
    with pytest.raises(ValidationFailed) as refused:
        api.move_deal(deal_id=a["id"], stage_id=other["stages"][0]["id"])
    assert set(refused.value.errors) == {"stage_id"}
    with pytest.raises(ValidationFailed) as refused:
        api.move_deal(deal_id=a["id"], stage_id=stages[1]["id"], after_id=b["id"])
    assert set(refused.value.errors) == {"after_id"}
    with pytest.raises(ValidationFailed):
        api.move_deal(deal_id=a["id"], after_id=b["id"], before_id=b["id"])
    with pytest.raises(PreconditionFailed):
        api.move_deal(deal_id=a["id"], after_id=b["id"], expected_version=7)


def test_won_with_the_agreed_amount_carries_what_a_project_needs(board, outbox, firm):
    api, client, _, deal = board
    a = deal("Relaunch")
    won = api.mark_deal_won(deal_id=a["id"], amount={"amount": "900.5", "currency": "EUR"},
                            expected_version=1)
    assert won["status"] == "won" and won["closed_at"]
    assert won["won_amount"] == {"amount": "900.50", "currency": "EUR"}
    assert won["amount"] == EUR
    [event] = outbox(firm, "crm.deal.won")
    assert event["amount"] == {"amount": "900.50", "currency": "EUR"}
    assert (event["client_id"], event["client_name"]) == (client["id"], "Acme GmbH")
    assert event["name"] == "Relaunch" and event["owner_id"] == firm.user("owner")
    assert event["actor_id"] == firm.user("owner") and event["contact_ids"] == []
    with pytest.raises(Unprocessable):
        api.mark_deal_lost(deal_id=a["id"], reason="Changed our mind")
    with pytest.raises(Unprocessable):
        api.move_deal(deal_id=a["id"], stage_id=won["stage_id"])


def test_won_defaults_to_the_deal_amount_and_refuses_another_currency(board):
    api, _, _, deal = board
    with pytest.raises(ValidationFailed) as refused:
        api.mark_deal_won(deal_id=deal("A")["id"], amount={"amount": "1", "currency": "USD"})
    assert set(refused.value.errors) == {"amount.currency"}
    assert api.mark_deal_won(deal_id=deal("B")["id"])["won_amount"] == EUR


def test_lost_needs_a_reason(board, outbox, firm):
    api, _, _, deal = board
    a = deal("A")
    with pytest.raises(ValidationFailed) as refused:
        api.mark_deal_lost(deal_id=a["id"], reason="  ")
    assert set(refused.value.errors) == {"reason"}
    lost = api.mark_deal_lost(deal_id=a["id"], reason="Went with a competitor")
    assert (lost["status"], lost["lost_reason"]) == ("lost", "Went with a competitor")
    assert outbox(firm, "crm.deal.lost")[0]["reason"] == "Went with a competitor"
    with pytest.raises(Unprocessable):
        api.mark_deal_won(deal_id=a["id"])


def test_reopen_puts_a_closed_deal_at_the_end_of_a_stage(board, outbox, firm):
    api, _, stages, deal = board
    a, b = deal("A"), deal("B")
    api.mark_deal_won(deal_id=a["id"])
    reopened = api.reopen_deal(deal_id=a["id"])
    assert (reopened["status"], reopened["won_amount"], reopened["closed_at"]) == (
        "open", None, None)
    assert column(api, stages[0]["id"]) == ["B", "A"]
    api.mark_deal_lost(deal_id=b["id"], reason="No budget")
    again = api.reopen_deal(deal_id=b["id"], stage_id=stages[3]["id"])
    assert again["stage_id"] == stages[3]["id"] and again["lost_reason"] is None
    assert [(e["deal_id"], e["from_status"]) for e in outbox(firm, "crm.deal.reopened")] == [
        (a["id"], "won"), (b["id"], "lost")]
    with pytest.raises(Unprocessable):
        api.reopen_deal(deal_id=a["id"])
    with pytest.raises(NotFound):
        api.reopen_deal(deal_id="00000000-0000-0000-0000-000000000001")

