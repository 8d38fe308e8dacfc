"""The "unduh modul" file: a course's modules as one self-contained HTML page to read offline.

The modules' stored (sanitized) HTML goes in as the module pages show it, changed only so
the file works from a phone's downloads folder without a connection:

- images of the course become data: URIs (up to IMAGE_BUDGET_BYTES per file; past that, or
  when the file is missing, a note with the image's address takes its place);
- heading ids get the module's prefix (two modules may both have `#h-pendahuluan`), and
  in-page links follow them;
- links to the course's files (PDFs) and to other pages become absolute addresses, the
  course's files marked as needing a connection;
- any other image (not a file of this course) is replaced by a note.

The rewriting works on the sanitizer's canonical output (app/content/markdown.py): bleach
writes every attribute double-quoted, escapes quotes inside values and '<' in text, and keeps
only allowlisted tags and attributes (ids only on headings, src only on images, href only on
links), so a tag and its attributes can be matched exactly by pattern.
"""

import base64
import html
import re
from dataclasses import dataclass
from urllib.parse import urljoin

from flask import make_response, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select

from app.assets import static_text
from app.content.media import course_files, stored_path
from app.courses.models import Module
from app.database import utcnow
from app.extensions import db
from app.settings import get_setting
from app.web import external_url

IMAGE_BUDGET_BYTES = 4 * 1024 * 1024  # raw bytes of inlined images in one file (~5.3 MB base64)
# The file itself says what it may load: nothing but its own styles and data: images.
FILE_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

_QUOTED_ATTRS = r'((?:[^>"]|"[^"]*")*)'
IMG_TAG = re.compile(r"<img\b" + _QUOTED_ATTRS + ">")
ANCHOR = re.compile(r"<a\b" + _QUOTED_ATTRS + r">(.*?)</a>", re.DOTALL)
HEADING_ID = re.compile(r'(<h[1-6]\b[^>]*?\sid=")(h-[a-z0-9_-]+")')
ATTRIBUTE = re.compile(r'\s([a-z-]+)="([^"]*)"')


@dataclass
class Section:
    module: Module
    anchor: str
    html: Markup


def _attributes(text):
    return {name: html.unescape(value) for name, value in ATTRIBUTE.findall(text)}


def _tag(name, attributes):
    pairs = "".join(f' {key}="{escape(value)}"' for key, value in attributes.items())
    return f"<{name}{pairs}>"


def _kb(size):
    return max(1, round(size / 1024))


class OfflineRewriter:
    """Rewrites the modules of one course; keeps the image budget across them.

    module_url(module) is the module page's absolute address: relative links in a module are
    resolved against it, as the browser does on the module page."""

    def __init__(self, course, files, module_url):
        self.media_prefix = f"/media/{course.slug}/"
        self.files = {course_file.name: course_file for course_file in files}
        self.module_url = module_url
        self.budget = IMAGE_BUDGET_BYTES

    def module_html(self, module):
        prefix = f"{module.slug}__"
        page_url = self.module_url(module)
        body = HEADING_ID.sub(lambda m: m.group(1) + prefix + m.group(2), module.body_html)
        body = ANCHOR.sub(lambda m: self._anchor(_attributes(m.group(1)), m.group(2), prefix,
                                                 page_url), body)
        body = IMG_TAG.sub(lambda m: self._image(_attributes(m.group(1)), page_url), body)
        return Markup(body)

    def _course_file(self, url):
        if not url.startswith(self.media_prefix):
            return None
        return self.files.get(url[len(self.media_prefix):])

    def _anchor(self, attributes, text, prefix, page_url):
        href = attributes.get("href")
        if href is None:
            return f"{_tag('a', attributes)}{text}</a>"
        if href.startswith("#h-"):
            return f"{_tag('a', dict(attributes, href='#' + prefix + href[1:]))}{text}</a>"
        link = f"{_tag('a', dict(attributes, href=urljoin(page_url, href)))}{text}</a>"
        course_file = self._course_file(href)
        if course_file is None:
            return link
        note = _("%(kind)s, %(kb)d KB, perlu sambungan internet",
                 kind=_("gambar") if course_file.is_image else "PDF", kb=_kb(course_file.size))
        return f'{link} <span class="hint">({escape(note)})</span>'

    def _image(self, attributes, page_url):
        src = attributes.get("src", "")
        alt = attributes.get("alt") or src.rpartition("/")[2]
        course_file = self._course_file(src)
        if course_file is None or not course_file.is_image:
            return self._note(_("Gambar \u201c%(alt)s\u201d tidak dapat disertakan di berkas "
                                "ini.", alt=alt))
        if course_file.size > self.budget:
            return self._note(_(
                "Gambar \u201c%(alt)s\u201d (%(kb)d KB) tidak disertakan agar berkas tetap "
                "kecil (batas gambar %(max)d KB per berkas). Lihat secara daring:",
                alt=alt, kb=_kb(course_file.size), max=_kb(IMAGE_BUDGET_BYTES)),
                urljoin(page_url, src))
        path = stored_path(course_file)
        if not path.is_file():
            return self._note(_("Gambar \u201c%(alt)s\u201d tidak ditemukan.", alt=alt))
        self.budget -= course_file.size
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return _tag("img", dict(attributes, src=f"data:{course_file.mime};base64,{data}"))

    @staticmethod
    def _note(message, url=None):
        link = f" {_tag('a', {'href': url})}{escape(url)}</a>" if url else ""
        return f'<span class="offline-note">[{escape(message)}{link}]</span>'


def offline_filename(course):
    code = re.sub(r"[^A-Za-z0-9_-]+", "-", course.code).strip("-") or course.slug
    return f"{code}-modul.html"


def readable_modules(course):
    """The course's active modules in order, with their bodies (one query)."""
    return db.session.scalars(select(Module).where(Module.course_id == course.id,
                                                   Module.retired_at.is_(None))
                              .order_by(Module.position)).all()


def offline_response(course):
    """The download: one HTML file, in Indonesian whatever the interface language."""
    rewriter = OfflineRewriter(course, course_files(course.id), lambda module: external_url(
        "courses.module_page", slug=course.slug, module_slug=module.slug))
    with force_locale("id"):
        sections = [Section(module, f"modul-{module.slug}", rewriter.module_html(module))
                    for module in readable_modules(course)]
        body = render_template(
            "courses/offline.html", course=course, sections=sections, policy=Markup(FILE_POLICY),
            stylesheet=Markup(static_text("css/kompeten.css")), generated_at=utcnow(),
            institution=get_setting("institution_name"),
            course_url=external_url("courses.course_detail", slug=course.slug))
    response = make_response(body)
    response.headers.set("Content-Disposition", "attachment", filename=offline_filename(course))
    response.headers["Content-Security-Policy"] = FILE_POLICY + "; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
