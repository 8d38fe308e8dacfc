"""Accessibility in the browser: axe-core on the main pages at phone and desktop width (with a
screenshot of each for people to look at), text at 200%, and form errors that are announced."""

import json

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser import site as seed
from tests.browser.conftest import DESKTOP, PHONE, artifact, open_menu

AXE = Axe()
BLOCKING = ("serious", "critical")
# axe runs only the rules whose findings can be serious or critical: a finding's impact is its
# rule's (checked by test_axe_runs_every_rule_that_can_block), so the others could never fail
# a test, and skipping them spares a fifth of each run (the page walk runs axe ~330 times).
# The impacts are read from the axe in the page, so a newer axe brings its own.
RESULT_KINDS = ("violations", "passes", "inapplicable", "incomplete")


def axe_run(result_types=("violations",), blocking_only=True):
    """The script that runs axe in the page with these result types (and, by default, only the
    rules that can block)."""
    options = f"resultTypes: {json.dumps(list(result_types))}"
    if blocking_only:
        options += (", rules: Object.fromEntries(axe._audit.rules"
                    f".filter(rule => !{json.dumps(BLOCKING)}.includes(rule.impact))"
                    ".map(rule => [rule.id, {enabled: false}]))")
    return f"axe.run({{{options}}})"


AXE_RUN = axe_run()
# The main pages: (name, who looks at it, address given the live server).
MAIN_PAGES = {
    "katalog": (seed.GRADUATE, lambda live: "/"),
    "modul": (seed.GRADUATE, lambda live: live.module_paths()[1]),
    "kuis": (seed.GRADUATE, lambda live: f"/percobaan/{live.site.open_attempt_id}"),
    "beranda": (seed.GRADUATE, lambda live: "/beranda"),
    "verifikasi-sertifikat": (None, lambda live: f"/verify/{live.site.certificate_code}"),
    "laporan-opd": (seed.ADMIN, lambda live: "/admin/laporan/opd"),
}
WIDTHS = {"ponsel": PHONE, "desktop": DESKTOP}

DOUBLE_TEXT = """() => {
  const root = document.documentElement;
  const before = parseFloat(getComputedStyle(document.querySelector("h1")).fontSize);
  root.style.fontSize = 2 * parseFloat(getComputedStyle(root).fontSize) + "px";
  return parseFloat(getComputedStyle(document.querySelector("h1")).fontSize) / before;
}"""
# Elements sticking out past the right edge of the window (what makes a page scroll sideways).
OVERFLOWING = """() => [...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
               && !e.closest(".table-scroll"))
  .slice(0, 5).map(e => e.tagName.toLowerCase() + "." + e.className + ": "
                   + (e.textContent || "").trim().slice(0, 40))"""


def blocking_violations(page, *, loaded=False):
    """axe-core's serious and critical findings, one readable line per rule. `loaded`: axe is
    in the page already (its context runs AXE.axe_script as an init script), which spares
    sending and parsing its 500 kB again for each check."""
    if not loaded:
        page.evaluate(AXE.axe_script)
    found = page.evaluate(AXE_RUN)["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} -> "
            f"{[n['target'] for n in v['nodes']][:5]}"
            for v in found if v["impact"] in BLOCKING]


def open_main_page(open_page, live_server, name, viewport):
    person, address = MAIN_PAGES[name]
    page = open_page(person, viewport=viewport)
    response = page.goto(address(live_server))
    assert response.status == 200, (name, response.status)
    return page


@pytest.mark.parametrize("name", MAIN_PAGES)
def test_main_page_has_no_serious_axe_violations_and_is_screenshotted(
        open_page, live_server, name):
    problems = []
    for width_name, viewport in WIDTHS.items():
        page = open_main_page(open_page, live_server, name, viewport)
        page.screenshot(path=artifact(f"{name}-{width_name}.jpg"), full_page=True, type="jpeg",
                        quality=80)
        problems += [f"{width_name}: {line}" for line in blocking_violations(page)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", MAIN_PAGES)
def test_text_at_200_percent_needs_no_sideways_scrolling_on_a_phone(
        open_page, live_server, name):
    page = open_main_page(open_page, live_server, name, PHONE)
    assert page.evaluate(DOUBLE_TEXT) == pytest.approx(2.0, rel=0.05)
    page.screenshot(path=artifact(f"{name}-ponsel-teks-200.jpg"), full_page=True, type="jpeg",
                    quality=80)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (width, page.evaluate(OVERFLOWING))


def test_form_errors_are_announced_and_tied_to_their_fields(open_page):
    page = open_page(viewport=PHONE)
    page.goto("/daftar")
    page.get_by_role("main").get_by_role("button", name="Buat akun").click()
    expect(page.get_by_role("alert")).to_contain_text("Periksa kembali isian")
    nip = page.get_by_label("NIP", exact=True)
    expect(nip).to_have_attribute("aria-invalid", "true")
    expect(nip).to_have_accessible_description("18 digit; boleh diketik dengan spasi, "
                                               "mis. 19860926 201505 1 001 Wajib diisi.")
    expect(page.get_by_label("Perangkat daerah (OPD)")).to_have_accessible_description(
        "Pilih OPD Anda.")
    assert blocking_violations(page) == []


def test_a_failed_sign_in_is_announced(open_page):
    page = open_page(viewport=PHONE)
    page.goto("/masuk")
    main = page.get_by_role("main")
    main.get_by_label("NIP atau email").fill(seed.GRADUATE.nip)
    main.get_by_label("Kata sandi", exact=True).fill("bukan-kata-sandinya")
    main.get_by_role("button", name="Masuk", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert blocking_violations(page) == []


def test_an_error_message_after_a_post_is_announced(open_page):
    page = open_page(seed.ADMIN)
    page.goto("/admin/sertifikat/kam-201")
    expect(page.get_by_label(f"Pilih {seed.WAITING.name}")).not_to_be_checked()
    page.get_by_role("button", name="Terbitkan untuk yang dipilih").click()
    expect(page.get_by_role("alert")).to_have_text("Pilih minimal satu peserta.")


def test_the_large_text_switch_keeps_the_module_page_within_a_phone_screen(
        open_page, live_server):
    page = open_page(seed.EDIT_READER, viewport=PHONE)  # the switch is kept on the account
    page.goto(live_server.module_paths()[1])
    heading = page.get_by_role("heading", level=1)
    before = heading.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    switch = page.get_by_role("button", name="Teks besar")
    open_menu(page)  # on a phone the switch is in the folded menu
    switch.click()
    open_menu(page)
    expect(switch).to_have_attribute("aria-pressed", "true")
    larger = heading.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    sticking_out = page.evaluate(OVERFLOWING)
    switch.click()  # back to normal for the other tests
    open_menu(page)
    expect(switch).to_have_attribute("aria-pressed", "false")
    assert larger > before * 1.2
    assert width <= PHONE["width"], (width, sticking_out)


# One finding of each impact: heading-order (moderate), a link without text (serious), an image
# without alt text (critical).
FINDINGS_PAGE = ('<!doctype html><html lang="id"><head><title>Uji</title></head><body><main>'
                 '<h1>Judul</h1><h4>Terlalu dalam</h4><a href="/x"></a><img src="/x.png">'
                 '</main></body></html>')


def test_axe_runs_every_rule_that_can_block(browser):
    """The premise of AXE_RUN: a finding's impact is the impact its rule declares, and every
    rule that declares serious or critical still runs."""
    page = browser.new_page()
    try:
        page.set_content(FINDINGS_PAGE)
        page.evaluate(AXE.axe_script)
        everything = page.evaluate(axe_run(blocking_only=False))["violations"]
        declared = dict(page.evaluate("axe._audit.rules.map(rule => [rule.id, rule.impact])"))
        assert {finding["id"]: finding["impact"] for finding in everything} == {
            "heading-order": "moderate", "link-name": "serious", "image-alt": "critical"}
        for finding in everything:
            assert {node["impact"] for node in finding["nodes"]} == {declared[finding["id"]]}
        blocking = blocking_violations(page, loaded=True)
        assert [line.split(" ")[0] for line in blocking] == ["image-alt", "link-name"]
        # Every rule a default run checks (found, passed, not applicable or unsure) and that
        # can block is checked by AXE_RUN too, and no other.
        default = page.evaluate(axe_run(RESULT_KINDS, blocking_only=False))
        ours = page.evaluate(axe_run(RESULT_KINDS))

        def checked(results):
            return {rule["id"] for kind in RESULT_KINDS for rule in results[kind]}

        assert checked(ours) == {rule for rule in checked(default) if declared[rule] in BLOCKING}
        assert len(checked(ours)) > 50
    finally:
        page.close()
