"""'Unduh modul': a course's modules as one self-contained HTML file to read without signal."""

import base64
import re
from html.parser import HTMLParser

import pytest

from app.content.markdown import render_markdown
from app.courses import offline
from app.courses.models import Course, Module
from app.courses.services import active_modules_query
from app.database import utcnow
from app.extensions import db
from tests.conftest import count_queries
from tests.content.test_markdown import PAYLOADS
from tests.content.test_media import tiny_png
from tests.pages.conftest import IMAGED_COURSE, course, decoded, log_in
from tests.security.xss_payloads import EXTRA_PAYLOADS

DOWNLOAD = f"/kursus/{IMAGED_COURSE}/unduh"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
OTHER_LEARNER_NIP = "198703152010012002"
BASE = "http://127.0.0.1:5000"  # LMS_BASE_URL's default: links never follow the Host header


class Structure(HTMLParser):
    """What a validity check needs: nesting, ids, in-page links, external references."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open, self.problems, self.ids, self.fragments = [], [], [], []
        self.sources, self.tags, self.doctype = [], [], None

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag not in VOID:
            self.open.append(tag)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "a" and (attrs.get("href") or "").startswith("#"):
            self.fragments.append(attrs["href"][1:])
        if "src" in attrs:
            self.sources.append(attrs["src"])

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
            return
        self.open.pop()


def structure(html):
    parser = Structure()
    parser.feed(html)
    parser.close()
    return parser


def download(client):
    response = client.get(DOWNLOAD, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200, response.headers.get("Location")
    return response, decoded(response)


def active_modules(course_obj):
    return db.session.scalars(active_modules_query(course_obj.id)).all()


def first_words(module):
    """A sentence of the module's own text, as the stored HTML has it."""
    return re.search(r"<p>([^<]{40,}?)[<.]", module.body_html).group(1)


def test_the_file_holds_every_module_in_order_with_a_table_of_contents(app, client, site):
    log_in(client)
    response, html = download(client)
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.mimetype == "text/html"
    assert response.headers["Content-Disposition"] == 'attachment; filename=SPBE-101-modul.html'
    modules = active_modules(course(IMAGED_COURSE))
    positions = [html.index(f'id="modul-{m.slug}"') for m in modules]
    assert positions == sorted(positions) and len(modules) == 5
    for module in modules:
        assert f'<a href="#modul-{module.slug}">{module.title}</a>' in html
        assert first_words(module) in html
    parsed = structure(html)
    assert parsed.doctype == "doctype html" and parsed.tags[0] == ("html", {"lang": "id"})
    assert parsed.problems == [] and parsed.open == []
    assert len(parsed.ids) == len(set(parsed.ids)), "duplicate ids"
    assert set(parsed.fragments) <= set(parsed.ids), "a link to an anchor that is not there"
    assert re.search(r"Diunduh \d{1,2} \w{3} \d{4} \d{2}\.\d{2} WITA", html)


def test_it_needs_nothing_from_the_network(app, client, site):
    log_in(client)
    _response, html = download(client)
    parsed = structure(html)
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert [tag for tag, _attrs in parsed.tags if tag in {"iframe", "object", "embed"}] == []
    assert parsed.sources and all(src.startswith("data:") for src in parsed.sources)
    assert ".site-header" in html  # the site's stylesheet, inlined
    assert "url(" not in html.split("</style>")[0].lower()
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert policy.startswith("default-src 'none'")


def test_course_images_are_inlined_and_pdfs_linked_as_needing_a_connection(app, client, site):
    log_in(client)
    _response, html = download(client)
    inlined = "data:image/png;base64," + base64.b64encode(tiny_png()).decode()
    assert f'<img alt="Skema arsitektur SPBE" src="{inlined}">' in html
    assert (f'<a href="{BASE}/media/{IMAGED_COURSE}/panduan-spbe.pdf">Panduan SPBE</a>'
            ' <span class="hint">(PDF, 1 KB, perlu sambungan internet)</span>') in html


def test_an_image_over_the_size_budget_is_left_out_with_a_note(app, client, site, monkeypatch):
    monkeypatch.setattr(offline, "IMAGE_BUDGET_BYTES", 10)
    log_in(client)
    _response, html = download(client)
    assert "data:image" not in html
    assert "Gambar \u201cSkema arsitektur SPBE\u201d (1 KB) tidak disertakan" in html
    assert f'<a href="{BASE}/media/{IMAGED_COURSE}/skema-spbe.png">' in html


def test_retired_modules_are_left_out(app, client, site):
    modules = active_modules(course(IMAGED_COURSE))
    modules[1].retired_at = utcnow()
    db.session.commit()
    log_in(client)
    _response, html = download(client)
    assert f'id="modul-{modules[1].slug}"' not in html
    assert f'id="modul-{modules[2].slug}"' in html
    assert "4 modul" in html


def test_hostile_module_text_stays_harmless(app, client, site):
    """Every XSS payload the sanitizer tests use, through the rewriter too."""
    sources = [source for _name, source in PAYLOADS + EXTRA_PAYLOADS]
    sources.append('<img title="a>b" alt="x&quot; onerror=&quot;1" src="/media/spbe-101/'
                   'skema-spbe.png"> <a title="c>d" href="#h-x">#</a>')
    module = active_modules(course(IMAGED_COURSE))[0]
    module.body_html = render_markdown("\n\n".join(sources),
                                       media_url=f"/media/{IMAGED_COURSE}/")
    db.session.commit()
    log_in(client)
    _response, html = download(client)
    parsed = structure(html)
    assert parsed.problems == [] and parsed.open == []
    tags = {tag for tag, _attrs in parsed.tags}
    assert not tags & {"script", "iframe", "object", "embed", "svg", "math", "form", "base"}
    assert [tag for tag, _attrs in parsed.tags].count("style") == 1
    for tag, attrs in parsed.tags:
        assert not any(name.startswith("on") or name == "style" for name in attrs), (tag, attrs)
        assert not (attrs.get("href") or "").strip().lower().startswith(("javascript", "data"))
    assert all(src.startswith("data:") for src in parsed.sources)


@pytest.mark.parametrize("who", ["anonymous", "not enrolled"])
def test_who_may_not_read_the_modules_may_not_download_them(app, client, site, create_user, who):
    module = active_modules(course(IMAGED_COURSE))[0]
    module_url = f"/kursus/{IMAGED_COURSE}/modul/{module.slug}"
    if who == "not enrolled":
        create_user(nip=OTHER_LEARNER_NIP)
        log_in(client, OTHER_LEARNER_NIP)
    page, download_response = client.get(module_url), client.get(DOWNLOAD)
    assert download_response.status_code == page.status_code == 302
    where = [r.headers["Location"].split("?")[0] for r in (page, download_response)]
    assert where[0] == where[1] == ("/masuk" if who == "anonymous" else f"/kursus/{IMAGED_COURSE}")
    course_page = client.get(f"/kursus/{IMAGED_COURSE}").get_data(as_text=True)
    assert "Unduh modul" not in course_page


def test_the_course_page_offers_the_download_to_enrolled_learners(app, client, site):
    log_in(client)
    page = client.get(f"/kursus/{IMAGED_COURSE}").get_data(as_text=True)
    assert f'<a href="{DOWNLOAD}" download>Unduh modul (untuk dibaca tanpa sinyal)</a>' in page


def test_a_draft_course_is_downloaded_by_its_editors_only(app, client, site, create_user):
    draft = course(IMAGED_COURSE)
    draft.status = "draft"
    db.session.commit()
    log_in(client)
    assert client.get(DOWNLOAD).status_code == 404
    admin_client = app.test_client()
    create_user(nip="197503121998032004", roles=("admin",))
    log_in(admin_client, "197503121998032004")
    response = admin_client.get(DOWNLOAD)
    assert response.status_code == 200 and b"Skema arsitektur SPBE" in response.data
    page = admin_client.get(f"/kursus/{IMAGED_COURSE}").get_data(as_text=True)
    assert "Unduh modul (untuk dibaca tanpa sinyal)" in page


def add_modules(course_obj, count):
    start = len(course_obj.modules)
    for number in range(start + 1, start + count + 1):
        course_obj.modules.append(Module(
            position=number, slug=f"tambahan-{number}", title=f"Tambahan {number}", minutes=10,
            body_html=f'<h2 id="h-ringkasan">Ringkasan</h2><p><img alt="Skema" '
                      f'src="/media/{IMAGED_COURSE}/skema-spbe.png"></p>'))
    db.session.commit()


def test_the_download_costs_the_same_queries_whatever_the_module_count(app, client, site):
    log_in(client)
    spbe = course(IMAGED_COURSE)
    counts = []
    for _round in range(2):
        add_modules(spbe, 6)
        with count_queries() as n:
            assert client.get(DOWNLOAD).status_code == 200
        counts.append(n())
    assert counts[0] == counts[1], counts
    assert counts[0] <= 6, counts  # user, course, enrolment, files, modules, a setting


def test_the_file_name_comes_from_the_course_code(app):
    assert offline.offline_filename(Course(code="KAM-201", slug="kam-201")) == "KAM-201-modul.html"
    assert offline.offline_filename(Course(code="A/B 1", slug="ab")) == "A-B-1-modul.html"
