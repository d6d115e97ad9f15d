import pytest
from hypothesis import given
from hypothesis import strategies as st

from printing.text import column_widths, display_width, layout_row, pad, truncate, wrap

HEADER = ("left", "right", "right", "right")


@pytest.mark.parametrize(
    ("text", "width"),
    [
        ("", 0),
        ("SKU-1001", 8),
        ("汉字", 4),
        ("：，（）、", 10),
        ("¥", 2),
        ("￥", 2),
        ("¥12.50", 7),
        ("￥12.50", 7),
        ("Café", 5),
        ("e\u0301", 1),
        ("\u0e01\u0e31", 2),  # Thai mark of combining class 0 is still a combining mark
        ("订单 Order: SO-1", 16),
        ("有机绿茶（500克）", 17),
        ("Café Lumière", 14),
        ("汉a", 3),
        ("上海 · 冷藏区", 14),
    ],
)
def test_a_printer_prints_ascii_one_column_wide_and_every_other_character_two(text, width):
    assert display_width(text) == width


@pytest.mark.parametrize(
    ("text", "columns", "lines"),
    [
        ("hello world", 11, ["hello world"]),
        ("hello world", 5, ["hello", "world"]),
        ("the quick brown fox", 10, ["the quick", "brown fox"]),
        ("abcdefghijk", 4, ["abcd", "efgh", "ijk"]),
        ("上海市浦东新区", 6, ["上海市", "浦东新", "区"]),
        ("上海市浦东新区", 5, ["上海", "市浦", "东新", "区"]),
        ("汉字汉", 3, ["汉", "字", "汉"]),
        ("订单 Order", 6, ["订单", "Order"]),
        ("收货Ship to上海", 8, ["收货Ship", "to上海"]),
        ("品名：绿茶", 4, ["品", "名：", "绿茶"]),
        ("Café Lumière (Lyon)", 12, ["Café", "Lumière", "(Lyon)"]),
        ("  indented text", 10, ["  indented", "text"]),
        ("e\u0301e\u0301e\u0301", 2, ["e\u0301e\u0301", "e\u0301"]),
        ("a\n\nb", 5, ["a", "", "b"]),
        ("tab\there", 10, ["tab here"]),
        ("", 5, []),
    ],
)
def test_wrap(text, columns, lines):
    assert wrap(text, columns) == lines


def test_wrap_refuses_a_line_without_columns():
    with pytest.raises(ValueError, match="0 columns"):
        wrap("abc", 0)


@pytest.mark.parametrize(
    ("text", "columns", "align", "padded"),
    [
        ("abc", 6, "left", "abc   "),
        ("abc", 6, "right", "   abc"),
        ("abc", 6, "center", " abc  "),
        ("汉字", 6, "center", " 汉字 "),
        ("汉字汉", 5, "left", "汉字 "),
        ("¥5", 4, "right", " ¥5"),
        ("￥5", 4, "right", " ￥5"),
        ("收货：上海", 7, "right", " 收货："),
        ("SKU-1001-LONG", 8, "left", "SKU-1001"),
    ],
)
def test_pad_aligns_and_truncates_by_display_width(text, columns, align, padded):
    assert pad(text, columns, align) == padded
    assert display_width(padded) == columns


def test_pad_and_truncate_give_an_accented_letter_two_columns():
    assert pad("é", 3, "right") == " é"
    assert truncate("Café", 4) == "Caf"


@pytest.mark.parametrize(
    ("weights", "columns", "widths"),
    [
        ((6, 1, 1, 1), 32, [20, 3, 3, 3]),
        ((4, 3, 1, 2), 48, [18, 14, 4, 9]),
        ((3, 3, 1), 32, [13, 13, 4]),
        ((3, 3, 1), 48, [20, 20, 6]),
        ((1, 1), 5, [2, 2]),
        ((10, 1), 7, [4, 2]),
    ],
)
def test_column_widths_share_the_line_by_weight_with_a_space_between(weights, columns, widths):
    assert column_widths(weights, columns) == widths
    assert sum(widths) + len(widths) - 1 == columns


def test_column_widths_refuse_columns_too_narrow_for_a_han_character():
    with pytest.raises(ValueError, match="do not fit"):
        column_widths((1, 1, 1), 7)


def test_layout_row_aligns_cells_in_their_columns():
    assert layout_row(("SKU / 品名", "订", "发", "欠"), (6, 1, 1, 1), 32, HEADER) == [
        "SKU / 品名" + " " * 12 + "订  发  欠"]


def test_layout_row_wraps_a_long_cell_inside_its_column():
    assert layout_row(("SKU-AB-0001 超长的商品名称", "12", "10", "2"), (6, 1, 1, 1), 32,
                      HEADER) == ["SKU-AB-0001 超长的商  12  10   2", "品名称"]


def test_layout_row_wraps_every_cell_and_keeps_columns_aligned():
    lines = layout_row(("SKU-3003", "批次-09 LONG", "8", "拒收 Reject"), (4, 3, 1, 2), 32,
                       ("left", "left", "right", "left"))
    assert lines == ["SKU-3003" + " " * 4 + "批次-09" + " " * 5 + "8 拒收",
                     " " * 12 + "LONG" + " " * 10 + "Reject"]


def test_layout_row_needs_a_weight_per_cell():
    with pytest.raises(ValueError, match="3 cells but 2 weights"):
        layout_row(("a", "b", "c"), (1, 1), 32)


def non_space(text: str) -> list[str]:
    return [char for char in text if not char.isspace()]


@given(text=st.text(max_size=120), columns=st.integers(min_value=2, max_value=40))
def test_wrapped_lines_fit_and_keep_every_character_in_order(text, columns):
    lines = wrap(text, columns)
    assert all(display_width(line) <= columns for line in lines)
    assert non_space("".join(lines)) == non_space(text)


@given(cells=st.lists(st.text(max_size=30), min_size=1, max_size=4),
       columns=st.integers(min_value=16, max_value=48))
def test_table_rows_never_exceed_the_line(cells, columns):
    weights = tuple(range(1, len(cells) + 1))
    lines = layout_row(tuple(cells), weights, columns)
    assert all(display_width(line) <= columns for line in lines)
    assert sorted(non_space("".join(lines))) == sorted(non_space("".join(cells)))


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("2026-11-28T18:30:05+00:00", "2026-11-29 02:30"),
        ("2026-11-29T02:30:05+08:00", "2026-11-29 02:30"),
        ("2026-11-28 18:30 UTC", "2026-11-29 02:30"),  # queued before instants had offsets
        ("2026-11-28 18:30", "2026-11-28 18:30"),  # no zone given: printed as it is
        ("gestern", "gestern"),
    ],
)
def test_a_printed_time_reads_as_the_warehouse_clock(stored, shown):
    from printing.documents import local_time

    assert local_time(stored, "Asia/Shanghai") == shown
