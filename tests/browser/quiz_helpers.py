"""Answering a quiz in the browser the way a learner who knows the answers would.

The right answers come from the attempt's frozen questions (its snapshot); the page is then
operated by what a person sees: question groups by their legend ("Soal 3"), options by their
label text. The keyboard variant uses only Tab, arrow keys, Space, typing and Enter.
"""

import re
from html import unescape

from playwright.sync_api import expect

from app.quizzes.grading import correct_response
from tests.browser import site as seed

TAG = re.compile(r"<[^>]+>")
ATTEMPT_URL = re.compile(r"/percobaan/(\d+)")
# Room for the header links, every option of every question and the buttons.
MAX_TAB_PRESSES = 400


def plain(html):
    """The text a person reads in a bit of HTML, with whitespace folded."""
    return " ".join(unescape(TAG.sub(" ", html or "")).split())


def attempt_id_of(page):
    match = ATTEMPT_URL.search(page.url)
    assert match, f"not on an attempt page: {page.url}"
    return int(match.group(1))


def questions_of(live_server, page):
    """[(slot id, snapshot)] of the attempt open in the page, in page order."""
    attempt_id = attempt_id_of(page)
    return live_server.query(lambda: seed.attempt_slots(attempt_id))


def question_group(page, number):
    return page.get_by_role("group", name=f"Soal {number}", exact=True)


def right_controls(group, snapshot):
    """[(control, what to do with it)] that give the fully right answer to one question:
    ("check", None), ("fill", text) or ("select", option label)."""
    right = correct_response(snapshot)
    labels = {o["key"]: plain(o["text_html"]) for o in snapshot.get("options", [])}
    if "choice" in right:
        return [(group.get_by_role("radio", name=labels[right["choice"]], exact=True),
                 ("check", None))]
    if "choices" in right:
        return [(group.get_by_role("checkbox", name=labels[key], exact=True), ("check", None))
                for key in right["choices"]]
    if "text" in right:
        return [(group.get_by_label("Jawaban Anda"), ("fill", right["text"]))]
    choices = {c["key"]: c["text"] for c in snapshot.get("choices", [])}
    return [(group.get_by_label(plain(sub["text_html"]), exact=True),
             ("select", choices[right["pairs"][sub["key"]]]))
            for sub in snapshot.get("subquestions", [])]


def answer_question(group, snapshot):
    """Give the fully right answer to one question, by labels and mouse clicks."""
    for control, (action, value) in right_controls(group, snapshot):
        if action == "check":
            control.check()
        elif action == "fill":
            control.fill(value)
        else:
            control.select_option(label=value)


def expect_answered(group, snapshot):
    """The question shows the fully right answer (e.g. after a reload: it was saved)."""
    for control, (action, value) in right_controls(group, snapshot):
        if action == "check":
            expect(control).to_be_checked()
        elif action == "fill":
            expect(control).to_have_value(value)
        else:
            expect(control.locator("option:checked")).to_have_text(value)


def answer_all(page, questions, start=1):
    """Answer questions[start-1:] (numbered as on the page)."""
    for number, (_slot_id, snapshot) in enumerate(questions, start=1):
        if number >= start and snapshot["type"] != "description":
            answer_question(question_group(page, number), snapshot)


# --- keyboard only ---------------------------------------------------------------------------

FOCUSED = """() => {
  const e = document.activeElement;
  return {tag: e.tagName, type: e.type || "", name: e.name || "", value: e.value || "",
          checked: !!e.checked, text: (e.textContent || "").trim()};
}"""


def keyboard_targets(questions):
    """{field name: wanted value} for every input of the attempt (checkboxes: a set)."""
    targets = {}
    for slot_id, snapshot in questions:
        right, name = correct_response(snapshot), f"s{slot_id}"
        if "choice" in right:
            targets[name] = right["choice"]
        elif "choices" in right:
            targets[name] = set(right["choices"])
        elif "text" in right:
            targets[name] = right["text"]
        elif "pairs" in right:
            targets.update({f"{name}-{sub}": key for sub, key in right["pairs"].items()})
    return targets


def _focused(page):
    return page.evaluate(FOCUSED)


def _press_until(page, key, wanted, limit=30):
    """Press `key` until the focused control's value is `wanted` (radio groups, selects)."""
    for _ in range(limit):
        if _focused(page)["value"] == wanted:
            return
        page.keyboard.press(key)
    raise AssertionError(f"{key} never reached {wanted!r}")


def _operate(page, focused, wanted):
    kind = focused["type"]
    if kind == "radio":
        _press_until(page, "ArrowDown", wanted)
        if not _focused(page)["checked"]:
            page.keyboard.press("Space")  # the first option is focused, not yet chosen
    elif kind == "checkbox":
        if (focused["value"] in wanted) != focused["checked"]:
            page.keyboard.press("Space")
    elif focused["tag"] == "SELECT":
        _press_until(page, "ArrowDown", wanted)
    elif kind == "text" and not focused["value"]:
        page.keyboard.type(wanted)


def answer_and_submit_with_keyboard(page, questions):
    """Tab through the page answering each control, press Enter on "Periksa dan kirim", then
    on the summary page Tab to "Kirim sekarang" and press Enter. Returns how many keys were
    pressed to move around (Tab) on the question page."""
    targets = keyboard_targets(questions)
    for presses in range(1, MAX_TAB_PRESSES + 1):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if focused["tag"] == "BUTTON" and focused["text"] == "Periksa dan kirim":
            page.keyboard.press("Enter")
            page.get_by_role("heading", name="Periksa sebelum mengirim").wait_for()
            _tab_to_button_and_press(page, "Kirim sekarang")
            return presses
        if focused["name"] in targets:
            _operate(page, focused, targets[focused["name"]])
    raise AssertionError("Tab never reached the submit button")


def _tab_to_button_and_press(page, text):
    for _ in range(MAX_TAB_PRESSES):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if focused["tag"] == "BUTTON" and focused["text"] == text:
            page.keyboard.press("Enter")
            return
    raise AssertionError(f"Tab never reached {text!r}")


def check_and_submit(page):
    """"Periksa dan kirim", then "Kirim sekarang" on the summary page, as a learner does."""
    page.get_by_role("button", name="Periksa dan kirim").click()
    page.get_by_role("heading", name="Periksa sebelum mengirim").wait_for()
    page.get_by_role("button", name="Kirim sekarang").click()
