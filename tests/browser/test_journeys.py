"""End-to-end journeys in headless Chromium: a learner from registration to a verified
certificate, and a trainer's edit reaching the learner. Fields are found by their labels."""

import io
import re

import pypdf
from playwright.sync_api import expect

from tests.browser import quiz_helpers as quiz
from tests.browser import site as seed
from tests.browser.conftest import DESKTOP, PHONE, open_menu
from tests.browser.journey import (
    COURSE_TITLE,
    enrol_and_read_every_module,
    expect_jp,
    expect_passed_with_full_marks,
    register,
    start_final_quiz,
)

VERIFY_LINK = re.compile(r"(https?://\S+/verify/[A-Za-z0-9-]+)")
VERIFY_CODE = re.compile(r"Kode verifikasi: ([A-Za-z0-9-]+)")


def check_countdown(page):
    """quiz.js replaces the end time with a ticking countdown."""
    timer = page.get_by_role("timer")
    expect(timer).to_have_text(re.compile(r"Sisa waktu: (29|30) menit \d\d detik"))
    first = timer.text_content()
    expect(timer).not_to_have_text(first, timeout=3000)


def answer_first_with_autosave(page, questions):
    """The first answer is posted by quiz.js on its own and is there after a reload."""
    with page.expect_response(lambda r: r.url.endswith("/autosimpan")) as saved:
        quiz.answer_all(page, questions[:1])
    assert saved.value.status == 200 and saved.value.json()["ok"] is True
    expect(page.locator("#autosave-status")).to_have_text(re.compile(r"^Tersimpan "))
    # The navigator follows the autosave: question 1 answered, question 2 not yet.
    navigator = page.get_by_role("navigation", name="Navigasi soal")
    expect(navigator.locator("li").nth(0)).to_have_class("answered")
    expect(navigator.locator("li").nth(1)).to_have_class("unanswered")
    expect(navigator.get_by_role("link", name="1 · dijawab")).to_be_visible()
    page.reload()
    expect(page.locator("#autosave-status")).to_have_text(re.compile(r"^Terakhir disimpan "))
    quiz.expect_answered(quiz.question_group(page, 1), questions[0][1])


def take_final_quiz_with_js(page, live_server):
    start_final_quiz(page)
    check_countdown(page)
    questions = quiz.questions_of(live_server, page)
    assert len(questions) == 12
    answer_first_with_autosave(page, questions)
    quiz.answer_all(page, questions, start=2)
    quiz.check_and_submit(page)
    expect_passed_with_full_marks(page)


def admin_issues_certificate(open_page, learner):
    admin = open_page(seed.ADMIN, viewport=DESKTOP)
    admin.goto("/")
    admin.get_by_role("link", name="Admin", exact=True).click()
    # A self-registered account earns a certificate only once an admin has verified its NIP.
    admin.get_by_label(f"Pilih {learner.name}").check()
    admin.get_by_role("button", name="Verifikasi yang dipilih").click()
    expect(admin.get_by_role("status")).to_contain_text("1 akun diverifikasi.")
    admin.get_by_role("main").get_by_role("link", name="Sertifikat", exact=True).click()
    admin.get_by_role("link", name=f"DUK-201 · {COURSE_TITLE}").click()
    admin.get_by_label(f"Pilih {learner.name}").check()
    admin.get_by_role("button", name="Terbitkan untuk yang dipilih").click()
    # Issuing is a background job (run at once in the tests): its page reports the outcome.
    expect(admin.get_by_role("status")).to_contain_text("1 dari 1 diterbitkan")
    admin.get_by_role("link", name="Kembali ke penerbitan sertifikat DUK-201").click()
    issued = admin.get_by_role("row").filter(has_text=learner.name).filter(has_text="berlaku")
    expect(issued).to_have_count(1)


def verification_link_in_pdf(page):
    open_menu(page)
    page.get_by_role("navigation").get_by_role("link", name="Sertifikat", exact=True).click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh PDF").click()
    data = download.value.path().read_bytes()
    text = " ".join(pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text().split())
    link, code = VERIFY_LINK.search(text), VERIFY_CODE.search(text)
    assert link and code, f"no verification link or code in the PDF text: {text}"
    assert link.group(1).endswith(f"/verify/{code.group(1)}")
    return link.group(1)


def test_learner_registers_learns_passes_and_gets_a_verified_certificate(open_page, live_server):
    learner = open_page(viewport=PHONE)  # most learners are on a phone
    register(learner, seed.NEW_LEARNER, seed.NEW_LEARNER_TYPED_NIP)
    expect(learner.get_by_role("status")).to_contain_text("Akun Anda sudah dibuat")
    expect_jp(learner, 0)

    enrol_and_read_every_module(learner, total=len(live_server.module_paths()))
    expect(learner.get_by_role("status")).to_contain_text("Semua modul selesai")
    take_final_quiz_with_js(learner, live_server)

    open_menu(learner)
    learner.get_by_role("link", name="Beranda", exact=True).click()
    expect_jp(learner, 10)
    expect(learner.get_by_role("main")).to_contain_text("Kurang 10 JP lagi")
    done = learner.get_by_role("region", name="Kursus selesai")
    expect(done.get_by_role("row").filter(has_text=COURSE_TITLE)).to_contain_text("10")

    admin_issues_certificate(open_page, seed.NEW_LEARNER)
    link = verification_link_in_pdf(learner)
    assert link.startswith(live_server.url)
    anyone = open_page()  # whoever receives the link: not signed in
    anyone.goto(link)
    expect(anyone.get_by_role("status")).to_contain_text("SAH")
    facts = anyone.locator("dl.facts")
    expect(facts).to_contain_text(seed.NEW_LEARNER.name)
    expect(facts).to_contain_text("10 JP")
    open_menu(anyone)
    anyone.get_by_role("button", name="English").click()  # e.g. a reader outside Indonesia
    expect(anyone.get_by_role("status")).to_contain_text("VALID")


def test_trainer_edits_a_module_and_the_learner_sees_the_change(open_page, live_server):
    new_line = "Catatan pengajar: loket IKD Disdukcapil Palu buka pukul 08.00 WITA."
    trainer = open_page(seed.TRAINER)
    trainer.goto("/")
    trainer.get_by_role("link", name="Ruang pengajar").click()
    trainer.get_by_role("link", name=f"DUK-201 · {COURSE_TITLE}").click()
    modules = trainer.get_by_role("region", name="Modul").get_by_role("listitem")
    title = modules.first.get_by_role("link").text_content().strip()
    modules.first.get_by_role("link", name=title).click()
    body = trainer.get_by_label("Isi modul (Markdown)")
    body.fill(body.input_value() + f"\n\n{new_line}\n")
    trainer.get_by_role("button", name="Simpan modul").click()
    expect(trainer.get_by_role("status")).to_contain_text(f"Modul “{title}” disimpan.")

    learner = open_page(seed.EDIT_READER, viewport=PHONE)
    learner.goto(live_server.module_paths()[0])
    expect(learner.get_by_role("heading", level=1)).to_have_text(title)
    expect(learner.locator("article .prose")).to_contain_text(new_line)
