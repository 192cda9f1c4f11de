"""Slugs: readable, URL-safe, bounded, unique."""

from services.identity.domain.slugs import MAX_LENGTH, slugify, unique_slug


def test_a_name_becomes_a_lowercase_dashed_ascii_slug():
    assert slugify("  Müller & Söhne, GmbH ") == "muller-sohne-gmbh"


def test_a_name_without_letters_gets_a_fallback():
    assert slugify("!!!") == "firm"


def test_long_names_are_cut():
    assert len(slugify("a" * 200)) == MAX_LENGTH


def test_a_taken_slug_gets_the_next_free_suffix():
    assert unique_slug("acme", []) == "acme"
    assert unique_slug("acme", ["acme", "acme-2"]) == "acme-3"
    long = "b" * MAX_LENGTH
    assert unique_slug(long, [long]).endswith("-2")
    assert len(unique_slug(long, [long])) == MAX_LENGTH
