"""GS1 numbers printed on labels: check digits, SSCC, element strings, and the GS1
DataMatrix symbol of an element string (FNC1 first, GS between fields), which fits the
lot label where GS1-128 does not."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, cast

import zxingcpp
from PIL import Image

# Application identifiers (by their first two digits) whose data has a predefined length:
# only the others end with a separator (FNC1, read as GS) when another field follows.
PREDEFINED_LENGTH = frozenset({"00", "01", "02", "03", "04", "11", "12", "13", "14", "15", "16",
                               "17", "18", "19", "20", "31", "32", "33", "34", "35", "36", "41"})
_FIELD = re.compile(r"\((\d{2,4})\)([^()]+)")
# A lot (AI 10): up to 20 characters of GS1's character set 82, less the brackets that the
# bracket form uses to mark application identifiers.
_LOT = re.compile(r"[!\"%&'*+,\-./0-9:;<=>?A-Z_a-z]{1,20}")


def check_digit(digits: str) -> str:
    """The GS1 mod-10 check digit of a number without its check digit."""
    if not digits.isdigit():
        raise ValueError(f"{digits!r} is not all digits")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def is_gtin(code: str) -> bool:
    """Whether `code` is a GTIN-8/12/13/14 with a correct check digit."""
    return code.isdigit() and len(code) in (8, 12, 13, 14) and check_digit(code[:-1]) == code[-1]


def sscc(extension: int, company_prefix: str, serial: int) -> str:
    """The 18-digit SSCC for a pallet or carton: extension digit, company prefix, serial
    reference (padded to fill 17 digits) and check digit."""
    if not 0 <= extension <= 9 or not company_prefix.isdigit():
        raise ValueError("SSCC: extension 0-9 and a numeric company prefix")
    reference_digits = 16 - len(company_prefix)
    if reference_digits < 1 or serial >= 10**reference_digits or serial < 0:
        raise ValueError("SSCC: serial does not fit beside this company prefix")
    body = f"{extension}{company_prefix}{serial:0{reference_digits}d}"
    return body + check_digit(body)


def element_string(*, gtin: str | None = None, lot: str | None = None,
                   expiry: date | None = None, sscc_code: str | None = None,
                   qty: int | None = None) -> str:
    """A GS1 element string in bracket form, fixed-length fields first."""
    parts = []
    if sscc_code:
        parts.append(f"(00){sscc_code}")
    if gtin:
        parts.append(f"(01){gtin.zfill(14)}")
    if expiry:
        parts.append(f"(17){expiry.strftime('%y%m%d')}")
    if lot:
        parts.append(f"(10){lot}")
    if qty is not None:
        parts.append(f"(37){qty}")
    return "".join(parts)


def lot_fits(lot: str) -> bool:
    """Whether a GS1 code can carry this lot number (AI 10)."""
    return _LOT.fullmatch(lot) is not None


def fields(element: str) -> list[tuple[str, str]]:
    """The (AI, data) pairs of an element string in bracket form, "(01)0690...(10)L1"."""
    found = _FIELD.findall(element)
    if not found or "".join(f"({ai}){data}" for ai, data in found) != element:
        raise ValueError(f"not a GS1 element string in bracket form: {element!r}")
    return found


def separated_fields(element: str) -> list[tuple[str, str, bool]]:
    """The fields of an element string as (AI, data, followed by a separator)."""
    found = fields(element)
    return [(ai, data, index < len(found) - 1 and ai[:2] not in PREDEFINED_LENGTH)
            for index, (ai, data) in enumerate(found)]


def datamatrix_modules(element: str) -> tuple[str, ...]:
    """The GS1 DataMatrix (ECC 200, FNC1 in first position) of an element string in bracket
    form: one string per row, "1" for a dark module, without the quiet zone. A scanner
    reads it as ]d2 followed by the fields, with GS after variable-length data."""
    fields(element)
    try:
        symbol = zxingcpp.create_barcode(element, zxingcpp.BarcodeFormat.DataMatrix, gs1=True)
    except ValueError as exc:
        raise ValueError(f"no GS1 DataMatrix for {element!r}: {exc}") from None
    picture = symbol.to_image(scale=1, add_quiet_zones=False)
    height, width = picture.shape[:2]
    # zxingcpp.Image exports the buffer protocol (8-bit grey rows); its stub does not say so.
    pixels = memoryview(cast(Any, picture)).tobytes()
    return tuple("".join("1" if pixels[y * width + x] < 128 else "0" for x in range(width))
                 for y in range(height))


def datamatrix_image(element: str, module: int, *, quiet: int = 2) -> Image.Image:
    """The GS1 DataMatrix of `element` as a 1-bit picture, `module` dots per module and a
    quiet zone of `quiet` modules on each side."""
    rows = datamatrix_modules(element)
    side = len(rows[0]) + 2 * quiet
    picture = Image.new("1", (side, len(rows) + 2 * quiet), 1)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark == "1":
                picture.putpixel((x + quiet, y + quiet), 0)
    return picture.resize((picture.width * module, picture.height * module),
                          Image.Resampling.NEAREST)
