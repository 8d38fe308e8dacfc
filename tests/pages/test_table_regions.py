"""Every table in every template sits in a scroll region a keyboard can reach and a screen
reader can name, so a wide table scrolls inside itself on a phone instead of widening the page
or squeezing its words apart. The browser walk (tests/browser/test_readable_pages.py) measures
the pages the seeded site reaches; this reads every template, including pages it cannot."""

import re
from pathlib import Path

import pytest

TEMPLATES = sorted(Path("app").glob("**/templates/**/*.html"))
TABLE = re.compile(r"<table\b")
REGION = re.compile(r'<div class="table-scroll" role="region" aria-label="[^"]+" tabindex="0">')


def _opening_before(text, position):
    """The last tag opened before `position` (skipping Jinja statements and whitespace)."""
    before = re.sub(r"\{%.*?%\}|\{\{[^}]*hidden_tag\(\)[^}]*\}\}", "", text[:position],
                    flags=re.S).rstrip()
    start = before.rfind("<")
    return before[start:]


@pytest.mark.parametrize("template", TEMPLATES, ids=str)
def test_every_table_sits_in_a_labelled_focusable_scroll_region(template):
    text = template.read_text(encoding="utf-8")
    bare = [text.count("\n", 0, match.start()) + 1 for match in TABLE.finditer(text)
            if not REGION.fullmatch(_opening_before(text, match.start()))]
    assert not bare, f"{template}: tables outside a scroll region on lines {bare}"


def test_the_check_reads_templates_with_tables():
    assert sum(bool(TABLE.search(t.read_text(encoding="utf-8"))) for t in TEMPLATES) > 20
