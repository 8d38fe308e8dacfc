"""Text for the search index: plain words out of rendered HTML, Indonesian stems, and the
highlighted snippet shown with a result.

Both the indexed text and the query go through the same stemmer (PySastrawi), so "pelayanan",
"layanan" and "melayani" all become "layan" and find each other. The database only ever sees
stems made of letters and digits, which is also what keeps a hostile query harmless: FTS
syntax, quotes and NUL never reach it."""

import re
from functools import lru_cache
from html import unescape

from markupsafe import Markup, escape

# Letters (Latin with accents) and digits: what a word is, for indexing and querying alike.
WORD = re.compile(r"[0-9a-zA-Z\u00c0-\u024f]+")
HEADING = re.compile(r'<h([1-6]) id="([^"]+)">(.*?)</h\1>', re.S)
TAG = re.compile(r"<[^>]+>")
SPACE = re.compile(r"\s+")
MAX_QUERY_WORDS = 12
SNIPPET_CHARS = 220


@lru_cache(maxsize=1)
def _stemmer():
    """Sastrawi's stemmer with its dictionary of root words (~4 MiB, loaded on a worker's first
    search or index update). Without the factory's result cache: that one keeps every word ever
    stemmed, unbounded; stem() below keeps a bounded number instead."""
    from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
    from Sastrawi.Stemmer.Stemmer import Stemmer
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    return Stemmer(ArrayDictionary(StemmerFactory().get_words()))


# Bounded: a word and its stem, some 250 bytes each (~5 MB when full). All bundled course
# text has 3,400 distinct words; a whole city's catalogue should stay under the bound.
@lru_cache(maxsize=20_000)
def stem(word):
    """The stem of one lower-case word ("pelayanan" -> "layan"); digits and codes stay."""
    if word.isdigit() or len(word) < 4:
        return word
    return _stemmer().stem(word) or word


def words(text):
    return [word.lower() for word in WORD.findall(text or "")]


def stems(text):
    """The stemmed words of a text, space separated: what the index holds."""
    return " ".join(stem(word) for word in words(text))


def query_stems(query):
    """The distinct stems of a query, in order, at most MAX_QUERY_WORDS of them."""
    found = []
    for word in words(query):
        word_stem = stem(word)
        if word_stem not in found:
            found.append(word_stem)
    return found[:MAX_QUERY_WORDS]


def plain_text(html):
    return SPACE.sub(" ", unescape(TAG.sub(" ", html or ""))).strip()


def sections(html):
    """(anchor, heading, text) for each part of a rendered page: the text before the first
    heading (anchor "") and then each heading with the text up to the next one."""
    parts, start, anchor, heading = [], 0, "", ""
    for match in HEADING.finditer(html or ""):
        parts.append((anchor, heading, plain_text(html[start:match.start()])))
        anchor, heading, start = match.group(2), plain_text(match.group(3)), match.end()
    parts.append((anchor, heading, plain_text((html or "")[start:])))
    return [(a, h, t) for a, h, t in parts if h or t]


def snippet(text, wanted, width=SNIPPET_CHARS):
    """About `width` characters of `text` around the first word whose stem was asked for,
    with every such word in <mark>. Escaped: the text is the author's, the marks are ours."""
    wanted = set(wanted)
    hits = [m for m in WORD.finditer(text) if stem(m.group().lower()) in wanted]
    start = 0
    if hits and hits[0].start() > width // 3:
        start = text.rfind(" ", 0, hits[0].start() - width // 3) + 1
    end = min(len(text), start + width)
    if end < len(text):
        end = max(text.rfind(" ", start, end), start + width // 2)
    pieces, at = [], start
    for match in hits:
        if match.start() < start or match.end() > end:
            continue
        pieces.append(escape(text[at:match.start()]))
        pieces.append(Markup("<mark>%s</mark>") % match.group())
        at = match.end()
    pieces.append(escape(text[at:end]))
    return (Markup("… ") if start else Markup("")) + Markup("").join(pieces) + (
        Markup(" …") if end < len(text) else Markup(""))
