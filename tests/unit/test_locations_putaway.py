import pytest
from hypothesis import given
from hypothesis import strategies as st

from locations import REASONS, BinState, PutawayRequest, Suggestion, suggest_bins


def a_bin(
    code,
    seq,
    *,
    kind="storage",
    zone="A",
    capacity=100,
    blocked=False,
    occupied=0,
    contents=(),
):
    return BinState(
        code=code,
        kind=kind,
        zone=zone,
        capacity=capacity,
        walk_seq=seq,
        blocked=blocked,
        occupied=occupied,
        contents=frozenset(contents),
    )


def codes(suggestions):
    return [s.code for s in suggestions]


def test_free_is_capacity_minus_occupied_and_none_when_unlimited():
    assert a_bin("A-01-01-01", 1, capacity=10, occupied=3).free == 7
    assert a_bin("A-01-01-01", 1, capacity=10, occupied=12).free == 0
    assert a_bin("A-01-01-01", 1, capacity=None, occupied=500).free is None


def test_putaway_never_suggests_a_full_blocked_or_quarantine_bin():
    bins = [
        a_bin("A-01-01-01", 1, capacity=10, occupied=8),  # 2 free, 5 needed
        a_bin("A-01-02-01", 2, blocked=True),
        a_bin("QC-1", 3, kind="quarantine", capacity=None),
        a_bin("DOCK-1", 4, kind="dock", capacity=None),
        a_bin("STAGE-1", 5, kind="staging", capacity=None),
        a_bin("A-01-03-01", 6, capacity=5),
    ]
    assert suggest_bins(PutawayRequest("SKU1", 5, zone="A"), bins) == [
        Suggestion("A-01-03-01", "nearest_free", 5)
    ]


def test_putaway_offers_the_home_bin_first():
    bins = [
        a_bin("A-01-01-01", 1),
        a_bin("A-05-01-01", 50, occupied=10, contents={("SKU1", None)}),
    ]
    request = PutawayRequest("SKU1", 5, home_bin="a-5-1-1", zone="A")
    assert suggest_bins(request, bins) == [
        Suggestion("A-05-01-01", "home", 90),
        Suggestion("A-01-01-01", "nearest_free", 100),
    ]


def test_a_full_or_blocked_home_bin_is_skipped():
    bins = [
        a_bin("A-05-01-01", 50, capacity=10, occupied=10, contents={("SKU1", None)}),
        a_bin("A-06-01-01", 60, blocked=True),
        a_bin("A-01-01-01", 1),
    ]
    for home in ("A-05-01-01", "A-06-01-01"):
        request = PutawayRequest("SKU1", 1, home_bin=home)
        assert suggest_bins(request, bins) == [Suggestion("A-01-01-01", "nearest_free", 100)]


def test_a_home_bin_holding_another_item_is_not_suggested():
    bins = [a_bin("A-05-01-01", 50, occupied=3, contents={("OTHER", None)})]
    assert suggest_bins(PutawayRequest("SKU1", 1, home_bin="A-05-01-01"), bins) == []


def test_a_home_bin_with_units_but_unknown_contents_is_not_suggested():
    bins = [a_bin("A-05-01-01", 50, occupied=3)]
    assert suggest_bins(PutawayRequest("SKU1", 1, home_bin="A-05-01-01"), bins) == []


def test_putaway_prefers_consolidating_the_same_item_and_lot():
    bins = [
        a_bin("A-01-01-01", 1),  # empty, right next to us
        a_bin("A-01-09-01", 9, occupied=5, contents={("SKU1", "L2")}),  # other lot
        a_bin("A-03-01-01", 30, occupied=5, contents={("SKU1", "L1")}),
        a_bin("A-02-01-01", 20, occupied=5, contents={("SKU1", "L1")}),
    ]
    request = PutawayRequest("SKU1", 5, lot="L1", zone="A", near_walk_seq=1)
    assert suggest_bins(request, bins) == [
        Suggestion("A-02-01-01", "consolidate", 95),
        Suggestion("A-03-01-01", "consolidate", 95),
        Suggestion("A-01-01-01", "nearest_free", 100),
    ]


def test_an_untracked_item_consolidates_only_with_untracked_stock():
    bins = [
        a_bin("A-01-01-01", 1, occupied=5, contents={("SKU1", "L1")}),
        a_bin("A-01-02-01", 2, occupied=5, contents={("SKU1", None)}),
    ]
    assert suggest_bins(PutawayRequest("SKU1", 1), bins) == [
        Suggestion("A-01-02-01", "consolidate", 95)
    ]


def test_putaway_never_mixes_items_in_one_bin():
    bins = [
        a_bin("A-01-01-01", 1, occupied=5, contents={("OTHER", None)}),
        a_bin("A-01-02-01", 2, occupied=5, contents={("SKU1", None), ("OTHER", None)}),
        a_bin("A-01-03-01", 3, occupied=5),  # holds something nobody told us about
    ]
    assert suggest_bins(PutawayRequest("SKU1", 1), bins) == []


def test_empty_bins_in_the_items_zone_come_before_other_zones_nearest_first():
    bins = [
        a_bin("A-01-01-01", 1, zone="A"),
        a_bin("B-01-01-01", 11, zone="B"),
        a_bin("B-01-02-01", 12, zone="B"),
        a_bin("B-01-03-01", 13, zone="B"),
        a_bin("C-01-01-01", 21, zone="C"),
        a_bin("C-01-02-01", 22, zone=None),
    ]
    request = PutawayRequest("SKU1", 1, zone="B", near_walk_seq=13)
    assert codes(suggest_bins(request, bins, limit=10)) == [
        "B-01-03-01",
        "B-01-02-01",
        "B-01-01-01",
        "C-01-01-01",  # 8 steps away
        "C-01-02-01",  # 9 steps away, zone unknown
        "A-01-01-01",  # 12 steps away
    ]


def test_equal_distances_break_ties_by_walk_sequence_then_code():
    bins = [
        a_bin("A-01-03-01", 12),
        a_bin("A-01-02-01", 8),
        a_bin("Z-01-01-01", 10),
        a_bin("B-01-01-01", 10),
    ]
    request = PutawayRequest("SKU1", 1, near_walk_seq=10)
    assert codes(suggest_bins(request, bins)) == [
        "B-01-01-01",
        "Z-01-01-01",
        "A-01-02-01",
        "A-01-03-01",
    ]


def test_at_most_limit_suggestions_and_no_duplicates():
    bins = [a_bin(f"A-01-{n:02d}-01", n) for n in range(1, 10)]
    bins.append(a_bin("A-01-01-01", 1))  # listed twice
    home = PutawayRequest("SKU1", 1, home_bin="A-01-01-01")
    assert codes(suggest_bins(home, bins, limit=3)) == ["A-01-01-01", "A-01-02-01", "A-01-03-01"]
    assert suggest_bins(home, bins, limit=3)[0].reason == "home"
    assert suggest_bins(home, bins, limit=0) == []
    assert len(suggest_bins(home, bins)) == 5


def test_request_needs_a_positive_quantity_and_limit_cannot_be_negative():
    with pytest.raises(ValueError, match="at least 1"):
        PutawayRequest("SKU1", 0)
    with pytest.raises(ValueError, match="limit"):
        suggest_bins(PutawayRequest("SKU1", 1), [], limit=-1)


def test_unlimited_bins_always_have_room():
    bins = [a_bin("A-01-01-01", 1, capacity=None, occupied=10_000, contents={("SKU1", None)})]
    assert suggest_bins(PutawayRequest("SKU1", 10_000), bins) == [
        Suggestion("A-01-01-01", "consolidate", None)
    ]


skus = st.sampled_from(["SKU1", "SKU2", "SKU3"])
lots = st.sampled_from([None, "L1", "L2"])


@st.composite
def bin_states(draw, code):
    contents = draw(st.frozensets(st.tuples(skus, lots), max_size=3))
    capacity = draw(st.one_of(st.none(), st.integers(0, 50)))
    occupied = draw(st.integers(1, 50)) if contents else draw(st.integers(0, 3))
    return BinState(
        code=code,
        kind=draw(
            st.sampled_from(
                ["storage", "storage", "dock", "staging", "packing", "quarantine", "in_transit"]
            )
        ),
        zone=draw(st.sampled_from([None, "A", "B"])),
        capacity=capacity,
        walk_seq=draw(st.integers(0, 100)),
        blocked=draw(st.booleans()),
        occupied=occupied,
        contents=contents,
    )


@st.composite
def bin_lists(draw):
    count = draw(st.integers(0, 12))
    return [draw(bin_states(f"A-01-{n:02d}-01")) for n in range(1, count + 1)]


@given(
    bin_lists(),
    st.builds(
        PutawayRequest,
        sku=skus,
        qty=st.integers(1, 30),
        lot=lots,
        home_bin=st.sampled_from([None, "A-01-01-01", "a-1-2-1"]),
        zone=st.sampled_from([None, "A", "B"]),
        near_walk_seq=st.integers(0, 100),
    ),
    st.integers(0, 8),
)
def test_suggest_bins_never_returns_an_ineligible_bin(bins, request, limit):
    by_code = {b.code: b for b in bins}
    suggestions = suggest_bins(request, bins, limit)
    assert len(suggestions) <= limit
    assert len({s.code for s in suggestions}) == len(suggestions)
    for s in suggestions:
        b = by_code[s.code]
        assert s.reason in REASONS
        assert b.kind == "storage"
        assert not b.blocked
        assert b.free is None or b.free >= request.qty
        assert s.free == b.free
        assert all(sku == request.sku for sku, _ in b.contents)
        if s.reason == "consolidate":
            assert (request.sku, request.lot) in b.contents
        if s.reason == "nearest_free":
            assert b.occupied == 0 and not b.contents
    reasons = [REASONS.index(s.reason) for s in suggestions]
    assert reasons == sorted(reasons)
