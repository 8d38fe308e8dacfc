"""The quiz editor's GIFT box in a real browser: line numbers beside it, and a reported
problem's "baris N" link selecting that line."""

from playwright.sync_api import expect

from tests.browser import site as seed
from tests.browser.conftest import PHONE, artifact

BROKEN = ("::Q1::Pertanyaan baik.{=ya ~tidak}\n\n::Q2::Kurung tidak ditutup {=a ~b\n\n"
          + "\n".join(f"::Q{n}::Soal nomor {n}.{{=ya ~tidak}}\n" for n in range(3, 40)))


def open_new_quiz(page):
    page.goto(f"/pengajar/kursus/{seed.JOURNEY_COURSE}/kuis/baru")
    page.get_by_label("Alamat kuis (slug)").fill("kuis-uji-baris")
    page.get_by_label("Judul kuis").fill("Kuis uji baris")


def test_line_numbers_follow_the_text_and_a_problem_link_selects_its_line(open_page):
    page = open_page(seed.TRAINER)
    open_new_quiz(page)
    box = page.locator("textarea.gift-source")
    box.fill(BROKEN)
    gutter = page.locator(".line-gutter")
    lines = BROKEN.count("\n") + 1
    expect(gutter).to_have_text("\n".join(str(n) for n in range(1, lines + 1)))
    page.get_by_role("button", name="Periksa").click()

    link = page.locator('a[data-jump-line="3"]')
    expect(link).to_have_text("baris 3")
    link.click()
    selected = page.evaluate("""() => {
        const box = document.querySelector("textarea.gift-source");
        return [document.activeElement === box,
                box.value.slice(box.selectionStart, box.selectionEnd)];
    }""")
    assert selected == [True, "::Q2::Kurung tidak ditutup {=a ~b"]
    page.locator(".gift-lines").screenshot(path=artifact("gift-editor-lines.png"))
    # The numbers stay beside their lines when the box scrolls.
    box.evaluate("box => { box.scrollTop = 300; box.dispatchEvent(new Event('scroll')); }")
    assert page.evaluate("() => document.querySelector('.line-gutter').scrollTop") == \
        page.evaluate("() => document.querySelector('textarea.gift-source').scrollTop")


def test_without_javascript_the_link_goes_to_the_box_and_shows_the_line(open_context):
    page = open_context(seed.TRAINER, java_script_enabled=False, viewport=PHONE).new_page()
    open_new_quiz(page)
    page.locator("textarea.gift-source").fill(BROKEN)
    page.get_by_role("button", name="Periksa").click()
    expect(page.locator("code.problem-line").first).to_have_text(
        "::Q2::Kurung tidak ditutup {=a ~b")
    page.locator('a[data-jump-line="3"]').click()
    assert page.url.endswith("#gift")
    assert page.locator(".line-gutter").count() == 0
