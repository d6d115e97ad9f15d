import pytest
from hypothesis import given
from hypothesis import strategies as st

from locations import (
    BinAddress,
    InvalidLocationCode,
    format_location_code,
    is_bin_code,
    normalize_location_code,
    parse_location_code,
)

zones = st.from_regex(r"[A-Z][A-Z0-9]{0,2}", fullmatch=True)
parts = st.integers(min_value=1, max_value=99)


def test_format_pads_aisle_bay_and_level_to_two_digits():
    assert format_location_code("A", 1, 2, 3) == "A-01-02-03"
    assert format_location_code("B12", 99, 10, 1) == "B12-99-10-01"


@pytest.mark.parametrize(
    ("zone", "aisle", "bay", "level", "message"),
    [
        ("A", 0, 1, 1, "aisle must be between 1 and 99, got 0"),
        ("A", 1, 100, 1, "bay must be between 1 and 99, got 100"),
        ("A", 1, 1, -1, "level must be between 1 and 99, got -1"),
        ("1A", 1, 1, 1, "zone '1A'"),
        ("ABCD", 1, 1, 1, "zone 'ABCD'"),
        ("a", 1, 1, 1, "zone 'a'"),
        ("", 1, 1, 1, "zone ''"),
        ("A", True, 1, 1, "aisle must be a whole number"),
    ],
)
def test_format_rejects_out_of_range_parts_and_says_which(zone, aisle, bay, level, message):
    with pytest.raises(InvalidLocationCode, match=message):
        format_location_code(zone, aisle, bay, level)


def test_invalid_location_code_is_a_value_error():
    assert issubclass(InvalidLocationCode, ValueError)


@pytest.mark.parametrize("text", ["a-1-2-3", "A-01-02-03", "  a-01-2-03\n", "A-1-02-3"])
def test_parse_accepts_any_case_padding_and_surrounding_whitespace(text):
    address = parse_location_code(text)
    assert address == BinAddress("A", 1, 2, 3)
    assert address.code == "A-01-02-03"


def test_parse_keeps_multi_character_zones():
    assert parse_location_code("cb1-12-07-04") == BinAddress("CB1", 12, 7, 4)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("A-01-02", "expected ZONE-AISLE-BAY-LEVEL"),
        ("A-01-02-03-04", "expected ZONE-AISLE-BAY-LEVEL"),
        ("DOCK-1", "expected ZONE-AISLE-BAY-LEVEL"),
        ("A-00-02-03", "aisle must be between 1 and 99, got 0"),
        ("A-01-XX-03", "bay 'XX' in 'A-01-XX-03' must be 1 or 2 digits"),
        ("A-01-02-100", "level '100'"),
        ("A-01-02-", "level ''"),
        ("9A-01-02-03", "zone '9A'"),
    ],
)
def test_parse_explains_what_is_wrong(text, message):
    with pytest.raises(InvalidLocationCode, match=message):
        parse_location_code(text)


def test_bin_address_refuses_to_hold_an_invalid_address():
    with pytest.raises(InvalidLocationCode, match="bay must be between 1 and 99"):
        BinAddress("A", 1, 0, 1)


def test_is_bin_code_tells_bins_from_other_locations():
    assert is_bin_code("a-1-2-3")
    assert is_bin_code("B-10-20-30")
    assert not is_bin_code("DOCK-1")
    assert not is_bin_code("A-1-2")
    assert not is_bin_code("")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a-1-2-3", "A-01-02-03"),
        (" A-01-02-03 ", "A-01-02-03"),
        ("dock-1", "DOCK-1"),
        ("PACK-1", "PACK-1"),
        ("qc-1", "QC-1"),
        ("transit-wh2", "TRANSIT-WH2"),
        ("stage_2.b", "STAGE_2.B"),
        ("X" * 40, "X" * 40),
    ],
)
def test_normalize_gives_bins_their_canonical_form_and_uppercases_other_codes(text, expected):
    assert normalize_location_code(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "   ", "DOCK 1", "DOCK/1", "X" * 41, "Ä-1", "A-00-01-01", "A-1-2-100"],
)
def test_normalize_rejects_codes_with_bad_characters_length_or_an_out_of_range_bin(text):
    with pytest.raises(InvalidLocationCode):
        normalize_location_code(text)


@given(zones, parts, parts, parts)
def test_parsing_a_formatted_code_gives_back_the_same_address(zone, aisle, bay, level):
    code = format_location_code(zone, aisle, bay, level)
    assert parse_location_code(code) == BinAddress(zone, aisle, bay, level)
    assert parse_location_code(code.lower()).code == code
    assert normalize_location_code(f" {code.lower()} ") == code
    assert is_bin_code(code)
