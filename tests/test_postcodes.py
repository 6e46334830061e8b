"""UK postcodes by format, and catchments of districts and sectors."""

from collections.abc import Callable

import pytest

from supermarket.postcodes import (
    in_catchment,
    normalise_catchment_entry,
    normalise_postcode,
    postcode_area,
    postcode_district,
    postcode_sector,
)


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        # Essex, where the programme runs
        ("CM20 1AB", "CM20 1AB"),
        ("cm201ab", "CM20 1AB"),
        (" ss8  7aa ", "SS8 7AA"),
        ("SS14 1JN", "SS14 1JN"),
        ("co15 1ab", "CO15 1AB"),
        ("CO4 3SQ", "CO4 3SQ"),
        ("c o 4 3 s q", "CO4 3SQ"),
        ("CM2\t0HU", "CM2 0HU"),
        # every outward shape: A9, A99, A9A, AA9, AA99, AA9A
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("W1A 0AX", "W1A 0AX"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("SW1A 2AA", "SW1A 2AA"),
        ("WC2N 5DU", "WC2N 5DU"),
        ("E1W 1AA", "E1W 1AA"),
        ("N1C 4AG", "N1C 4AG"),
        ("BS0 1AA", "BS0 1AA"),
        ("ZE1 0AA", "ZE1 0AA"),
        ("YO31 1AB", "YO31 1AB"),
        ("gir0aa", "GIR 0AA"),
        ("GIR 0AA", "GIR 0AA"),
        ("\u00a0CM20 1AB\u00a0", None),  # a no-break space is not plain ASCII
    ],
)
def test_normalise_postcode(typed: str, normal: str | None) -> None:
    assert normalise_postcode(typed) == normal


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "CM20",
        "CM20 1",
        "CM20 1A",
        "CM20 1ABC",
        "CM201 1AB",
        "CM20 AAB",
        "CM20 11B",
        "1M20 1AB",
        "QM20 1AB",  # Q never first
        "VA1 1AA",  # V never first
        "XA1 1AA",  # X never first
        "AI1 1AA",  # I never second
        "AJ1 1AA",
        "AZ1 1AA",
        "W1I 1AA",  # I never third in A9A
        "W1Z 1AA",
        "EC1C 1AA",  # C never fourth in AA9A
        "EC1Z 1AA",
        "CM20 1CA",  # inward letters exclude C I K M O V
        "CM20 1AI",
        "CM20 1KA",
        "CM20 1AM",
        "CM20 1OA",
        "CM20 1AV",
        "CM20-1AB",
        "CM20_1AB",
        "CM2O 1AB",  # letter O for zero is not guessed
        "BFPO 1234",
        "ASCN 1ZZ",
        "GIR 0AB",
        "CM20 1AB\x00",
        "ＣＭ20 1AB",  # fullwidth letters
        "cm20 1ab" * 5,
        "' OR 1=1--",
    ],
)
def test_normalise_postcode_refuses(typed: str) -> None:
    assert normalise_postcode(typed) is None


@pytest.mark.parametrize(
    ("postcode", "area", "district", "sector"),
    [
        ("cm201ab", "CM", "CM20", "CM20 1"),
        ("SS8 7AA", "SS", "SS8", "SS8 7"),
        ("CO15 1AB", "CO", "CO15", "CO15 1"),
        ("W1A 0AX", "W", "W1A", "W1A 0"),
        ("EC1A 1BB", "EC", "EC1A", "EC1A 1"),
        ("M1 1AE", "M", "M1", "M1 1"),
        ("GIR 0AA", "GIR", "GIR", "GIR 0"),
    ],
)
def test_area_district_and_sector(postcode: str, area: str, district: str, sector: str) -> None:
    assert postcode_area(postcode) == area
    assert postcode_district(postcode) == district
    assert postcode_sector(postcode) == sector


@pytest.mark.parametrize("part", [postcode_area, postcode_district, postcode_sector])
def test_parts_of_an_invalid_postcode_raise(part: Callable[[str], str]) -> None:
    with pytest.raises(ValueError, match="UK postcode"):
        part("not a postcode")


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("CM20", "CM20"),
        ("ss8", "SS8"),
        (" co15 ", "CO15"),
        ("EC1A", "EC1A"),
        ("W1A", "W1A"),
        ("CM20 1", "CM20 1"),
        ("ss8   7", "SS8 7"),
        ("co4 3", "CO4 3"),
        ("CM201", None),  # a sector needs its space: SS81 would be ambiguous
        ("CM20 1AB", None),  # a full postcode is not a catchment entry
        ("CM20 12", None),
        ("CM20 A", None),
        ("CM", None),
        ("C", None),
        ("QM20", None),
        ("GIR", None),
        ("", None),
        ("CM20 1 1", None),
        ("ＣＭ20", None),
    ],
)
def test_normalise_catchment_entry(typed: str, normal: str | None) -> None:
    assert normalise_catchment_entry(typed) == normal


HARLOW_AND_CANVEY = ["CM20", "cm19", "SS8 7", "not valid"]


@pytest.mark.parametrize(
    ("postcode", "inside"),
    [
        ("CM20 1AB", True),
        ("cm19 5aa", True),
        ("SS8 7AA", True),
        ("ss87bb", True),
        ("SS8 9AA", False),  # same district, other sector
        ("CM2 0HU", False),  # CM2 is not a prefix match for CM20
        ("CM21 9AB", False),
        ("CO4 3SQ", False),
        ("not a postcode", False),
        ("", False),
    ],
)
def test_in_catchment(postcode: str, inside: bool) -> None:
    assert in_catchment(postcode, HARLOW_AND_CANVEY) is inside


def test_in_catchment_with_no_entries_is_false() -> None:
    assert not in_catchment("CM20 1AB", [])


def test_a_short_district_entry_does_not_cover_longer_districts() -> None:
    assert not in_catchment("CM20 1AB", ["CM2"])
    assert in_catchment("CM2 0HU", ["CM2"])
