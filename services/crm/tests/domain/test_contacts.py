import pytest

from services.crm.domain.contacts import display_name, e164, search_text, with_one_primary
from shared.errors import ValidationFailed


def test_the_display_name_is_first_last_unless_given():
    assert display_name(" Ann ", "Lee") == "Ann Lee"
    assert display_name("", "Lee") == "Lee"
    assert display_name("Ann", "Lee", " Dr. Ann Lee ") == "Dr. Ann Lee"
    with pytest.raises(ValidationFailed) as refused:
        display_name("", " ", "")
    assert set(refused.value.errors) == {"name"}


def test_phones_are_normalised_to_e164_and_nonsense_refused():
    assert e164("+49 (30) 1234-5678") == "+493012345678"
    assert e164("+1 650-253-0000") == "+16502530000"
    for bad in ("030 1234567", "+49 1", "call me"):
        with pytest.raises(ValueError):
            e164(bad)


def test_one_primary_the_marked_one_or_else_the_first_and_duplicates_dropped():
    items = [{"value": "a"}, {"value": "b", "primary": True}, {"value": "a", "label": "x"}]
    assert with_one_primary(items, "emails") == [
        {"value": "a", "label": "", "primary": False},
        {"value": "b", "label": "", "primary": True}]
    assert with_one_primary([{"value": "a"}], "emails")[0]["primary"] is True
    assert with_one_primary([], "emails") == []
    with pytest.raises(ValidationFailed) as refused:
        with_one_primary([{"value": "a", "primary": True}, {"value": "b", "primary": True}],
                         "phones")
    assert set(refused.value.errors) == {"phones"}


def test_search_text_holds_name_emails_and_phones():
    assert search_text("Ann Lee", [{"value": "ann@acme.test"}], [{"value": "+4930"}]) == (
        "ann lee ann@acme.test +4930")
