"""Markdown rendering and HTML sanitizing: the ONE place authored text becomes HTML.

Authored Markdown is rendered once, when content is imported or saved, then cleaned by bleach
with an explicit allowlist; the result is stored and shown as is. Pages never re-render, so
Markdown and bleach (with its html5lib, ~3 MiB together) are imported on first use, inside the
functions below: loaded on first use keeps web workers light (docs/operations.md).
"""

import html
import re
import threading
from collections import OrderedDict
from urllib.parse import urlsplit

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "ol", "p",
    "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
})
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
HEADING_ID = re.compile(r"^h-[a-z0-9_-]{1,120}$")
CODE_CLASS = re.compile(r"^language-[A-Za-z0-9_+-]{1,40}$")
ALIGN_VALUES = frozenset({"left", "right", "center"})
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))

# Every heading id gets this prefix so authored ids can never clobber the page's own ids
# (forms, CSRF fields) through DOM clobbering.
HEADING_ID_PREFIX = "h-"


def _heading_slug(value, separator):
    from markdown.extensions.toc import slugify

    return HEADING_ID_PREFIX + (slugify(value, separator) or "bagian")


def _is_local_url(value):
    """An image source must stay on this server: relative or root-relative, no scheme/host.

    Checked as a browser reads it: bleach hands over the value with character references
    still encoded (and keeps them in the output), browsers drop tabs/newlines, trim leading
    spaces/control characters and read '\\' as '/', so '&#47;&#47;host', '/\\host' and
    ' \\\\host' all load from another server.
    """
    value = re.sub(r"[\t\n\r]", "", html.unescape(value)).lstrip(_C0_AND_SPACE)
    if value.startswith("\\"):
        return False
    value = value.replace("\\", "/")
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc and not value.startswith("//")


def _allow_attribute(tag, name, value):
    if name == "title" and tag in {"a", "abbr", "img"}:
        return True
    if tag == "a" and name == "href":
        return True  # the protocol allowlist checks the scheme
    if tag == "a" and name == "class":
        return value == "headerlink"
    if tag == "img" and name == "alt":
        return True
    if tag == "img" and name == "src":
        # Pages load nothing from other hosts: external images are dropped here and by CSP.
        return _is_local_url(value)
    if tag in HEADINGS and name == "id":
        return bool(HEADING_ID.match(value))
    if tag == "code" and name == "class":
        return bool(CODE_CLASS.match(value))
    if tag in {"th", "td"} and name == "align":
        return value in ALIGN_VALUES
    if tag == "ol" and name == "start":
        return value.isdigit()
    return False


# Renderers are kept per thread: bleach's Cleaner keeps its HTML parser's state ("not
# thread-safe", its documentation says: one per thread) and so does a Markdown instance between
# documents; the job consumer renders in several threads, the development server too. Building
# a Markdown instance was half of a render, so each thread keeps one per (heading base, media
# URL) and resets it between documents.
_per_thread = threading.local()
MARKDOWN_INSTANCES = 32  # per thread: (heading base, media URL) pairs, one per course's media


def _kept_for_thread(name, build):
    found = getattr(_per_thread, name, None)
    if found is None:
        found = build()
        setattr(_per_thread, name, found)
    return found


def _new_cleaner():
    import bleach

    return bleach.sanitizer.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=_allow_attribute,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )


def _cleaner():
    return _kept_for_thread("cleaner", _new_cleaner)


def sanitize_html(html):
    """Clean HTML against the allowlist. Idempotent: cleaning clean output changes nothing."""
    return _cleaner().clean(html or "")


MEDIA_PREFIX = "media/"


class _MediaLinks:
    """Point `media/...` images and links (relative to the course folder) at the served copy:
    a Markdown tree processor (a `run(root)` method), registered by _markdown()."""

    def __init__(self, media_url):
        self.media_url = media_url

    def run(self, root):
        for tag, attribute in (("img", "src"), ("a", "href")):
            for element in root.iter(tag):
                target = element.get(attribute, "")
                if target.startswith(MEDIA_PREFIX):
                    element.set(attribute, self.media_url + target[len(MEDIA_PREFIX):])


def _markdown(heading_base, media_url):
    import markdown

    md = markdown.Markdown(
        extensions=["tables", "fenced_code", "sane_lists", "toc"],
        extension_configs={
            "tables": {"use_align_attribute": True},
            "toc": {"slugify": _heading_slug, "permalink": False, "baselevel": heading_base},
        },
        output_format="html",
    )
    if media_url:
        md.treeprocessors.register(_MediaLinks(media_url), "kompeten_media", 5)
    return md


# Rendering is pure (the same source, heading base and media URL give the same HTML) and
# costly (Markdown, then bleach's HTML parser), and the same texts come back: every quiz answer
# and feedback at each import, unchanged modules. Kept per process, least recently used first
# out: sources of up to 16,000 characters, at most 4,096 renders and 2,000,000 characters (source
# and HTML together, 2-4 MB, plus ~1 MB of bookkeeping at the full count; all bundled content
# fits). A trainer's previews, each a new text, so cannot grow a web worker by more than that
# (docs/operations.md). The count was 512 until 6 December: a quiz import renders ~1,200 short
# texts (answers, feedback) in turn, so the least recently used went first and nothing was hit.
CACHED_SOURCE_CHARS = 16_000
CACHED_RENDERS = 4096
CACHED_CHARS = 2_000_000


class _RenderCache:
    """Renders by (source, heading base, media URL), bounded by count and by characters."""

    def __init__(self, max_entries, max_chars):
        self.max_entries, self.max_chars = max_entries, max_chars
        self.entries = OrderedDict()  # key -> HTML, least recently used first
        self.chars = 0
        self.lock = threading.Lock()  # the development server serves requests in threads

    def get(self, key):
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key, rendered):
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = rendered
            self.chars += len(key[0]) + len(rendered)
            while len(self.entries) > self.max_entries or self.chars > self.max_chars:
                (source, *_), dropped = self.entries.popitem(last=False)
                self.chars -= len(source) + len(dropped)


_rendered = _RenderCache(CACHED_RENDERS, CACHED_CHARS)


def render_markdown(source, heading_base=1, media_url=None):
    """Markdown source -> sanitized HTML, ready to store.

    heading_base: the HTML level of a Markdown `#` heading, so authored headings nest under
    the page's own (a course description sits under an h2: base 2 makes `##` an h3).
    media_url: where `media/...` images of this course are served, e.g. "/media/spbe-101/".
    """
    source = source or ""
    if len(source) > CACHED_SOURCE_CHARS:
        return _render(source, heading_base, media_url)
    key = (source, heading_base, media_url)
    rendered = _rendered.get(key)
    if rendered is None:
        rendered = _render(*key)
        _rendered.put(key, rendered)
    return rendered


def _render(source, heading_base, media_url):
    html = _thread_markdown(heading_base, media_url).convert(source)
    return _tables_in_scroll_regions(sanitize_html(html))


def _thread_markdown(heading_base, media_url):
    """This thread's Markdown instance for these options, reset: a document's references,
    stashed HTML and table of contents never reach the next one."""
    instances = _kept_for_thread("markdowns", dict)
    key = (heading_base, media_url)
    md = instances.get(key)
    if md is None:
        if len(instances) >= MARKDOWN_INSTANCES:
            instances.clear()
        md = instances[key] = _markdown(heading_base, media_url)
    return md.reset()


# After sanitizing, so the wrapper is ours alone (authors cannot write role or tabindex).
_TABLE_START = re.compile(r"<table(?=[\s>])")
TABLE_REGION = '<div class="table-scroll" role="region" tabindex="0" aria-label="Tabel">'


def _tables_in_scroll_regions(html):
    """A wide table scrolls sideways inside a labelled region a keyboard can focus, instead of
    squeezing its columns until words break letter by letter on a phone."""
    return _TABLE_START.sub(TABLE_REGION + "<table", html).replace("</table>", "</table></div>")


_SINGLE_PARAGRAPH = re.compile(r"^<p>(.*)</p>$", re.DOTALL)


def render_inline(source):
    """Short authored text (an answer, a feedback): like render_markdown, without the
    paragraph around a single line, so it sits inside a label."""
    html = render_markdown(source).strip()
    match = _SINGLE_PARAGRAPH.match(html)
    if match and "<p>" not in match.group(1):
        return match.group(1)
    return html


# A discussion post (app/discussion): a learner's or trainer's text, shown beside many others on
# one page. The same Markdown and the same allowlist, with three differences. No images: a
# post's pictures are attachments checked like course media, and an <img> pointing at any
# address of this site would make every reader's browser request it with their cookies. No
# heading ids: many posts on one page must not repeat ids (nor clobber the page's). Headings
# start at h3, under the post.
POST_HEADING_BASE = 3


def _post_cleaner():
    return _kept_for_thread("post_cleaner", _new_post_cleaner)


def _new_post_cleaner():
    import bleach

    return bleach.sanitizer.Cleaner(
        tags=ALLOWED_TAGS - {"img"},
        attributes=lambda tag, name, value: (not (tag in HEADINGS and name == "id")
                                             and _allow_attribute(tag, name, value)),
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )


def render_post(source):
    """A discussion post's Markdown -> sanitized HTML, ready to store (see above)."""
    html = _kept_for_thread("post_markdown", _post_markdown).reset().convert(source or "")
    return _tables_in_scroll_regions(_post_cleaner().clean(_demoted(html)))


def _post_markdown():
    import markdown

    return markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists", "nl2br"],
                             extension_configs={"tables": {"use_align_attribute": True}},
                             output_format="html")


_HEADING_TAG = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)


def _demoted(html):
    """Headings two levels down (at most h6), so a post's headings sit under its own. On the
    rendered HTML: a `#` line inside a code block stays as written."""
    return _HEADING_TAG.sub(
        lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + POST_HEADING_BASE - 1)}", html)


def render_moodle(source):
    """Moodle's auto-format ("moodle", GIFT's default): the text as written, its line breaks
    kept and web addresses made links, HTML in it allowed through the one sanitizer, and no
    Markdown: 2*3*4 stays 2*3*4, a line starting '1.' or '#' stays a line."""
    import bleach

    text = (source or "").replace("\r\n", "\n").strip("\n")
    linked = bleach.linkify(text, parse_email=False)
    return sanitize_html(linked.replace("\n", "<br>\n"))


def render_authored(source, text_format="markdown", inline=False):
    """Authored text in a declared format (GIFT's [markdown|moodle|html|plain]) -> safe HTML.

    Markdown through the Markdown renderer; Moodle's auto-format keeps lines and links
    addresses; HTML goes through the same allowlist; plain text is escaped, its line breaks
    kept.
    """
    if text_format == "html":
        return sanitize_html(source)
    if text_format == "plain":
        return sanitize_html(html.escape(source or "").replace("\n", "<br>"))
    if text_format == "moodle":
        return render_moodle(source)
    return render_inline(source) if inline else render_markdown(source)
