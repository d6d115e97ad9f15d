"""Code 128 and GS1-128, the one encoder of linear barcodes: symbol values (start, data,
check, stop) using code sets B and C, FNC1 for GS1, and the bars. The renderers translate
the same values into their printer's language (ESC/POS data, ZPL invocation codes) or
draw the bars."""

from __future__ import annotations

from printing.gs1 import separated_fields

# Code 128 symbol values 0..106 as widths of bar, space, bar, space, bar, space (stop: +bar).
CODE128_WIDTHS = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212",
    "221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221",
    "223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221",
    "312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321",
    "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131",
    "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131",
    "311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111",
    "111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242",
    "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
)
CODE_C, CODE_B, FNC1, START_B, START_C, STOP = 99, 100, 102, 104, 105, 106


def _code128_input(data: str, gs1: bool) -> list[str | int]:
    """The characters to encode, with FNC1 as the int value where GS1 needs it."""
    if not gs1:
        return list(data)
    items: list[str | int] = [FNC1]
    for ai, value, separator in separated_fields(data):
        items += list(ai + value)
        if separator:
            items.append(FNC1)
    return items


def _digit_run(items: list[str | int], start: int) -> int:
    end = start
    while end < len(items):
        item = items[end]
        if not (isinstance(item, str) and item.isdigit()):
            break
        end += 1
    return end - start


def code128_values(data: str, *, gs1: bool = False) -> list[int]:
    """The Code 128 symbol values of `data` (start, data, check, stop) using subsets B and C;
    with `gs1` the data is a bracketed element string and FNC1 marks it as GS1-128."""
    items = _code128_input(data, gs1)
    first_run = _digit_run(items, 1 if gs1 else 0)
    subset_c = first_run >= 4 or (first_run >= 2 and (gs1 or first_run == len(items)))
    values = [START_C if subset_c else START_B]
    position = 0
    while position < len(items):
        item, run = items[position], _digit_run(items, position)
        if item == FNC1:
            values.append(FNC1)
            position += 1
        elif subset_c and run >= 2:
            values.append(int(f"{items[position]}{items[position + 1]}"))
            position += 2
        elif subset_c:
            values.append(CODE_B)
            subset_c = False
        elif run % 2 == 0 and (run >= 6 or (run >= 4 and position + run == len(items))):
            values.append(CODE_C)
            subset_c = True
        else:
            char = str(item)
            if not " " <= char <= "~":
                raise ValueError(f"Code 128 cannot encode {char!r} in {data!r}")
            values.append(ord(char) - 32)
            position += 1
    check = (values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103
    return [*values, check, STOP]


def code128_modules(values: list[int]) -> str:
    """The symbol as a string of modules, "1" for bar and "0" for space, without quiet zones."""
    modules = []
    for value in values:
        for index, width in enumerate(CODE128_WIDTHS[value]):
            modules.append(("1" if index % 2 == 0 else "0") * int(width))
    return "".join(modules)
