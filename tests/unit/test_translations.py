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
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}


def page_texts() -> set[str]:
    method_map = [("terminal_ui/**.py", "python"), ("terminal_ui/templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_page_text_is_translated_into_chinese() -> None:
    with open(CATALOG / "messages.po", "rb") as file:
        catalog = read_po(file)
    texts = page_texts()
    assert len(texts) > 200
    missing = sorted(t for t in texts if not (catalog.get(t) and catalog[t].string)
                     or "fuzzy" in catalog[t].flags)
    assert missing == [], "run `make translations` and translate these"
    for text in texts:
        translated = catalog[text].string
        assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(translated)), text


def test_the_compiled_catalog_matches_the_edited_one() -> None:
    with open(CATALOG / "messages.po", "rb") as file:
        edited = {m.id: m.string for m in read_po(file) if m.id}
    with open(CATALOG / "messages.mo", "rb") as file:
        compiled = {m.id: m.string for m in read_mo(file) if m.id}
    assert compiled == edited, "run `make translations` to compile the catalog"
