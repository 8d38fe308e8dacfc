"""Find user-visible text in Jinja templates that does not go through a translation call.

Two passes over each template:

* the HTML around the Jinja tags: every Jinja construct is replaced by a marker, the rest is
  parsed as HTML, and text nodes and visible attribute values (title, placeholder, aria-label,
  alt, label, a button's value, a meta description) that still hold letters are reported.
  Text inside <code>, <pre>, <kbd> and <samp> is literal (column names, a file format
  example) and stays as written;
* the Jinja expressions: a string literal that is printed ({{ "Teks" }}, {{ x or "Teks" }},
  {{ "a" if x else "b" }}) or passed as a visible keyword (label=, placeholder=, title=...)
  without a translation call around it is reported. A lower-case word of letters, digits,
  '-' and '_' is a value for the code (a CSS class, a status), not text.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = sorted(p for p in (ROOT / "app").rglob("templates") if p.is_dir())
TRANSLATION_CALLS = {"_", "gettext", "ngettext", "pgettext", "npgettext", "lazy_gettext"}
# Names that are the same in every language: the product and the abbreviations of Indonesian
# institutions and documents (explained, where it matters, by translated text nearby).
ALLOWED_WORDS = {"Kompeten", "JP", "NIP", "WITA", "PDF", "CSV", "XLSX", "Excel", "GIFT", "OPD",
                 "ASN", "BKPSDM", "PNS", "PPPK", "KB"}
LITERAL_ELEMENTS = {"code", "pre", "kbd", "samp", "script", "style"}
VISIBLE_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "label", "aria-valuetext"}
VISIBLE_KEYWORDS = {"label", "placeholder", "title", "aria_label", "alt", "text", "heading",
                    "caption", "hint", "message"}
MARK = "\u2060"  # WORD JOINER: no letter, and legal anywhere in HTML
LETTERS = re.compile(r"[^\W\d_]{2,}")
CODE_VALUE = re.compile(r"^[a-z0-9_-]*$")


def template_files():
    for folder in TEMPLATE_DIRS:
        yield from sorted(folder.rglob("*.html"))


def environment():
    return Environment(extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)


def visible_words(text):
    """The words of `text` a reader would see and that are not allowed as they are."""
    return [word for word in LETTERS.findall(text.replace(MARK, " "))
            if word not in ALLOWED_WORDS]


def html_without_jinja(env, source):
    """The template's HTML with each Jinja tag, expression and comment reduced to a marker."""
    parts, inside = [], False
    for _line, token, value in env.lex(source):
        if token == "data":
            parts.append(value)
        elif token.endswith("_begin") and not inside:
            inside = True
            # A tag whose name is an expression (<{{ tag }}>) still parses as a tag.
            parts.append("x-jinja" if parts and parts[-1].endswith(("<", "</")) else MARK)
        elif token.endswith("_end"):
            inside = False
    return "".join(parts)


class _TextFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in LITERAL_ELEMENTS:
            self._skip += 1
        attrs = {name: value or "" for name, value in attrs}
        for name, value in attrs.items():
            if self._attribute_is_visible(tag, name, attrs) and visible_words(value):
                self.found.append(f'<{tag} {name}="{value.replace(MARK, "…")}">')

    @staticmethod
    def _attribute_is_visible(tag, name, attrs):
        if name in VISIBLE_ATTRIBUTES:
            return True
        if name == "value" and tag == "input":
            return attrs.get("type") in ("submit", "button", "reset")
        return name == "content" and tag == "meta" and attrs.get("name") == "description"

    def handle_endtag(self, tag):
        if tag in LITERAL_ELEMENTS and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and visible_words(data):
            self.found.append(" ".join(data.replace(MARK, "…").split()))


def _is_translation_call(node):
    return isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) \
        and node.node.name in TRANSLATION_CALLS


def _printed_literals(node):
    """String literals that reach the page as they are from an output expression."""
    if isinstance(node, nodes.Const):
        return [node.value] if isinstance(node.value, str) else []
    if isinstance(node, nodes.CondExpr):
        return _printed_literals(node.expr1) + (_printed_literals(node.expr2)
                                                if node.expr2 is not None else [])
    if isinstance(node, (nodes.Or, nodes.And, nodes.Concat)):
        children = node.nodes if isinstance(node, nodes.Concat) else [node.left, node.right]
        return [text for child in children for text in _printed_literals(child)]
    if isinstance(node, nodes.Filter) and node.name in ("default", "d", "e", "safe", "trim"):
        found = _printed_literals(node.node) if node.node is not None else []
        return found + [text for arg in node.args for text in _printed_literals(arg)]
    return []


def _keyword_literals(tree):
    for call in tree.find_all(nodes.Call):
        if _is_translation_call(call):
            continue
        for keyword in call.kwargs:
            if keyword.key in VISIBLE_KEYWORDS:
                yield from _printed_literals(keyword.value)


def literal_text(env, source):
    """Untranslated string literals printed by the template's expressions."""
    tree = env.parse(source)
    found = [text for output in tree.find_all(nodes.Output) for child in output.nodes
             if not isinstance(child, nodes.TemplateData) for text in _printed_literals(child)]
    found += list(_keyword_literals(tree))
    return [f'"{text}"' for text in found if visible_words(text) and not CODE_VALUE.match(text)]


def untranslated_text(path):
    """Every piece of visible text in the template at `path` that is not translatable."""
    env = environment()
    source = path.read_text(encoding="utf-8")
    finder = _TextFinder()
    finder.feed(html_without_jinja(env, source))
    finder.close()
    return finder.found + literal_text(env, source)
