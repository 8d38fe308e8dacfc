"""Every page each role can open, at 360 px and 1280 px: no word split inside a table cell or a
heading, nothing sticking out sideways, no serious axe finding. A check that "nothing
overflows" alone passes when every word is broken instead, so the words themselves are
measured: a word whose DOM Range has client rects on two lines was split.

Pages come from the app's own URL map (every GET page, with the seeded site's values for its
arguments), visited as a visitor, a learner, a trainer and an admin; the ones a role may open
(200, HTML) are checked. Screenshots of the pages that fail land in
tests/browser/artifacts/pages/ with an index.html contact sheet; LMS_BROWSER_SHOTS=all takes
every page at both widths, to review them side by side (~30 s more)."""

import html
import json
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.auth import emails
from app.auth.models import Agency, User
from app.authoring import services as authoring
from app.certificates.models import Certificate
from app.database import utcnow
from app.discussion import services as discussion
from app.extensions import db
from app.institutions.models import Institution
from app.jobs.models import Job
from app.notifications.announcement_services import create_announcement
from app.quizzes import services as quiz_services
from tests.browser import site as seed
from tests.browser.conftest import DESKTOP, PHONE, artifact
from tests.browser.test_accessibility import AXE, OVERFLOWING, blocking_violations
from tests.content.test_media import tiny_png
from tests.workshops.helpers import attend, make_session

ROLES = {"tamu": None, "peserta": seed.GRADUATE, "pengajar": seed.TRAINER, "admin": seed.ADMIN}
WIDTHS = {"360": PHONE, "1280": DESKTOP}
# Not pages: files, feeds, JSON, health probes and one-time links.
NOT_PAGES = ("healthz", "ping", "download", "unduh", "csv", "ics", "json", "pdf", "media",
             "feed", "setup_admin", "template", "evidence", "resume", "imported_passwords")

# Words (between spaces, hyphens and slashes) split over two lines. A word wider than its whole
# box (a long URL or code) may wrap; that is what keeps it from overflowing.
SPLIT_WORDS = """() => {
  const found = new Set();
  const boxes = document.querySelectorAll("th, td, h1, h2, h3, h4, h5, h6");
  for (const box of boxes) {
    if (!box.getClientRects().length) continue;
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const words = /[^\\s\\-\\/\\u2010-\\u2014]{2,}/g;
      for (let m = words.exec(node.textContent); m; m = words.exec(node.textContent)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const rects = [...range.getClientRects()].filter(r => r.width > 0);
        if (rects.length < 2) continue;
        const width = rects.reduce((sum, r) => sum + r.width, 0);
        if (Math.abs(rects[0].top - rects[rects.length - 1].top) > 2
            && width <= box.clientWidth) {
          found.add(box.tagName.toLowerCase() + ": " + m[0]);
        }
      }
    }
  }
  return [...found].slice(0, 8);
}"""


@dataclass(frozen=True)
class Visit:
    role: str
    path: str
    name: str


def _person(person):
    return db.session.scalar(select(User).where(User.nip == person.nip))


def _pages_beyond_the_site(course, graduate):
    """What the shared site lacks for a few pages: a workshop the graduate attended (its page,
    the trainer's and the admin's certificate page), an essay waiting for its grader and a
    finished job. This module runs last in the package, so no other test sees them."""
    trainer = _person(seed.TRAINER)
    workshop = make_session(trainer, starts_in=timedelta(days=-2), course_id=course.id,
                            title="Workshop Tanda Tangan Elektronik untuk Operator Kelurahan")
    attend(workshop, graduate)
    quiz = authoring.save_quiz(course, None, "esai-layanan", {
        "title": "Esai layanan kependudukan", "kind": "practice", "pass_mark": 0,
        "time_limit_minutes": 0, "max_attempts": 0, "grading_method": "highest",
        "draw_count": 0, "shuffle_answers": False, "review_policy": "full"},
        "::E1 Esai::Jelaskan manfaat pendaftaran penduduk daring bagi warga.{}", None, trainer)
    db.session.commit()
    reader = _person(seed.EDIT_READER)
    attempt = quiz_services.start_attempt(reader, quiz)
    essay = attempt.slots[0]
    quiz_services.submit_attempt(attempt, {essay.id: {"text": "Warga tidak perlu antre."}})
    job = Job(kind="certificates.issue", state="succeeded", finished_at=utcnow(),
              progress_done=1, progress_total=1,
              created_by_id=_person(seed.ADMIN).id, summary_json=json.dumps({"issued": 1}),
              params_json=json.dumps({"target": "session", "id": workshop.id,
                                      "label": workshop.title, "chosen": []}))
    db.session.add(job)
    # An announcement for everyone: its page, the dashboards' notice and the bell's count.
    announcement, _sent = create_announcement(
        {"title": "Libur bersama: layanan Disdukcapil tutup 24–26 Desember",
         "body": "Layanan **pendaftaran penduduk daring** tetap berjalan selama libur.",
         "agencies": [], "ends_at": utcnow() + timedelta(days=14)}, _person(seed.ADMIN))
    # The course's discussion: the graduate's question with a picture, the trainer's answer,
    # a classmate's report (the thread, its edit, report and hide pages, the reports list).
    question = discussion.start_thread(
        course, graduate, discussion.Standing(True, False),
        "Apakah aktivasi IKD bisa dilakukan tanpa datang ke kantor Disdukcapil?",
        "Warga di kelurahan saya bertanya apakah **aktivasi IKD** harus tatap muka.",
        seed.active_modules(course)[1], discussion.check_pictures([("layar.png", tiny_png())]))
    answer = discussion.reply_to(
        question, course, trainer, discussion.Standing(False, True),
        "Aktivasi pertama dilakukan dengan verifikasi wajah di tempat pelayanan.")
    discussion.report_post(answer, question, course, reader, "Perlu dicek ulang.")
    db.session.commit()
    return {"session_id": workshop.id, "slot_id": essay.id, "job_id": job.id,
            "announcement_id": announcement.id, "thread_id": question.id,
            "post_id": question.opening.id}


def _arguments(live_server):
    """A seeded value for each URL argument name the pages use."""

    def read():
        course = seed.course(seed.JOURNEY_COURSE)
        module = seed.active_modules(course)[0]
        graduate = _person(seed.GRADUATE)
        return {
            "slug": seed.JOURNEY_COURSE, "module_slug": module.slug, "module_id": module.id,
            "quiz_slug": seed.FINAL_QUIZ, "number": 1,
            "attempt_id": live_server.site.passed_attempt_id,
            "code": live_server.site.certificate_code, "user_id": graduate.id,
            # A reset link (its form, when the graduate has a confirmed address); as a
            # confirmation link it is refused, and a refusal is no page to check.
            "token": emails.reset_token(graduate),
            "agency_id": db.session.scalar(select(Agency.id).order_by(Agency.id)),
            # The bundled courses' providers became institutions (BKPSDM, Universitas Tadulako).
            "institution_id": db.session.scalar(
                select(Institution.id).order_by(Institution.id)),
            # Opening a notification redirects to its link: no page of its own to check.
            "notification_id": 1,
            "certificate_id": db.session.scalar(
                select(Certificate.id).where(Certificate.user_id == graduate.id)),
            **_pages_beyond_the_site(course, graduate),
        }

    return live_server.query(read)


def page_paths(live_server, values):
    """(name, path) of every GET page, its arguments filled from `values` (a page whose
    argument has no value fails, so a new page cannot slip past unchecked)."""
    pages = []
    for rule in live_server.app.url_map.iter_rules():
        name = rule.endpoint
        if "GET" not in rule.methods or name == "static" or any(
                word in name or word in rule.rule for word in NOT_PAGES):
            continue
        unfilled = set(rule.arguments) - set(values)
        assert not unfilled, f"{name} needs a seeded value for {unfilled}"
        with live_server.app.test_request_context():
            path = rule.build({arg: values[arg] for arg in rule.arguments})[1]
        pages.append((name, path))
    return sorted(pages)


@pytest.fixture(scope="module")
def visits(live_server, browser, signed_in_states):
    """Each role's pages (200 and HTML), found with plain requests of that role's context."""
    from tests.browser.conftest import new_context

    found, values = [], _arguments(live_server)
    for role, person in ROLES.items():
        options = {"storage_state": signed_in_states(person)} if person else {}
        context = new_context(browser, live_server, **options)
        for name, path in page_paths(live_server, values):
            response = context.request.get(path, max_redirects=0)
            if response.status == 200 and response.headers.get(
                    "content-type", "").startswith("text/html"):
                found.append(Visit(role, path, name))
        context.close()
    return found


def _contact_sheet(shots):
    rows = "\n".join(
        f'<figure><figcaption>{html.escape(caption)}</figcaption>'
        f'<a href="{file}"><img src="{file}" loading="lazy" alt=""></a></figure>'
        for caption, file in shots)
    artifact("pages").mkdir(exist_ok=True)
    artifact("pages/index.html").write_text(
        "<!doctype html><meta charset=utf-8><title>Kompeten: semua halaman</title>"
        "<style>body{font-family:sans-serif}figure{display:inline-block;vertical-align:top;"
        "margin:8px;width:200px}img{width:200px;border:1px solid #ccc}</style>\n" + rows,
        encoding="utf-8")


def test_every_page_of_every_role_keeps_its_words_whole(visits, open_page):
    assert {visit.role for visit in visits} == set(ROLES)
    assert len(visits) > 40, [v.path for v in visits]
    reached = {visit.name for visit in visits}
    assert {"workshops.session_page", "workshop_manage.detail", "certificates.admin_session",
            "jobs.show", "quizzes.grade"} <= reached, sorted(reached)
    problems, shots = [], []
    # One page per role, loaded once per address and checked at both widths: resizing lays the
    # page out again as a fresh load at that width would (no script of the app looks at the
    # width). axe comes with each page (an init script), not sent again for every check.
    pages = {role: open_page(person, viewport=PHONE) for role, person in ROLES.items()}
    for page in pages.values():
        page.context.add_init_script(AXE.axe_script)
    for visit in visits:
        page = pages[visit.role]
        widths = sorted(WIDTHS, key=lambda width: WIDTHS[width] != page.viewport_size)
        page.goto(visit.path)
        for width in widths:
            page.set_viewport_size(WIDTHS[width])
            where = f"{visit.role} {width}px {visit.path}"
            found = []
            split = page.evaluate(SPLIT_WORDS)
            if split:
                found.append(f"{where}: words split {split}")
            wide = page.evaluate("() => document.documentElement.scrollWidth")
            if wide > page.viewport_size["width"]:
                found.append(f"{where}: {wide}px wide {page.evaluate(OVERFLOWING)}")
            found += [f"{where}: {line}" for line in blocking_violations(page, loaded=True)]
            if found or EVERY_SHOT:
                shots.append((where, _screenshot(page, visit, width)))
            problems += found
    _contact_sheet(shots)
    assert not problems, "\n".join(problems)


# Every page's screenshot was a quarter of the walk's time (Chromium encoding ~180 full pages):
# by default only the pages that fail are taken, to see what the message describes.
EVERY_SHOT = os.environ.get("LMS_BROWSER_SHOTS") == "all"


def _screenshot(page, visit, width):
    # JPEG: smaller, and quicker for Chromium to encode (29 s over the walk against 36 s).
    file = f"{visit.role}-{visit.name.replace('.', '-')}-{width}.jpg"
    page.screenshot(path=artifact(f"pages/{file}"), full_page=True, type="jpeg", quality=80)
    return file


def test_no_script_of_the_app_reads_the_width():
    """The walk above checks each page at both widths by resizing it, which equals loading it
    at that width only while the layout is CSS alone. A script that reads the width would need
    a load per width again."""
    scripts = Path(__file__).resolve().parents[2] / "app" / "static" / "js"
    readers = [path.name for path in scripts.glob("*.js") if any(
        word in path.read_text(encoding="utf-8")
        for word in ("matchMedia", "innerWidth", "clientWidth", "resize", "screen.width"))]
    assert readers == []


@pytest.mark.parametrize("person", [None, seed.ADMIN], ids=["tamu", "admin"])
def test_the_header_is_compact_on_a_phone_and_its_menu_opens_without_script(open_page, person):
    phone = open_page(person, viewport=PHONE, java_script_enabled=False)
    phone.goto("/")
    header = phone.locator(".site-header").bounding_box()
    assert header["height"] <= 0.15 * PHONE["height"], header
    catalogue = phone.get_by_role("navigation").get_by_role("link", name="Katalog")
    assert not catalogue.is_visible()
    phone.get_by_text("Menu", exact=True).click()
    assert catalogue.is_visible()
    assert phone.get_by_role("button", name="English").is_visible()

    desktop = open_page(person, viewport=DESKTOP)
    desktop.goto("/")
    assert not desktop.get_by_text("Menu", exact=True).is_visible()
    assert desktop.get_by_role("navigation").get_by_role("link", name="Katalog").is_visible()
    assert desktop.locator(".site-header").bounding_box()["height"] <= 0.2 * DESKTOP["height"]
