"""The address normaliser and lookup (kitaplan.domain.territory.addresses), without a database."""

from __future__ import annotations

import pytest

from kitaplan.domain.territory.addresses import (
    Candidate,
    UnknownReason,
    choose,
    house_number_key,
    parse_address,
    street_key,
    suggest_streets,
)


@pytest.mark.parametrize(
    ("written", "same_as"),
    [
        ("Falkenseer Chaussee", "falkenseer chaussee"),
        ("Hauptstraße", "Hauptstrasse"),
        ("Hauptstr.", "Hauptstraße"),
        ("Hauptstr", "HAUPTSTRASSE"),
        ("Haupt-Str.", "Hauptstraße"),
        ("Karl-Marx-Allee", "Karl Marx Allee"),
        ("Müllerstraße", "Muellerstrasse"),
        ("Straße des 17. Juni", "Str. des 17. Juni"),
        ("Schönhauser Allee", "Schoenhauser  Allee"),
        ("Groß-Ziethener Chaussee", "Gross Ziethener Chaussee"),
    ],
)
def test_street_key_treats_spellings_alike(written: str, same_as: str) -> None:
    assert street_key(written) == street_key(same_as)


def test_street_key_keeps_different_streets_apart() -> None:
    assert street_key("Strausberger Platz") != street_key("Straße Platz")
    assert street_key("Strausberger Platz") == "strausbergerplatz"
    assert street_key("Hauptstraße") != street_key("Hauptweg")


@pytest.mark.parametrize(
    ("number", "key"), [("8", "8"), ("8a", "8a"), ("8 A", "8a"), (" 12 - 14 ", "12-14")]
)
def test_house_number_key(number: str, key: str) -> None:
    assert house_number_key(number) == key


@pytest.mark.parametrize(
    ("text", "street", "number", "postcode"),
    [
        ("Falkenseer Chaussee 8", "Falkenseer Chaussee", "8", ""),
        ("Falkenseer Chaussee 8a", "Falkenseer Chaussee", "8a", ""),
        ("Falkenseer Chaussee 8 a, 13583 Berlin", "Falkenseer Chaussee", "8a", "13583"),
        ("13583 Berlin, Falkenseer Chaussee 8", "Falkenseer Chaussee", "8", "13583"),
        ("Falkenseer Chaussee 8 13583 Berlin", "Falkenseer Chaussee", "8", "13583"),
        ("Berlin, Hauptstr. 12", "Hauptstr.", "12", ""),
        ("Straße des 17. Juni 100", "Straße des 17. Juni", "100", ""),
        ("Falkenseer Chaussee", "Falkenseer Chaussee", "", ""),
        ("", "", "", ""),
    ],
)
def test_parse_address(text: str, street: str, number: str, postcode: str) -> None:
    parsed = parse_address(text)
    assert (parsed.street, parsed.house_number, parsed.postcode) == (street, number, postcode)


STREET = [
    Candidate("6", "13583", "6"),
    Candidate("8", "13583", "8"),
    Candidate("10", "13583", "10"),
    Candidate("8b", "13583", "8b"),
]


def test_choose_exact_number_and_letter_suffix() -> None:
    assert choose(STREET, number_key="8").found == "8"
    assert choose(STREET, number_key="8b").found == "8b"
    # 8a is not in the register: the plain number 8 stands for it
    assert choose(STREET, number_key="8a").found == "8"


def test_choose_unknown_number_suggests_the_nearest_numbers() -> None:
    choice = choose(STREET, number_key="9")
    assert choice.found is None
    assert choice.reason is UnknownReason.HOUSE_NUMBER
    assert set(choice.alternatives) == {"8", "8b", "10"}  # the three closest to 9


def test_choose_postcode_must_match() -> None:
    choice = choose(STREET, number_key="8", postcode="10115")
    assert choice.found is None
    assert choice.reason is UnknownReason.POSTCODE
    assert choice.alternatives == ("6",)  # one entry per postcode of the street
    assert choose(STREET, number_key="8", postcode="13583").found == "8"


def test_choose_same_number_in_two_postcodes_is_ambiguous_without_postcode() -> None:
    two = [Candidate("8", "10827", "Schöneberg"), Candidate("8", "13055", "Hohenschönhausen")]
    choice = choose(two, number_key="8")
    assert choice.found is None
    assert choice.reason is UnknownReason.AMBIGUOUS
    assert set(choice.alternatives) == {"Schöneberg", "Hohenschönhausen"}
    assert choose(two, number_key="8", postcode="13055").found == "Hohenschönhausen"


def test_choose_without_candidates_is_an_unknown_street() -> None:
    assert choose([], number_key="8").reason is UnknownReason.STREET


KNOWN = [
    (street_key(name), name)
    for name in ("Falkenseer Chaussee", "Falkenseer Platz", "Hauptstraße", "Heerstraße")
]


def test_suggest_streets_nearest_names() -> None:
    assert suggest_streets("Falkenseer Chausee", KNOWN)[0] == "Falkenseer Chaussee"
    assert suggest_streets("Hauptstrase", KNOWN)[0] == "Hauptstraße"


def test_suggest_streets_prefix_first() -> None:
    found = suggest_streets("Falkenseer", KNOWN)
    assert found[:2] == ["Falkenseer Platz", "Falkenseer Chaussee"]


def test_suggest_streets_nothing_close() -> None:
    assert suggest_streets("Xylophonweg", KNOWN) == []
    assert suggest_streets("", KNOWN) == []
