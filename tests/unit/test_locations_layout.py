import pytest

from locations import BinSpec, InvalidLocationCode, generate_layout


def walk(specs):
    return [s.code for s in specs]


def test_serpentine_walk_reverses_every_second_aisle():
    specs = generate_layout(["A"], aisles=3, bays=2, levels=1)
    assert walk(specs) == [
        "A-01-01-01",
        "A-01-02-01",
        "A-02-02-01",
        "A-02-01-01",
        "A-03-01-01",
        "A-03-02-01",
    ]
    assert [s.walk_seq for s in specs] == [1, 2, 3, 4, 5, 6]


def test_levels_are_walked_upwards_within_each_bay():
    specs = generate_layout(["A"], aisles=2, bays=2, levels=2)
    assert walk(specs) == [
        "A-01-01-01",
        "A-01-01-02",
        "A-01-02-01",
        "A-01-02-02",
        "A-02-02-01",
        "A-02-02-02",
        "A-02-01-01",
        "A-02-01-02",
    ]


def test_zones_come_in_the_given_order_and_each_zone_restarts_the_serpentine():
    specs = generate_layout(["B", "A"], aisles=2, bays=2, levels=1, start_seq=10)
    assert walk(specs) == [
        "B-01-01-01",
        "B-01-02-01",
        "B-02-02-01",
        "B-02-01-01",
        "A-01-01-01",
        "A-01-02-01",
        "A-02-02-01",
        "A-02-01-01",
    ]
    assert [s.walk_seq for s in specs] == list(range(10, 18))


def test_each_bin_spec_carries_its_address_parts():
    specs = generate_layout(["C1"], aisles=2, bays=3, levels=1)
    assert specs[3] == BinSpec("C1-02-03-01", "C1", 2, 3, 1, 4)


def test_layout_has_one_bin_per_address_and_no_repeated_codes():
    specs = generate_layout(["A", "B"], aisles=4, bays=5, levels=3)
    assert len(specs) == 2 * 4 * 5 * 3
    assert len({s.code for s in specs}) == len(specs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"zones": [], "aisles": 1, "bays": 1, "levels": 1}, "at least one zone"),
        ({"zones": ["A"], "aisles": 0, "bays": 1, "levels": 1}, "aisles"),
        ({"zones": ["A"], "aisles": 1, "bays": 0, "levels": 1}, "bays"),
        ({"zones": ["A"], "aisles": 1, "bays": 1, "levels": -2}, "levels"),
        ({"zones": ["A"], "aisles": 1, "bays": 1, "levels": 1, "start_seq": 0}, "start_seq"),
        ({"zones": ["A", "A"], "aisles": 1, "bays": 1, "levels": 1}, "must not repeat"),
        ({"zones": "AB", "aisles": 1, "bays": 1, "levels": 1}, "not a single string"),
    ],
)
def test_layout_rejects_nonsense_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate_layout(**kwargs)


def test_layout_rejects_zones_and_sizes_that_cannot_be_coded():
    with pytest.raises(InvalidLocationCode, match="zone 'dock'"):
        generate_layout(["dock"], aisles=1, bays=1, levels=1)
    with pytest.raises(InvalidLocationCode, match="aisle must be between 1 and 99, got 100"):
        generate_layout(["A"], aisles=100, bays=1, levels=1)
