"""One list of reason codes: every code has a label on the pages, and what a person gives as
a reason is taken only as one of the codes allowed for the operation."""

from __future__ import annotations

import pytest

from terminal_ui.reason_labels import LABELS
from wms.errors import Invalid
from wms.reasons import INSPECTION_REASONS, OTHER, REASONS, SCRAP_REASONS, check_reason


def test_every_reason_code_has_a_label_on_the_pages() -> None:
    assert set(LABELS) == set(REASONS)
    assert set(SCRAP_REASONS) <= set(REASONS) and set(INSPECTION_REASONS) <= set(REASONS)
    assert OTHER in SCRAP_REASONS and OTHER in INSPECTION_REASONS


def test_a_reason_is_taken_as_its_code_whatever_its_case_and_spaces() -> None:
    assert check_reason(" Damaged ", "  ", SCRAP_REASONS) == ("damaged", None)
    assert check_reason("other", " 老鼠咬破 ", SCRAP_REASONS) == ("other", "老鼠咬破")


@pytest.mark.parametrize(("reason", "note", "field"), [
    ("破损", None, "reason"),  # a label is no code
    ("wrong_item", None, "reason"),  # a code of another operation
    ("", None, "reason"),
    (None, None, "reason"),
    ("other", "", "note"),
    ("damaged", "x" * 201, "note"),
])
def test_a_reason_that_is_no_allowed_code_is_refused_naming_the_field(
    reason: str | None, note: str | None, field: str
) -> None:
    with pytest.raises(Invalid) as refused:
        check_reason(reason, note, SCRAP_REASONS)
    assert refused.value.details["field"] == field
    assert refused.value.message.startswith(f"{field}:")
    if field == "reason":
        assert ", ".join(SCRAP_REASONS) in refused.value.message
