from hypothesis import given
from hypothesis import strategies as st

from locations import PickStop, order_by_walk, walking_order


def test_walking_order_sorts_by_walk_sequence_then_code():
    stops = [
        PickStop("A-02-01-01", 4),
        PickStop("DOCK-1", 0),
        PickStop("A-01-02-01", 2),
        PickStop("B-01-01-01", 2),
        PickStop("A-01-01-02", 2),
    ]
    assert [s.code for s in walking_order(stops)] == [
        "DOCK-1",
        "A-01-01-02",
        "A-01-02-01",
        "B-01-01-01",
        "A-02-01-01",
    ]


def test_order_by_walk_works_on_any_shape_of_stop_and_keeps_equal_stops_in_order():
    lines = [
        {"line": 1, "bin": "A-01-02-01", "seq": 5},
        {"line": 2, "bin": "A-01-01-01", "seq": 1},
        {"line": 3, "bin": "A-01-02-01", "seq": 5},
        {"line": 4, "bin": "A-01-01-01", "seq": 1},
    ]
    ordered = order_by_walk(lines, lambda x: x["seq"], lambda x: x["bin"])
    assert [x["line"] for x in ordered] == [2, 4, 1, 3]


def test_walking_order_leaves_the_input_untouched():
    stops = [PickStop("B", 2), PickStop("A", 1)]
    walking_order(stops)
    assert stops == [PickStop("B", 2), PickStop("A", 1)]


def test_walking_order_accepts_a_generator_and_an_empty_list():
    assert walking_order(PickStop(c, s) for c, s in [("B", 1), ("A", 1)]) == [
        PickStop("A", 1),
        PickStop("B", 1),
    ]
    assert walking_order([]) == []


@given(st.lists(st.builds(PickStop, st.text(max_size=4), st.integers(-50, 50))))
def test_walking_order_is_a_sorted_permutation(stops):
    ordered = walking_order(stops)
    assert sorted(ordered, key=repr) == sorted(stops, key=repr)
    keys = [(s.walk_seq, s.code) for s in ordered]
    assert keys == sorted(keys)
