"""Numbers, dates and one-line text from hostile input: one rule for every form field and query
parameter (app/forms.py), each refusal a clear Indonesian message, never a 500.

- a whole number is typed with 0-9, at most 12 digits: "１００" (full-width), "١٠٠" and "1_000",
  which Python's int() reads as 100 and 1000, are refused, not silently taken;
- a date lies between 01-01-2000 and 31-12-2099 (0001-01-01 and 9999-12-31 broke filters);
- one-line text fields refuse line breaks (a workshop title broke its .ics download), and the
  .ics export folds them anyway for sessions saved before;
- an id in a path is 0-9 and fits an INTEGER column, else 404.
The fuzzer (tests/security/test_fuzz_forms.py) keeps the whole class closed for every form.
"""

import inspect
import re
from datetime import date
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from wtforms import DateField, DateTimeLocalField, DecimalField, IntegerField, SelectField

import app as app_package
from app.auth.models import User
from app.extensions import db
from app.forms import (
    LARGEST_ID,
    CalendarDateField,
    CalendarDateTimeField,
    DecimalNumberField,
    KompetenForm,
    WholeNumberField,
    number_text_problem,
    whole_number,
    whole_number_arg,
    whole_numbers,
)
from app.settings import get_setting
from app.workshops.models import WorkshopSession
from tests.conftest import csrf_token
from tests.workshops.conftest import (  # noqa: F401 (people is a fixture)
    ADMIN,
    TRAINER,
    browser,
    field_errors,
    people,
    post_form,
    session_form,
)
from tests.workshops.helpers import make_session

FULL_WIDTH = "Tulis angka dengan digit 0-9 biasa; angka lebar penuh atau angka non-Latin"
TOO_LONG = "Angka terlalu panjang: paling banyak 12 digit."
DATE_RANGE = "Tanggal harus antara 1 Januari 2000 dan 31 Desember 2099."
ONE_LINE = "Tidak boleh berisi baris baru: tulis dalam satu baris."


# --- the rule itself ------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("20", 20), (" 7 ", 7), ("-3", -3), ("+4", 4), ("0", 0), ("9" * 12, 10**12 - 1),
])
def test_plain_whole_numbers_are_read(text, expected):
    assert whole_number(text) == expected


@pytest.mark.parametrize("text", ["１００", "١٠٠", "۱۲", "1_000", "9" * 13, "9" * 400, "1e3",
                                  "3.5", "", " ", "0x1F", None, "٢٠٢٦"])
def test_anything_else_is_not_a_whole_number(text):
    with pytest.raises(ValueError):
        whole_number(text)


def test_ticked_ids_are_only_those_a_row_can_have():
    assert whole_numbers(["7", str(LARGEST_ID), str(LARGEST_ID + 1), "9" * 12, "x", "-3",
                          "-" + "9" * 11]) == {7, LARGEST_ID}


def test_the_messages_name_the_rule(app):
    with app.test_request_context():
        assert str(number_text_problem("１００")).startswith(FULL_WIDTH)
        assert str(number_text_problem("9" * 400)) == TOO_LONG
        assert number_text_problem("20") is None and number_text_problem("abc") is None


def test_query_arguments_fall_back_to_the_default():
    args = {"halaman": "9" * 400, "page": "２", "ok": "3"}
    assert whole_number_arg(args, "halaman", 1) == 1
    assert whole_number_arg(args, "page", 1) == 1
    assert whole_number_arg(args, "ok", 1) == 3
    assert whole_number_arg(args, "missing") is None


def _form_classes():
    """Every form class of the application (imported through its views)."""
    seen, queue = set(), [KompetenForm]
    while queue:
        for sub in queue.pop().__subclasses__():
            if sub not in seen:
                seen.add(sub)
                queue.append(sub)
    return seen


def test_every_number_and_date_field_follows_the_rule(app):
    """A new IntegerField, DecimalField, DateField or `coerce=int` would bring the class back."""
    plain = {IntegerField: WholeNumberField, DecimalField: DecimalNumberField,
             DateField: CalendarDateField, DateTimeLocalField: CalendarDateTimeField}
    wrong = []
    forms = _form_classes()
    assert len(forms) > 20
    for form in forms:
        for name, unbound in inspect.getmembers(form):
            field_class = getattr(unbound, "field_class", None)
            if field_class is None:
                continue
            for base, ours in plain.items():
                if issubclass(field_class, base) and not issubclass(field_class, ours):
                    wrong.append(f"{form.__name__}.{name}: {field_class.__name__}")
            if issubclass(field_class, SelectField) and unbound.kwargs.get("coerce") is int:
                wrong.append(f"{form.__name__}.{name}: coerce=int (use whole_number)")
    assert wrong == []


def test_no_view_reads_a_number_with_type_int():
    """request.args.get(..., type=int) takes "１００" and 400-digit numbers: whole_number_arg."""
    root = Path(app_package.__file__).parent
    found = [f"{path.relative_to(root)}:{number}"
             for path in root.rglob("*.py")
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if re.search(r"request\.\w+\.get\(.*type=int\b|int\(request\.", line)]
    assert found == []


# --- forms ---------------------------------------------------------------------------------------

@pytest.fixture
def trainer(app, people):  # noqa: F811
    return browser(app, TRAINER)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("capacity", "１００", FULL_WIDTH),
    ("capacity", "9" * 400, TOO_LONG),
    ("jp", "-" + "9" * 400, TOO_LONG),
    ("starts_at", "0001-01-01T09:00", DATE_RANGE),
    ("ends_at", "9999-12-31T23:59", DATE_RANGE),
    ("starts_at", "２０３０-０１-０１T09:00", FULL_WIDTH),
    ("title", "Workshop SRIKANDI\r\nBEGIN:VEVENT", ONE_LINE),
    ("place", "Aula\nBKPSDM", ONE_LINE),
])
def test_the_workshop_form_refuses_with_a_message_on_the_field(trainer, field, value, message):
    before = db.session.scalar(select(func.count(WorkshopSession.id)))
    response = post_form(trainer, "/pengajar/sesi/baru", session_form(**{field: value}))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert any(error.startswith(message) for error in field_errors(page, field)), (
        field_errors(page, field))
    assert db.session.scalar(select(func.count(WorkshopSession.id))) == before


def test_a_session_saved_with_a_line_break_still_downloads_as_ics(app, people):  # noqa: F811
    """Saved before the form refused it (or by a script): the .ics folds it, never a 500."""
    session = make_session(people.trainer, title="Workshop\r\nSRIKANDI\u2028hari 1")
    session.place, session.provider = "Aula\nBKPSDM", "BKPSDM\r\nKota Palu"
    db.session.commit()
    response = browser(app).get(f"/agenda/{session.id}.ics")
    assert response.status_code == 200, response.status_code
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["X-WR-CALNAME"]) == "Workshop SRIKANDI hari 1"
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Workshop SRIKANDI hari 1"
    assert str(event["LOCATION"]) == "Aula BKPSDM"
    assert str(event["DESCRIPTION"]).startswith("BKPSDM Kota Palu · 4 JP")
    assert b"BEGIN:VEVENT" in response.data and response.data.count(b"BEGIN:VEVENT") == 1


@pytest.fixture
def admin(app, people):  # noqa: F811
    return browser(app, ADMIN)


SETTINGS = {"jp_target_pns": "20", "jp_target_pppk": "20", "jp_minutes": "45",
            "self_registration": "y", "upload_max_kb": "2048", "quiz_grace_seconds": "60",
            "workshop_checkin_before": "15", "workshop_checkin_after": "30",
            "workshop_link_before": "30", "item_analysis_min_attempts": "5",
            "discussion_edit_minutes": "30"}


@pytest.mark.parametrize(("value", "message"), [("２５", FULL_WIDTH), ("9" * 400, TOO_LONG),
                                                ("25_0", "Not a valid integer")])
def test_settings_refuse_odd_digits_and_keep_the_saved_value(admin, value, message):
    before = get_setting("jp_target.pns")
    response = post_form(admin, "/admin/pengaturan", dict(SETTINGS, jp_target_pns=value))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    errors = field_errors(page, "jp_target_pns")
    assert errors and (errors[0].startswith(message) or "bilangan bulat" in errors[0]), errors
    db.session.expire_all()
    assert get_setting("jp_target.pns") == before


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "２０２６-０１-０１"])
def test_audit_filter_dates_get_a_message_not_a_500(admin, day):
    response = admin.get("/admin/audit", query_string={"dari": day, "sampai": day})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert DATE_RANGE in page or FULL_WIDTH in page


def test_a_jp_credit_dated_year_one_is_refused(admin):
    users = db.session.scalar(select(func.count(User.id)))
    page = admin.get("/admin/laporan/jp/kredit").get_data(as_text=True)
    response = admin.post("/admin/laporan/jp/kredit", data={
        "csrf_token": csrf_token(page), "nip": "199105052019031007", "earned_on": "0001-01-01",
        "jp": "２", "title": "Webinar", "provider": "", "note": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert DATE_RANGE in page and FULL_WIDTH in page
    assert db.session.scalar(select(func.count(User.id))) == users


@pytest.mark.parametrize("halaman", ["9" * 400, "-" + "9" * 400, "１", "0"])
def test_page_numbers_in_the_address_fall_back_to_the_first_page(admin, halaman):
    for url in ("/admin/pengguna", "/admin/audit", "/admin/laporan/jp"):
        name = "page" if url == "/admin/laporan/jp" else "halaman"
        response = admin.get(url, query_string={name: halaman})
        assert response.status_code == 200, (url, response.status_code)


@pytest.mark.parametrize("session_id", ["９", "9" * 400, str(2**31), str(2**63)])
def test_an_id_that_no_column_holds_is_404(app, people, session_id):  # noqa: F811
    make_session(people.trainer)
    db.session.commit()
    assert browser(app).get(f"/agenda/{session_id}").status_code == 404
    assert browser(app).get(f"/agenda/{session_id}.ics").status_code == 404


def test_an_ordinary_id_still_opens(app, people):  # noqa: F811
    session = make_session(people.trainer)
    db.session.commit()
    assert browser(app).get(f"/agenda/{session.id}").status_code == 200
    assert date(2000, 1, 1) <= session.starts_at.date() <= date(2099, 12, 31)
