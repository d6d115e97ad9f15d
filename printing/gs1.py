"""GS1 numbers printed on labels: check digits, SSCC, and element strings for GS1-128."""

from __future__ import annotations

from datetime import date


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
