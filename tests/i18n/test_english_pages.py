"""English from end to end: page text, form labels (lazy_gettext in the form classes), our own
form errors, WTForms' built-in messages, flash messages and error pages. The same steps in
Indonesian show the Indonesian text, so the switch and not a leftover is what changes them."""

import pytest

from tests.auth.helpers import field_errors, registration_data
from tests.conftest import csrf_token
from tests.i18n.helpers import ENGLISH, INDONESIAN, choose_language, flashes, login, page

LABELS = {
    "en": ["NIP or email", "Password", "Remember me on this device", "Log in to Kompeten"],
    "id": ["NIP atau email", "Kata sandi", "Ingat saya di perangkat ini", "Masuk ke Kompeten"],
}
REGISTRATION = {
    "en": {"labels": ["Full name", "Regional agency (OPD)", "Position type", "Repeat the password"],
           "required": "Required.", "choice": "Not a valid choice.",
           "too_long": "Field cannot be longer than 200 characters.",
           "mismatch": "The two passwords do not match."},
    "id": {"labels": ["Nama lengkap", "Perangkat daerah (OPD)", "Jenis jabatan",
                      "Ulangi kata sandi"],
           "required": "Wajib diisi.", "choice": "Pilihan tidak valid.",
           "too_long": "Isian tidak boleh lebih dari 200 karakter.",
           "mismatch": "Kedua kata sandi tidak sama."},
}
HEADERS = {"en": ENGLISH, "id": INDONESIAN}


@pytest.mark.parametrize("language", ["en", "id"])
def test_login_form_labels(client, language):
    markup = page(client, "/masuk", HEADERS[language])
    for label in LABELS[language]:
        assert label in markup
    for label in LABELS["id" if language == "en" else "en"]:
        assert label not in markup


@pytest.mark.parametrize("language", ["en", "id"])
def test_registration_labels_and_every_kind_of_error_message(client, agencies, language):
    expected = REGISTRATION[language]
    markup = page(client, "/daftar", HEADERS[language])
    for label in expected["labels"]:
        assert label in markup
    data = registration_data(name="", jabatan_type="bukan-jabatan", jabatan_title="x" * 201,
                             password_confirm="lain-sama-sekali-2026")
    response = client.post("/daftar", headers=HEADERS[language],
                           data=dict(data, csrf_token=csrf_token(markup)))
    shown = response.get_data(as_text=True)
    assert field_errors(shown, "name") == [expected["required"]]  # our own message
    assert field_errors(shown, "jabatan_type") == [expected["choice"]]  # WTForms' own
    assert field_errors(shown, "jabatan_title") == [expected["too_long"]]  # WTForms, plural
    assert field_errors(shown, "password_confirm") == [expected["mismatch"]]


def test_flash_messages_follow_the_language(client, create_user):
    user = create_user(name="Nurhayati Lamasitudju")
    markup = page(client, "/beranda", ENGLISH)  # sent to /masuk with the login_required message
    assert "Please log in first to open this page." in flashes(markup)
    choose_language(client, "en")
    assert "Welcome, Nurhayati Lamasitudju." in flashes(login(client, user.nip))
    token = csrf_token(page(client, "/beranda"))
    logged_out = client.post("/keluar", data={"csrf_token": token}, follow_redirects=True)
    assert "You have logged out." in flashes(logged_out.get_data(as_text=True))


def test_a_wrong_password_is_explained_in_english(client, create_user):
    user = create_user()
    token = csrf_token(page(client, "/masuk", ENGLISH))
    response = client.post("/masuk", headers=ENGLISH, data={
        "identifier": user.nip, "password": "salah-sekali", "csrf_token": token})
    assert field_errors(response.get_data(as_text=True), "password") == [
        "Wrong NIP/email or password."]


def test_error_pages_speak_english(client):
    response = client.get("/tidak-ada-halaman-ini", headers=ENGLISH)
    assert response.status_code == 404
    markup = response.get_data(as_text=True)
    assert "Page not found" in markup and '<html lang="en"' in markup


def test_course_pages_of_a_learner_in_english(client, courses, create_user):
    user = create_user()
    choose_language(client, "en")
    login(client, user.nip)
    catalogue = page(client, "/")
    assert "Course catalog" in catalogue and "7 courses" in catalogue
    assert "Competency development courses for civil servants" in catalogue
    course = page(client, "/kursus/spbe-101")
    assert "Enroll in this course" in course and "Estimated learning time" in course
    assert "Technical" in course and "5 modules" in course  # lazy labels, plural forms
    dashboard = page(client, "/beranda")
    assert "Hello, " in dashboard and "JP against target" in dashboard
    assert ">Certificates</a>" in dashboard
