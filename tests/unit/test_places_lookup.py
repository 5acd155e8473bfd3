"""Tables of what residents type -> the places bot.places.lookup should find."""

import random
import resource
import subprocess
import sys
import time

import pytest

from bot.places import lookup
from bot.places.boroughs import BOROUGHS
from bot.places.lookup import (
    AMBIGUOUS_PLACE,
    BOROUGH,
    POSTCODE_DISTRICT,
    borough_from_text,
    boroughs_for_district,
    boroughs_for_place,
    district_of,
    find_places,
    normalise_postcode,
)


def found(text: str) -> list[tuple[str, str, str]]:
    return [(m.text, m.entity, m.value) for m in find_places(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        # Borough names, any case, with council prefixes
        ("I live in Tower Hamlets", [("Tower Hamlets", BOROUGH, "tower_hamlets")]),
        ("tower hamlets", [("tower hamlets", BOROUGH, "tower_hamlets")]),
        ("LB of Hackney should do more", [("LB of Hackney", BOROUGH, "hackney")]),
        ("Royal Borough of Greenwich", [("Royal Borough of Greenwich", BOROUGH, "greenwich")]),
        (
            "london borough of barking & dagenham",
            [("london borough of barking & dagenham", BOROUGH, "barking_and_dagenham")],
        ),
        ("Kingston", [("Kingston", BOROUGH, "kingston_upon_thames")]),
        ("Kingston-upon-Thames", [("Kingston-upon-Thames", BOROUGH, "kingston_upon_thames")]),
        ("Richmond", [("Richmond", BOROUGH, "richmond_upon_thames")]),
        ("Hammersmith", [("Hammersmith", BOROUGH, "hammersmith_and_fulham")]),
        ("Fulham", [("Fulham", BOROUGH, "hammersmith_and_fulham")]),
        ("Hammersmith and Fulham", [("Hammersmith and Fulham", BOROUGH, "hammersmith_and_fulham")]),
        ("Kensington", [("Kensington", BOROUGH, "kensington_and_chelsea")]),
        ("Chelsea", [("Chelsea", BOROUGH, "kensington_and_chelsea")]),
        ("Barking", [("Barking", BOROUGH, "barking_and_dagenham")]),
        ("Dagenham", [("Dagenham", BOROUGH, "barking_and_dagenham")]),
        ("I work in the City", [("the City", BOROUGH, "city_of_london")]),
        ("City of London", [("City of London", BOROUGH, "city_of_london")]),
        ("the Square Mile", [("the Square Mile", BOROUGH, "city_of_london")]),
        ("the City of Westminster", [("the City of Westminster", BOROUGH, "westminster")]),
        ("Brent", [("Brent", BOROUGH, "brent")]),
        ("Sutton", [("Sutton", BOROUGH, "sutton")]),
        ("Hackney's estates", [("Hackney", BOROUGH, "hackney")]),
        # Curated misspellings
        ("Hackeny", [("Hackeny", BOROUGH, "hackney")]),
        ("Lamberth", [("Lamberth", BOROUGH, "lambeth")]),
        ("Tower Hamblets", [("Tower Hamblets", BOROUGH, "tower_hamlets")]),
        ("Southwork", [("Southwork", BOROUGH, "southwark")]),
        ("Isllington", [("Isllington", BOROUGH, "islington")]),
        ("Wandswoth", [("Wandswoth", BOROUGH, "wandsworth")]),
        ("Haringay", [("Haringay", BOROUGH, "haringey")]),
        ("Harringey", [("Harringey", BOROUGH, "haringey")]),
        ("Lewsham", [("Lewsham", BOROUGH, "lewisham")]),
        ("Croyden", [("Croyden", BOROUGH, "croydon")]),
        ("Ealling", [("Ealling", BOROUGH, "ealing")]),
        ("Hillington", [("Hillington", BOROUGH, "hillingdon")]),
        ("westminister", [("westminister", BOROUGH, "westminster")]),
        # Edit-distance fallback
        ("Wandswerth", [("Wandswerth", BOROUGH, "wandsworth")]),
        ("Lewishm", [("Lewishm", BOROUGH, "lewisham")]),
        ("Greenwhch", [("Greenwhch", BOROUGH, "greenwich")]),
        ("Hammersmiht", [("Hammersmiht", BOROUGH, "hammersmith_and_fulham")]),
        ("Waltham Forrset", [("Waltham Forrset", BOROUGH, "waltham_forest")]),
        ("Kensingten", [("Kensingten", BOROUGH, "kensington_and_chelsea")]),
        # Neighbourhoods
        ("I live in Brixton", [("Brixton", BOROUGH, "lambeth")]),
        ("peckham", [("peckham", BOROUGH, "southwark")]),
        ("Stratford", [("Stratford", BOROUGH, "newham")]),
        ("Wimbledon", [("Wimbledon", BOROUGH, "merton")]),
        ("Ilford", [("Ilford", BOROUGH, "redbridge")]),
        ("Walthamstow", [("Walthamstow", BOROUGH, "waltham_forest")]),
        ("Camden Town", [("Camden Town", BOROUGH, "camden")]),
        ("Soho", [("Soho", BOROUGH, "westminster")]),
        ("Canary Wharf", [("Canary Wharf", BOROUGH, "tower_hamlets")]),
        ("Shoreditch", [("Shoreditch", BOROUGH, "hackney")]),
        ("Wood Green", [("Wood Green", BOROUGH, "haringey")]),
        ("Harrow on the Hill", [("Harrow on the Hill", BOROUGH, "harrow")]),
        ("Harrow-on-the-Hill", [("Harrow-on-the-Hill", BOROUGH, "harrow")]),
        ("Shepherd's Bush", [("Shepherd's Bush", BOROUGH, "hammersmith_and_fulham")]),
        ("Shepherds Bush", [("Shepherds Bush", BOROUGH, "hammersmith_and_fulham")]),
        ("St. John’s Wood", [("St. John’s Wood", BOROUGH, "westminster")]),
        ("Saint Johns Wood", [("Saint Johns Wood", BOROUGH, "westminster")]),
        ("Bromley-by-Bow", [("Bromley-by-Bow", BOROUGH, "tower_hamlets")]),
        ("Brent Cross", [("Brent Cross", BOROUGH, "barnet")]),
        ("West Kensington", [("West Kensington", BOROUGH, "hammersmith_and_fulham")]),
        ("Clapham Junction", [("Clapham Junction", BOROUGH, "wandsworth")]),
        ("Bow", [("Bow", BOROUGH, "tower_hamlets")]),
        ("near Victoria station", [("Victoria", BOROUGH, "westminster")]),
        # Ambiguous places
        ("Clapham", [("Clapham", AMBIGUOUS_PLACE, "clapham")]),
        ("King's Cross", [("King's Cross", AMBIGUOUS_PLACE, "kings cross")]),
        ("Highgate", [("Highgate", AMBIGUOUS_PLACE, "highgate")]),
        ("Finsbury Park", [("Finsbury Park", AMBIGUOUS_PLACE, "finsbury park")]),
        ("Kilburn", [("Kilburn", AMBIGUOUS_PLACE, "kilburn")]),
        (
            "Tottenham Court Road",
            [("Tottenham Court Road", AMBIGUOUS_PLACE, "tottenham court road")],
        ),
        # Postcodes
        ("SE1 2AA", [("SE1 2AA", POSTCODE_DISTRICT, "SE1")]),
        ("my postcode is se12aa", [("se12aa", POSTCODE_DISTRICT, "SE1")]),
        ("SW1A 1AA", [("SW1A 1AA", BOROUGH, "westminster")]),
        ("E14 5AB", [("E14 5AB", BOROUGH, "tower_hamlets")]),
        ("E14", [("E14", BOROUGH, "tower_hamlets")]),
        ("n1", [("n1", POSTCODE_DISTRICT, "N1")]),
        ("SW19", [("SW19", POSTCODE_DISTRICT, "SW19")]),
        ("EC1V 9AA", [("EC1V 9AA", POSTCODE_DISTRICT, "EC1")]),
        ("SE10", [("SE10", BOROUGH, "greenwich")]),
        ("W10", [("W10", POSTCODE_DISTRICT, "W10")]),
        ("N1 2nd floor", [("N1", POSTCODE_DISTRICT, "N1")]),
        ("M1 1AE", [("M1 1AE", POSTCODE_DISTRICT, "M1")]),
        ("TW18", [("TW18", POSTCODE_DISTRICT, "TW18")]),
        ("DA1", [("DA1", POSTCODE_DISTRICT, "DA1")]),
        ("RM1 3AB", [("RM1 3AB", BOROUGH, "havering")]),
        # Several in one message, leftmost-longest
        (
            "from Peckham to SE10 via Clapham",
            [
                ("Peckham", BOROUGH, "southwark"),
                ("SE10", BOROUGH, "greenwich"),
                ("Clapham", AMBIGUOUS_PLACE, "clapham"),
            ],
        ),
    ],
)
def test_finds_places(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I think the police should focus on knife crime",
        "Stop and search is unfair to young people",
        "I'm 34",
        "N",
        "SE",
        "I am 5 ft 10",
        "E145 is not a postcode",
        "E19 1AA",
        "the city is dirty and the city of london police are fine",
        "the dogs are barking all night",
        "a green park and a new cross",
        "healing, eating, button, narrow, southward, hovering",
        "the M25 and the A13 are busy",
        "version 3.14 released on 2024-05-01",
        "bow tie",
        "my borough",
        "Angel, Bank and Temple",
        "",
    ],
)
def test_finds_nothing(text):
    assert found(text) == []


@pytest.mark.parametrize(
    "text, not_expected",
    [("SE10", "SE1"), ("W10", "W1"), ("W1", "W10"), ("SE1", "SE10"), ("E145", "E14")],
)
def test_district_is_not_read_inside_a_longer_one(text, not_expected):
    assert all(m.value != not_expected for m in find_places(text))


@pytest.mark.parametrize(
    "district, boroughs",
    [
        ("SE1", ["southwark", "lambeth"]),
        ("se1", ["southwark", "lambeth"]),
        ("E14", ["tower_hamlets"]),
        ("N1", ["islington", "hackney", "camden"]),
        ("NW1", ["camden", "westminster"]),
        ("SW8", ["lambeth", "wandsworth"]),
        ("SE10", ["greenwich"]),
        ("SW1A", ["westminster"]),
        ("DA1", ["bexley"]),
        ("TW18", []),
        ("M1", []),
        ("E145", []),
        ("", []),
    ],
)
def test_boroughs_for_district(district, boroughs):
    assert boroughs_for_district(district) == boroughs


@pytest.mark.parametrize(
    "name, boroughs",
    [
        ("clapham", ["lambeth", "wandsworth"]),
        ("Clapham", ["lambeth", "wandsworth"]),
        ("kings cross", ["camden", "islington"]),
        ("King's Cross", ["camden", "islington"]),
        ("Brixton", ["lambeth"]),
        ("bow", ["tower_hamlets"]),
        ("Tower Hamlets", ["tower_hamlets"]),
        ("Atlantis", []),
    ],
)
def test_boroughs_for_place(name, boroughs):
    assert boroughs_for_place(name) == boroughs


@pytest.mark.parametrize(
    "text, postcode, district",
    [
        ("se12aa", "SE1 2AA", "SE1"),
        ("SE1 2AA", "SE1 2AA", "SE1"),
        ("sw1a1aa", "SW1A 1AA", "SW1"),
        ("EC1V 9AA", "EC1V 9AA", "EC1"),
        (" e14 ", "E14", "E14"),
        ("SE10", "SE10", "SE10"),
        ("not a postcode", None, None),
        ("34", None, None),
    ],
)
def test_normalise_postcode_and_district_of(text, postcode, district):
    assert normalise_postcode(text) == postcode
    assert district_of(text) == district


@pytest.mark.parametrize(
    "text, borough",
    [
        ("I live in Brixton", "lambeth"),
        ("E14 5AB", "tower_hamlets"),
        ("Brixton, Lambeth", "lambeth"),
        ("Clapham", None),
        ("SE1", None),
        ("Brixton or Peckham", None),
        ("nowhere", None),
    ],
)
def test_borough_from_text(text, borough):
    assert borough_from_text(text) == borough


LONDON_DISTRICTS = (
    [f"E{n}" for n in [*range(1, 19), 20]]
    + [f"EC{n}" for n in range(1, 5)]
    + [f"N{n}" for n in range(1, 23)]
    + [f"NW{n}" for n in range(1, 12)]
    + [f"SE{n}" for n in range(1, 29)]
    + [f"SW{n}" for n in range(1, 21)]
    + [f"W{n}" for n in range(1, 15)]
    + ["WC1", "WC2"]
)


@pytest.mark.parametrize("district", LONDON_DISTRICTS)
def test_every_inner_london_district_has_a_borough(district):
    assert boroughs_for_district(district)


@pytest.mark.parametrize("slug, name", sorted(BOROUGHS.items()))
def test_every_official_name_finds_its_borough(slug, name):
    assert found(name) == [(name, BOROUGH, slug)]


def test_neighbourhood_list_is_substantial():
    data = lookup._load_yaml("neighbourhoods.yml")
    assert len(data["places"]) + len(data["capitalised_only"]) >= 150


def test_conflicting_names_are_rejected():
    aliases = {"aliases": {"lambeth": ["brixton"]}}
    with pytest.raises(ValueError, match="(?i)brixton"):
        lookup._build_phrases(aliases, {"places": {"Brixton": "southwark"}})


def test_unknown_slugs_are_rejected():
    with pytest.raises(ValueError, match="lambth"):
        lookup._build_phrases({}, {"places": {"Brixton": "lambth"}})


def random_text(rng: random.Random, length: int) -> str:
    pieces = [
        "Brixton",
        "SE1",
        "se12aa",
        "Tower",
        "Hamlets",
        "the",
        "City",
        "E14",
        "’s",
        "'",
        "hackeny",
        "-",
        "&",
        " ",
        "\n",
        "İ",
        "ſ",
        "K",
        "\u200b",
        "🙂",
        "SW1A",
        "1AA",
    ]
    out, size = [], 0
    while size < length:
        if rng.random() < 0.5:
            piece = rng.choice(pieces)
        else:
            piece = "".join(chr(rng.randint(0, 0x2FFFF)) for _ in range(rng.randint(1, 8)))
        out.append(piece)
        size += len(piece)
    return "".join(out)[:length]


@pytest.mark.parametrize("seed", range(200))
def test_arbitrary_unicode_gives_well_formed_matches(seed):
    rng = random.Random(seed)
    text = random_text(rng, rng.randint(0, 400))
    matches = find_places(text)
    for m in matches:
        assert 0 <= m.start < m.end <= len(text)
        assert text[m.start : m.end] == m.text
        assert m.entity in {BOROUGH, POSTCODE_DISTRICT, AMBIGUOUS_PLACE}
        assert set(m.candidates) <= set(BOROUGHS)
        if m.entity == BOROUGH:
            assert m.value in BOROUGHS
    assert all(a.end <= b.start for a, b in zip(matches, matches[1:], strict=False))


@pytest.mark.parametrize("kind", ["random", "dense"])
def test_100k_characters_is_fast(kind):
    rng = random.Random(7)
    if kind == "random":
        text = random_text(rng, 100_000)
    else:  # every word a candidate: the worst case for the phrase and fuzzy passes
        text = " ".join(
            rng.choice(
                ["Brixton", "SE1", "hackeny", "xqzzyv", "Lambethh", "Tower", "Hamlets", "N1 2AB"]
            )
            for _ in range(20_000)
        )[:100_000]
    lookup._tables()  # loading the YAML is a one-off cost, not per message
    started = time.perf_counter()
    find_places(text)
    assert time.perf_counter() - started < 3.0


def _limit_memory_to_2_gb() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def test_one_very_long_word_is_not_expanded_into_near_misses():
    """A 5,000-letter "word" (a message the channels accept) once made the misspelling pass
    build every one- and two-letter deletion of it: billions of strings, and the Rasa server
    ran out of memory. Run in a child process with 2 GB of memory, so that a regression fails
    this test instead of taking the whole test run down."""
    code = "from bot.places.lookup import find_places; print(find_places('abcdefghij' * 500))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        preexec_fn=_limit_memory_to_2_gb,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-400:]
    assert result.stdout.strip() == "[]"
