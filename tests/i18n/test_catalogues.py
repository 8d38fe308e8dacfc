"""The English catalogue covers every string: extraction runs here, into a temporary file, with
the flags `make extract` uses, so a new string without an English translation fails CI."""

import re
import shlex

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from tests.i18n.untranslated import ROOT

TRANSLATIONS = ROOT / "app" / "translations"
ENGLISH = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdfr]|%%|\{\w*(?::[^}]*)?\}")


def extract_flags():
    """EXTRACT_FLAGS from the Makefile, with babel.cfg made absolute."""
    match = re.search(r"^EXTRACT_FLAGS := (.+)$", (ROOT / "Makefile").read_text(), re.M)
    assert match, "the Makefile defines EXTRACT_FLAGS for `make extract`"
    return [str(ROOT / arg) if arg == "babel.cfg" else arg for arg in shlex.split(match[1])]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    CommandLineInterface().run(["pybabel", "--quiet", "extract", *extract_flags(),
                                "-o", str(pot), str(ROOT)])
    with pot.open("rb") as handle:
        return [message for message in read_po(handle) if message.id]


@pytest.fixture(scope="module")
def english():
    with ENGLISH.open("rb") as handle:
        return read_po(handle, locale="en")


def forms(message):
    """(msgid, msgstr) pairs: one for a plain message, one per plural form."""
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    if len(ids) == 2 and len(strings) == 2:
        return list(zip(ids, strings, strict=True))
    return [(ids[0], string) for string in strings]


def test_extraction_finds_the_strings_of_python_and_templates(extracted):
    ids = {message.id if isinstance(message.id, str) else message.id[0]
           for message in extracted}
    assert "Langsung ke isi" in ids  # base.html
    assert "Silakan masuk terlebih dahulu untuk membuka halaman ini." in ids  # _l() in Python
    assert "%(num)d modul" in ids  # ngettext in a template
    assert len(ids) > 1000


def test_every_string_has_an_english_translation(extracted, english):
    untranslated = []
    for message in extracted:
        translated = english.get(message.id)
        if translated is None or translated.fuzzy or not all(
                string.strip() for _msgid, string in forms(translated)):
            untranslated.append(message.id)
    assert untranslated == [], ("translate these in app/translations/en/LC_MESSAGES/messages.po "
                                f"(run `make extract` first, docs/i18n.md): {untranslated}")


def test_translations_keep_every_placeholder(english):
    wrong = [(msgid, string) for message in english if message.id
             for msgid, string in forms(message)
             if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(string))]
    assert wrong == []


def test_english_plurals_have_two_forms(english):
    assert english.num_plurals == 2
    plurals = [message for message in english if isinstance(message.id, tuple)]
    assert plurals
    assert all(len(message.string) == 2 and all(message.string) for message in plurals)


def test_no_message_is_fuzzy(english):
    assert [message.id for message in english if message.id and message.fuzzy] == []
