import pytest

from services.crm.domain.clients import domain_of, search_text


def test_the_domain_is_the_websites_host_without_www():
    assert domain_of("https://www.Acme.example/about?x=1") == "acme.example"
    assert domain_of("acme.example") == "acme.example"
    assert domain_of("http://sub.acme.example:8080") == "sub.acme.example"
    assert domain_of(None) is None
    assert domain_of("") is None


@pytest.mark.parametrize("text", ["http://[1:2]/", "[x", "https://[::1/"])
def test_text_that_no_url_parser_reads_is_a_value_error_for_the_schemas_to_turn_away(text):
    with pytest.raises(ValueError):
        domain_of(text)


def test_search_text_joins_the_non_empty_parts_lower_cased():
    assert search_text("Acme GmbH", None, " ACME.example ", "") == "acme gmbh acme.example"
