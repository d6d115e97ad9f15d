"""Every text of every page has its Chinese translation, with the same placeholders, and the
compiled catalog the app loads matches the one people edit."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "terminal_ui" / "translations" / "zh" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)s")
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None,
            "ngettext": (1, 2)}


def page_texts() -> dict[str, str]:
    """Each text of the pages, by its id in the catalog (a counted text by its singular),
    with the text whose placeholders a translation must hold (a counted text's plural)."""
    method_map = [("terminal_ui/**.py", "python"), ("terminal_ui/templates/**.html", "jinja2")]
    found = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, keywords=KEYWORDS):
        if isinstance(message, str):
            found[message] = message
        else:
            found[message[0]] = message[-1]
    return found


def forms(string: str | tuple[str, ...] | list[str]) -> list[str]:
    """A translation's forms: one, or one per plural form."""
    return [string] if isinstance(string, str) else list(string)


def test_every_page_text_is_translated_into_chinese() -> None:
    with open(CATALOG / "messages.po", "rb") as file:
        catalog = read_po(file)
    texts = page_texts()
    assert len(texts) > 200
    assert any(isinstance(catalog[t].id, tuple) for t in texts if catalog.get(t))
    missing = sorted(t for t in texts if not (catalog.get(t) and all(forms(catalog[t].string)))
                     or "fuzzy" in catalog[t].flags)
    assert missing == [], "run `make translations` and translate these"
    for text, holding in texts.items():
        for translated in forms(catalog[text].string):
            assert sorted(PLACEHOLDER.findall(holding)) == \
                sorted(PLACEHOLDER.findall(translated)), text


def as_key(value: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...]:
    return value if isinstance(value, str) else tuple(value)


def test_the_compiled_catalog_matches_the_edited_one() -> None:
    with open(CATALOG / "messages.po", "rb") as file:
        edited = {as_key(m.id): as_key(m.string) for m in read_po(file) if m.id}
    with open(CATALOG / "messages.mo", "rb") as file:
        compiled = {as_key(m.id): as_key(m.string) for m in read_mo(file) if m.id}
    assert compiled == edited, "run `make translations` to compile the catalog"
