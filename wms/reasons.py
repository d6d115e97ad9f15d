"""Why stock was scrapped, quarantined, rejected, returned or adjusted: one list of reason codes.

The ledger and the receipt lines store the code, never a label in somebody's language; the
pages show each code in the reader's language, and free text goes in the `note` beside it.
`other` always needs that note."""

from __future__ import annotations

from collections.abc import Sequence

from wms.errors import Invalid

OTHER = "other"
CYCLE_COUNT = "cycle_count"  # set by the system on a count's adjustments, never chosen
OPENING_STOCK = "opening_stock"  # set by the system on an opening-stock import's moves

# code: what it means (the API documentation's words; the pages translate the code)
MEANINGS: dict[str, str] = {
    "damaged": "crushed, torn, dented or wet packaging or goods",
    "broken": "broken in handling in the warehouse (dropped, hit by a forklift)",
    "expired": "past its expiry date",
    "short_shelf_life": "too little shelf life left to accept or sell",
    "wrong_item": "not the item that was ordered or that the label says",
    "contaminated": "soiled, leaking, pests or a smell",
    "missing_label": "no readable label, lot or expiry on the goods",
    "quality": "fails the quality check for another reason",
    "lost": "cannot be found (scrap only)",
    "unwanted": "the customer no longer wants it (returns only)",
    "surplus": "more than is needed, sent back to the supplier (returns only)",
    OTHER: "anything else: say what in `note`",
    CYCLE_COUNT: "a count found more or fewer units than the books (set by the system)",
    OPENING_STOCK: "stock on the shelves when the warehouse started on the system, imported "
    "from a file (set by the system)",
}

# The reasons a person may choose, per operation, in the order the pages offer them.
SCRAP_REASONS: tuple[str, ...] = (
    "damaged", "broken", "expired", "contaminated", "quality", "lost", OTHER)
INSPECTION_REASONS: tuple[str, ...] = (  # quarantine or reject at receiving
    "damaged", "wrong_item", "expired", "short_shelf_life", "contaminated", "missing_label",
    "quality", OTHER)
CUSTOMER_RETURN_REASONS: tuple[str, ...] = (  # why a customer sent goods back
    "damaged", "wrong_item", "quality", "expired", "unwanted", OTHER)
SUPPLIER_RETURN_REASONS: tuple[str, ...] = (  # why goods go back to their supplier
    "damaged", "wrong_item", "quality", "expired", "short_shelf_life", "contaminated",
    "missing_label", "surplus", OTHER)
REASONS: tuple[str, ...] = tuple(MEANINGS)

NOTE_LENGTH = 200


def clean_note(note: str | None) -> str | None:
    """A note stripped, None when empty; too long a note is refused, not cut."""
    text = (note or "").strip()
    if len(text) > NOTE_LENGTH:
        raise Invalid(f"note: at most {NOTE_LENGTH} characters", field="note")
    return text or None


def check_reason(reason: str | None, note: str | None, allowed: Sequence[str],
                 what: str = "why") -> tuple[str, str | None]:
    """(code, note) for a reason a person gave; an unknown or missing code, or `other`
    without a note, is refused naming the field and the codes that are allowed."""
    code = (reason or "").strip().lower()
    text = clean_note(note)
    if code not in allowed:
        given = f"{(reason or '').strip()!r} is not a reason code" if (reason or "").strip() else (
            f"say {what}")
        raise Invalid(f"reason: {given}; one of {', '.join(allowed)}", field="reason",
                      allowed=list(allowed))
    if code == OTHER and text is None:
        raise Invalid("note: say what happened when the reason is other", field="note")
    return code, text

