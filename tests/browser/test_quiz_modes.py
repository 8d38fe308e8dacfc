"""The quiz journey without JavaScript, and a whole quiz done with the keyboard alone."""

import re

from playwright.sync_api import expect

from tests.browser import quiz_helpers as quiz
from tests.browser import site as seed
from tests.browser.conftest import PHONE, open_menu
from tests.browser.journey import (
    enrol_and_read_every_module,
    expect_jp,
    expect_passed_with_full_marks,
    start_final_quiz,
)


def test_the_quiz_journey_works_with_javascript_off(open_context, live_server):
    context = open_context(seed.NO_JS_LEARNER, java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    scripted = []
    page.on("request", lambda r: scripted.append(r.url) if "autosimpan" in r.url else None)
    page.goto("/beranda")
    expect_jp(page, 0)
    enrol_and_read_every_module(page, total=len(live_server.module_paths()))
    start_final_quiz(page)

    # Without the script the end time is shown as a fixed time, not a countdown.
    expect(page.get_by_role("timer")).to_have_text(re.compile(r"Waktu berakhir pukul"))
    questions = quiz.questions_of(live_server, page)
    half = len(questions) // 2
    quiz.answer_all(page, questions[:half])
    page.get_by_role("button", name="Simpan jawaban").click()
    expect(page.get_by_role("status").first).to_contain_text("Jawaban tersimpan pukul")
    for number, (_slot, snapshot) in enumerate(questions[:half], start=1):
        quiz.expect_answered(quiz.question_group(page, number), snapshot)
    quiz.answer_all(page, questions, start=half + 1)
    quiz.check_and_submit(page)
    expect_passed_with_full_marks(page)
    assert scripted == [], "no script ran, so nothing may have been autosaved"

    open_menu(page)
    page.get_by_role("link", name="Beranda", exact=True).click()
    expect_jp(page, 10)


def tab_to_button(page, name, limit=60):
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.textContent.trim()")
        if focused == name:
            return
    raise AssertionError(f"Tab never reached the button {name!r}")


def test_a_whole_quiz_can_be_done_with_the_keyboard(open_page, live_server):
    page = open_page(seed.KEYBOARD_LEARNER, viewport=PHONE)
    page.goto(f"/kursus/{seed.JOURNEY_COURSE}/kuis/{seed.FINAL_QUIZ}")
    tab_to_button(page, "Mulai mengerjakan")
    page.keyboard.press("Enter")
    expect(page.get_by_role("timer")).to_be_visible()

    questions = quiz.questions_of(live_server, page)
    tabs = quiz.answer_and_submit_with_keyboard(page, questions)
    expect_passed_with_full_marks(page)
    print(f"\n[keyboard] quiz of {len(questions)} questions done with {tabs} Tab presses")
