"""A course's gradebook (/pengajar/kursus/<slug>/nilai): learners × quizzes, read as a trainer
reads it, with the CSV and the XLSX compared cell by cell with the page."""

import csv
import io

import pytest
from openpyxl import load_workbook

from app.auth.nip import format_nip
from app.extensions import db
from tests.authoring.test_learners import (
    ALL_RIGHT,
    add_learners,
    agency,
    signed_in,
    tables,
    take,
)
from tests.quizzes import attempts_helpers as h

URL = "/pengajar/kursus/spbe-101/nilai"


def gradebook_rows(html):
    caption = next(c for c in tables(html) if c.startswith("Buku nilai"))
    header, *rows = tables(html)[caption]
    return header, {row[1]: row for row in rows}


def csv_rows(response):
    assert response.status_code == 200
    text = response.get_data(as_text=True).removeprefix("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    return header, {row[1]: row for row in rows}


def test_the_gradebook_shows_grade_attempts_and_standing_per_quiz(app, cohort, trainer):
    header, rows = gradebook_rows(h.page(trainer, URL))
    assert header == ["NIP", "Nama", "OPD",
                      "Kuis A: nilai (nilai tertinggi)", "Kuis A: percobaan",
                      "Kuis A: status (lulus 70%)",
                      "Latihan Esai: nilai (nilai tertinggi)", "Latihan Esai: percobaan",
                      "Latihan Esai: status", "Tulisan di diskusi", "Kursus selesai"]
    andi = rows["Andi Lasama"]
    assert andi[:9] == [format_nip(cohort["andi"].nip), "Andi Lasama",
                        "Dinas Komunikasi dan Informatika", "100,0", "1", "Lulus",
                        "–", "0", "Belum mengerjakan"]
    # Budi tried twice: 12.5 % then 50 %; the quiz counts the highest.
    assert rows["Budi Tombolotutu"][3:9] == ["50,0", "2", "Belum lulus", "–", "0",
                                             "Belum mengerjakan"]
    assert rows["Citra Lamakarate"][6:9] == ["–", "1", "Menunggu penilaian esai"]
    assert rows["Dewi Sartika"][3:6] == ["–", "1", "Sedang mengerjakan"]
    assert rows["Fajar Lamaseng"][3:6] == ["–", "0", "Belum mengerjakan"]
    assert rows["Andi Lasama"][9] == "0"  # posts in the course's discussion
    assert rows["Andi Lasama"][10] != "–" and rows["Budi Tombolotutu"][10] == "–"


def test_the_grading_method_decides_the_grade(app, cohort, trainer, quizzes):
    quizzes["choice"].grading_method = "last"
    db.session.commit()
    header, rows = gradebook_rows(h.page(trainer, URL))
    assert "Kuis A: nilai (percobaan terakhir)" in header
    assert rows["Budi Tombolotutu"][3] == "50,0"
    quizzes["choice"].grading_method = "first"
    db.session.commit()
    _header, rows = gradebook_rows(h.page(trainer, URL))
    assert rows["Budi Tombolotutu"][3] == "12,5"


def test_csv_and_xlsx_hold_what_the_page_shows(app, cohort, trainer):
    header, page = gradebook_rows(h.page(trainer, URL))
    csv_header, from_csv = csv_rows(trainer.get(URL + "?format=csv"))
    assert csv_header == header
    for name, row in page.items():
        expected = [cell if cell != "–" else "" for cell in row]
        expected[-1] = from_csv[name][-1]  # dates: "5 Desember 2026" on screen, ISO in files
        assert from_csv[name] == expected, name
    workbook = load_workbook(io.BytesIO(trainer.get(URL + "?format=xlsx").get_data()))
    sheet_rows = list(workbook.active.iter_rows(values_only=True))
    assert list(sheet_rows[0]) == header
    budi = next(row for row in sheet_rows if row[1] == "Budi Tombolotutu")
    assert budi[3:6] == (50.0, 2, "Belum lulus")
    plain = trainer.get(URL + "?format=csv-plain").get_data(as_text=True)
    assert ",50.0,2,Belum lulus," in plain and not plain.startswith("\ufeff")


def test_the_opd_filter_applies_to_page_and_files(app, cohort, trainer):
    opd = agency("DISKOMINFO").id
    _header, rows = gradebook_rows(h.page(trainer, f"{URL}?opd={opd}"))
    assert sorted(rows) == ["Andi Lasama", "Budi Tombolotutu"]
    _header, from_csv = csv_rows(trainer.get(f"{URL}?opd={opd}&format=csv"))
    assert sorted(from_csv) == ["Andi Lasama", "Budi Tombolotutu"]


@pytest.mark.parametrize("query", ["?format=pdf", "?opd=abc", "?halaman=-3", "?opd=999999",
                                   "?format=%00", "?halaman=99999999999999999999"])
def test_bad_query_arguments_show_the_page(cohort, trainer, query):
    response = trainer.get(URL + query)
    assert response.status_code == 200
    assert "Buku nilai" in response.get_data(as_text=True)


def test_a_big_xlsx_is_refused_with_a_reason_and_the_csv_streams(app, cohort, trainer):
    app.config["EXPORT_INLINE_MAX_ROWS"] = 3
    response = trainer.get(URL + "?format=xlsx", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "paling banyak 3 peserta (saringan ini: 5)" in html
    assert response.request.path == URL
    streamed = trainer.get(URL + "?format=csv")
    assert streamed.is_streamed and len(csv_rows(streamed)[1]) == 5


def test_a_download_of_many_learners_reads_them_in_batches(app, create_user, quizzes, trainer,
                                                          monkeypatch):
    from app.authoring import gradebook

    monkeypatch.setattr(gradebook, "BATCH", 4)
    add_learners(create_user, quizzes, 1, 11)
    _header, rows = csv_rows(trainer.get(URL + "?format=csv"))
    assert len(rows) == 11 and rows["Peserta 07"][3:6] == ["100,0", "2", "Lulus"]
    assert "Buku nilai" in h.page(trainer, "/pengajar/kursus/spbe-101")  # still signed in


@pytest.mark.parametrize("roles, owner, status", [
    (("learner",), False, 403), (("trainer",), False, 404), (("trainer",), True, 200),
    (("admin",), False, 200)])
def test_only_the_course_trainers_and_admins_see_it(app, create_user, quizzes, roles, owner,
                                                   status):
    client = signed_in(app, create_user, roles=roles, owner=owner)
    assert client.get(URL).status_code == status
    assert client.get(URL + "?format=csv").status_code == status


def test_the_query_count_does_not_grow_with_learners(create_user, quizzes, trainer, queries):
    def measure():
        db.session.expire_all()
        with queries() as count:
            assert trainer.get(URL).status_code == 200
        return count()

    add_learners(create_user, quizzes, 1, 2)
    before = measure()
    add_learners(create_user, quizzes, 3, 10)
    assert measure() == before
    assert before <= 12


def test_a_learner_taking_a_quiz_shows_up_at_once(app, cohort, trainer, quizzes):
    take(cohort["fajar"], quizzes["choice"], ALL_RIGHT)
    _header, rows = gradebook_rows(h.page(trainer, URL))
    assert rows["Fajar Lamaseng"][3:6] == ["100,0", "1", "Lulus"]
