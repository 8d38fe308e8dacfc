"""Attended sessions in the JP ledger (admin reports, exports, the learner's pages) and their
certificates through the same machinery as courses (eligible = attended)."""

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pypdf
import pytest

from app.certificates import services as certificates
from app.certificates.document import SESSION_KIND, indonesian_date
from app.certificates.pdf import held_on_phrase, render_certificate
from app.courses.services import jp_earned
from app.extensions import db
from app.reports import queries as reports
from app.settings import set_setting
from app.timeutil import PALU_TZ, current_year, now_in_palu
from app.workshops import services
from tests.certificates.test_pdf import DOCUMENT
from tests.reports.parsing import csv_table, html_table
from tests.workshops.conftest import ANDI, BUDI, browser, flashes, post_form, text
from tests.workshops.helpers import attend, make_session, registration

YEAR = current_year()


def ledger_row(admin_client, nip, year=YEAR):
    rows = html_table(text(admin_client.get(f"/admin/laporan/jp?year={year}")),
                      f"tabel-jp-{year}")
    assert rows[0][4:8] == ["JP kursus", "JP kredit manual", "JP workshop/webinar", "Jumlah JP"]
    return next(r for r in rows if r[0].replace(" ", "") == nip)


@pytest.fixture
def attended(people):
    """Andi attended a 4 JP workshop two days ago, 09.00-12.00 WITA (within one WITA day
    whatever the hour the test runs; "two days ago from now" crossed midnight WITA in the
    evening, and the certificate then named two dates); Budi registered but did not come."""
    morning = datetime.combine(now_in_palu().date() - timedelta(days=2), time(9), PALU_TZ)
    session = make_session(people.trainer, starts_in=morning - datetime.now(UTC), jp=4,
                           title="Workshop Aplikasi SRIKANDI")
    attend(session, people.andi)
    services.register_learner(make_session(people.trainer, title="Webinar nanti", jp=6),
                              people.budi)
    db.session.commit()
    return session


def test_attended_jp_reach_the_ledger_reports_and_exports(app, people, attended):
    admin = browser(app, people.admin.nip)
    row = ledger_row(admin, ANDI)
    assert row[4:9] == ["0", "0", "4", "4", "20"]
    assert ledger_row(admin, BUDI)[4:8] == ["0", "0", "0", "0"]  # registered is not attended
    exported = csv_table(admin.get(f"/admin/laporan/jp?year={YEAR}&format=csv").data)
    assert next(r for r in exported if r[0].replace(" ", "") == ANDI)[4:8] == ["0", "0", "4", "4"]
    opd = html_table(text(admin.get(f"/admin/laporan/opd?year={YEAR}")),
                     f"tabel-ringkasan-opd-{YEAR}")
    diskominfo = next(r for r in opd if r[0] == "Dinas Komunikasi dan Informatika")
    assert diskominfo[1:] == ["2", "0", "2", "0,0", "2,0"]  # Andi 4 JP, Budi (a unit) 0
    history = html_table(text(admin.get(f"/admin/laporan/riwayat?nip={ANDI}&year={YEAR}")),
                         f"tabel-riwayat-{ANDI}-{YEAR}")
    assert [(r[0], r[2], r[7]) for r in history[1:]] == [
        ("Workshop/webinar Kompeten", "Workshop Aplikasi SRIKANDI", "4")]
    assert "<dt>JP workshop/webinar</dt><dd>4</dd>" in text(
        admin.get(f"/admin/laporan/riwayat?nip={ANDI}&year={YEAR}"))


def test_the_learner_sees_them_on_the_dashboard_and_my_jp(app, people, attended):
    andi = browser(app, ANDI)
    dashboard = text(andi.get("/beranda"))
    assert "<strong>4</strong> / 20 JP" in dashboard
    mine = text(andi.get(f"/jp-saya?year={YEAR}"))
    assert "<dt>Dari workshop dan webinar yang Anda hadiri</dt><dd>4 JP</dd>" in mine
    assert "Workshop Aplikasi SRIKANDI" in mine
    assert jp_earned(people.andi, YEAR) == 4 == reports.user_jp(people.andi, YEAR).total
    budi_dashboard = text(browser(app, BUDI).get("/beranda"))
    assert "<strong>0</strong> / 20 JP" in budi_dashboard
    assert "Webinar nanti" in budi_dashboard  # the coming session, on the dashboard


def test_a_session_counts_in_the_wita_year_it_starts(people):
    """31 Dec 23.30 WITA is still the old year, though already 15.30 UTC that day."""
    session = make_session(people.trainer, starts_in=timedelta(days=1))
    session.starts_at = datetime(2025, 12, 31, 15, 30, tzinfo=UTC)
    session.ends_at = datetime(2025, 12, 31, 17, 30, tzinfo=UTC)  # 01.30 WITA on 1 January
    db.session.commit()
    attend(session, people.andi)
    assert (jp_earned(people.andi, 2025), jp_earned(people.andi, 2026)) == (4, 0)
    early = make_session(people.trainer, starts_in=timedelta(days=1), jp=2)
    early.starts_at = datetime(2025, 12, 31, 16, 0, tzinfo=UTC)  # 00.00 WITA, 1 January
    early.ends_at = datetime(2025, 12, 31, 18, 0, tzinfo=UTC)
    db.session.commit()
    attend(early, people.andi)
    assert (jp_earned(people.andi, 2025), jp_earned(people.andi, 2026)) == (4, 2)


def _pdf_text(data):
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_attended_learners_get_certificates_with_title_date_and_jp(app, people, attended):
    set_setting("certificate.signer_name", "Dr. Nurhayati")
    db.session.commit()
    services.register_learner(make_session(people.trainer), people.budi)
    db.session.commit()
    admin = browser(app, people.admin.nip)
    assert "Workshop Aplikasi SRIKANDI" in text(admin.get("/admin/sertifikat"))
    url = f"/admin/sertifikat/sesi/{attended.id}"
    page = text(admin.get(url))
    assert f'name="registration" value="{registration(attended, people.andi).id}"' in page
    assert "Terbitkan untuk semua (1)" in page  # Budi did not attend: not eligible
    page = text(post_form(admin, url, {"aksi": "semua"}))
    assert "1 dari 1 diterbitkan" in page  # the issuing job's page
    [certificate] = certificates.certificates_of(people.andi)
    assert (certificate.session_id, certificate.course_id, certificate.jp) == (attended.id, None,
                                                                                4)
    words = _pdf_text(certificate.pdf)
    assert "Workshop Aplikasi SRIKANDI" in words
    assert "telah mengikuti sebagai PESERTA kegiatan" in words
    assert "4 (empat) Jam Pelajaran" in words
    assert f"pada tanggal {indonesian_date(certificate.completed_on)}." in words
    assert "kode" not in words
    verify = text(browser(app).get(f"/verify/{certificate.verification_code}"))
    assert "<dt>Kegiatan</dt><dd>Workshop Aplikasi SRIKANDI</dd>" in verify
    assert "<dt>Jam pelajaran</dt><dd>4 JP</dd>" in verify
    assert "Tanggal pelaksanaan" in verify
    data = browser(app).get(f"/verify/{certificate.verification_code}.json").get_json()
    assert data["session"]["title"] == "Workshop Aplikasi SRIKANDI"
    assert data["session"]["last_day"] == certificate.completed_on.isoformat()
    # On the learner's session page: the download.
    assert "Unduh sertifikat (PDF)" in text(browser(app, ANDI).get(f"/agenda/{attended.id}"))


def test_no_certificate_without_attendance_and_revoke_reissue_return_to_the_session(
        app, people, attended):
    set_setting("certificate.signer_name", "Dr. Nurhayati")
    db.session.commit()
    with pytest.raises(certificates.CertificateError, match="belum tercatat hadir"):
        late = make_session(people.trainer)
        services.register_learner(late, people.budi)
        certificates.issue_session_certificate(registration(late, people.budi), None)
    db.session.rollback()
    issued = certificates.issue_session_certificate(registration(attended, people.andi), None)
    db.session.commit()
    with pytest.raises(certificates.CertificateError, match="untuk sesi ini"):
        certificates.issue_session_certificate(registration(attended, people.andi), None)
    db.session.rollback()
    admin = browser(app, people.admin.nip)
    revoked = post_form(admin, f"/admin/sertifikat/terbitan/{issued.id}/cabut",
                        {"reason": "Nama salah tulis", "public_reason": "kesalahan_data"},
                        follow=False)
    assert revoked.headers["Location"] == f"/admin/sertifikat/sesi/{attended.id}"
    page = text(admin.get(f"/admin/sertifikat/sesi/{attended.id}"))
    assert "Terbitkan untuk semua (1)" in page
    again = post_form(admin, f"/admin/sertifikat/sesi/{attended.id}", {},
                      action_url=f"/admin/sertifikat/terbitan/{issued.id}/terbitkan-ulang",
                      follow=False)
    assert again.headers["Location"] == f"/admin/sertifikat/sesi/{attended.id}"
    assert len(certificates.certificates_of(people.andi)) == 2


def test_a_certified_attendance_cannot_be_taken_away(app, people, attended):
    set_setting("certificate.signer_name", "Dr. Nurhayati")
    certificates.issue_session_certificate(registration(attended, people.andi), None)
    db.session.commit()
    trainer = browser(app, people.trainer.nip)
    url = f"/pengajar/sesi/{attended.id}"
    page = text(post_form(trainer, url, {"aksi": "pilihan"}, action_url=f"{url}/kehadiran"))
    assert ("Kehadiran Andi Pratama tetap tercatat: sertifikatnya sudah terbit. Minta admin "
            "mencabut sertifikat itu terlebih dahulu." in flashes(page, "error"))
    assert registration(attended, people.andi).attended_at is not None


def test_a_multi_day_session_prints_both_days():
    assert held_on_phrase(date(2026, 11, 3), date(2026, 11, 5)) == "3 s.d. 5 November 2026"
    assert held_on_phrase(date(2026, 11, 30), date(2026, 12, 1)) == \
        "30 November 2026 s.d. 1 Desember 2026"
    assert held_on_phrase(None, date(2026, 11, 5)) == "5 November 2026"
    document = replace(DOCUMENT, kind=SESSION_KIND, course_code="", mode="Klasikal",
                       started_on=date(2026, 11, 18), completed_on=date(2026, 11, 20))
    words = _pdf_text(render_certificate(document))
    assert "pada tanggal 18 s.d. 20 November 2026." in words
    assert "secara klasikal (tatap muka)" in words


def test_ticked_values_that_are_not_plain_ids_issue_nothing_for_a_session(app, people,
                                                                           attended):
    """A hand-made post of the session's issuing form: "²" (a digit to str.isdigit(), not to
    int()), 5,000 digits (more than int() converts) and the real id in Arabic-Indic digits are
    no ids; they once answered 500. With the real id among them, only that one is issued."""
    admin = browser(app, people.admin.nip)
    url = f"/admin/sertifikat/sesi/{attended.id}"
    real = registration(attended, people.andi).id
    junk = ["²", "1" * 5000, str(real).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))]
    refused = post_form(admin, url, {"aksi": "pilihan", "registration": junk})
    assert refused.status_code == 200
    assert flashes(text(refused), "error") == ["Pilih minimal satu peserta."]
    assert certificates.certificates_of(people.andi) == []
    page = text(post_form(admin, url, {"aksi": "pilihan", "registration": [*junk, str(real)]}))
    assert "1 dari 1 diterbitkan" in page
    [certificate] = certificates.certificates_of(people.andi)
    assert certificate.session_id == attended.id
