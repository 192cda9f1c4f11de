"""Merge rules: the survivor wins every conflict, the duplicate fills the gaps."""

import pytest

from services.crm.domain.limits import MAX_EMAILS, NOTES_MAX
from services.crm.domain.merge import ContactData, plan_merge
from shared.errors import Unprocessable


def email(value, primary=False, label=""):
    return {"value": value, "label": label, "primary": primary}


def test_emails_are_deduplicated_any_case_and_the_survivors_primary_stays_the_only_one():
    plan = plan_merge(
        ContactData(emails=[email("ann@acme.test", True)]),
        ContactData(emails=[email("ANN@acme.test", True, "work"), email("ann@home.test", True)]),
    )
    assert plan.emails == [email("ann@acme.test", True), email("ann@home.test", False)]


def test_the_duplicates_primary_is_used_when_the_survivor_has_none():
    plan = plan_merge(ContactData(), ContactData(phones=[email("+4930", False),
                                                         email("+4940", True)]))
    assert [p["primary"] for p in plan.phones] == [False, True]


def test_tags_are_a_union_and_notes_are_concatenated():
    plan = plan_merge(ContactData(tags=["VIP", "b2b"], notes="Met at fair."),
                      ContactData(tags=["vip", "golf"], notes=" Likes golf. "))
    assert plan.tags == ["VIP", "b2b", "golf"]
    assert plan.notes == "Met at fair.\n\nLikes golf."
    assert plan_merge(ContactData(), ContactData(notes="x")).notes == "x"


def test_custom_values_of_the_survivor_win_and_the_duplicates_fill_gaps():
    plan = plan_merge(ContactData(custom={"tier": "gold", "size": None}),
                      ContactData(custom={"tier": "silver", "size": 10, "region": "EU"}))
    assert plan.custom == {"tier": "gold", "size": 10, "region": "EU"}


def test_links_the_survivor_has_keep_its_role_and_new_ones_move_over():
    plan = plan_merge(
        ContactData(links={"c1": "billing"}, deal_ids=frozenset({"d1"})),
        ContactData(links={"c1": "sales", "c2": "cto"}, primary_client_id="c2",
                    deal_ids=frozenset({"d1", "d2"})),
    )
    assert plan.links_to_move == {"c2": "cto"}
    assert plan.deals_to_move == {"d2"}
    assert plan.primary_client_id == "c2"  # the survivor had none
    assert plan_merge(ContactData(primary_client_id="c1"),
                      ContactData(primary_client_id="c2")).primary_client_id == "c1"


def test_scalars_of_the_survivor_win_unless_empty():
    plan = plan_merge(ContactData(first_name="Ann", title=None),
                      ContactData(first_name="Anna", last_name="Lee", title="CTO"))
    assert (plan.first_name, plan.last_name, plan.title) == ("Ann", "Lee", "CTO")


def emails(domain, count):
    return [email(f"ann{i}@{domain}", i == 0) for i in range(count)]


def test_a_merge_up_to_the_limits_passes_and_one_past_them_is_refused_naming_the_limit():
    full = plan_merge(ContactData(emails=emails("a.test", 12), notes="x" * 10_000),
                      ContactData(emails=emails("b.test", MAX_EMAILS - 12),
                                  notes="y" * (NOTES_MAX - 10_002)))
    assert len(full.emails) == MAX_EMAILS and len(full.notes) == NOTES_MAX
    with pytest.raises(Unprocessable, match=r"21 emails \(at most 20\)"):
        plan_merge(ContactData(emails=emails("a.test", 12)),
                   ContactData(emails=emails("b.test", 9)))
    with pytest.raises(Unprocessable, match=r"20001 characters of notes \(at most 20000\)"):
        plan_merge(ContactData(notes="x" * 10_000), ContactData(notes="y" * 9_999))
    with pytest.raises(Unprocessable, match=r"21 phones .* 51 tags"):
        plan_merge(ContactData(phones=[email(f"+4930{i}") for i in range(20)],
                               tags=[f"s{i}" for i in range(50)]),
                   ContactData(phones=[email("+4940")], tags=["d"]))


def test_entries_both_hold_count_once_against_the_limit():
    plan = plan_merge(ContactData(emails=emails("a.test", MAX_EMAILS)),
                      ContactData(emails=[email("ANN0@a.test", True)]))
    assert len(plan.emails) == MAX_EMAILS
