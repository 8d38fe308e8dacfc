"""Steps of the learner journey shared by the browser tests (JS on, JS off, keyboard)."""

import re

from playwright.sync_api import expect

from tests.browser import site as seed
from tests.browser.conftest import open_menu

COURSE_TITLE = "Layanan Administrasi Kependudukan Digital dan IKD"


def register(page, person, typed_nip):
    """Create an account through the registration form (the NIP as the person types it)."""
    page.goto("/")
    open_menu(page)
    page.get_by_role("navigation").get_by_role("link", name="Daftar", exact=True).click()
    form = page.get_by_role("main")
    form.get_by_label("NIP", exact=True).fill(typed_nip)
    form.get_by_label("Nama lengkap").fill(person.name)
    form.get_by_label("Email (opsional)").fill("andi@palukota.go.id")
    form.get_by_label("Perangkat daerah (OPD)").select_option(
        label="Dinas Komunikasi dan Informatika")
    form.get_by_label("Jenis jabatan").select_option(label="Fungsional")
    form.get_by_label("Nama jabatan").fill("Pranata Komputer Ahli Pertama")
    form.get_by_label("Golongan").select_option(label="III/a — Penata Muda")
    form.get_by_label("Kata sandi", exact=True).fill(person.password)
    form.get_by_label("Ulangi kata sandi").fill(person.password)
    form.get_by_role("button", name="Buat akun").click()


def expect_jp(page, earned, target=20):
    """The dashboard's yearly JP figure."""
    jp = page.locator("#jp-heading + .big-number")
    expect(jp).to_have_text(f"{earned} / {target} JP")


def enrol_and_read_every_module(page, total):
    """Open the course, enrol, and read the modules in order, checking the visible progress."""
    open_menu(page)
    page.get_by_role("link", name="Katalog", exact=True).click()
    page.get_by_role("link", name=COURSE_TITLE).click()
    page.get_by_role("button", name="Daftar ke kursus ini").click()
    for number in range(1, total + 1):
        expect(page.locator(".breadcrumb")).to_contain_text(f"Modul {number} dari {total}")
        percent = round(100 * (number - 1) / total)
        expect(page.get_by_role("progressbar", name="Kemajuan kursus")).to_have_attribute(
            "value", str(percent))
        expect(page.locator(".progress-text")).to_have_text(f"{percent}%")
        page.get_by_role("button", name="Tandai selesai dan lanjutkan").click()
    # Every module read, the final quiz still to pass: the course is not complete yet, so the
    # bar is not full (what is left counts as one more step) and the page says what is left.
    expect(page.locator(".progress-text")).to_have_text(f"{round(100 * total / (total + 1))}%")
    expect(page.get_by_role("main")).to_contain_text(
        f"{total} dari {total} modul dibaca — kuis wajib belum lulus")


def start_final_quiz(page):
    """From the course page: open the final quiz and start an attempt."""
    page.get_by_role("link", name=f"Kuis Akhir {seed.JOURNEY_COURSE.upper()}").click()
    page.get_by_role("button", name="Mulai mengerjakan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kuis Akhir DUK-201")


def expect_passed_with_full_marks(page):
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"Hasil percobaan ke-1"))
    expect(page.locator(".big-number strong")).to_have_text(re.compile(r"^100([.,]0)?%$"))
    expect(page.get_by_role("main")).to_contain_text("Lulus.")
