"""Bulk import of ASN from CSV: the admin pages (real forms, CSRF) and `flask users import`."""

import codecs
import csv
import html
import io
import os
import re
import stat
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from app.admin import people_import
from app.audit import AuditEvent
from app.auth.models import User
from app.auth.nip import PNS, PPPK
from app.auth.passwords import HANDOUT_ALPHABET, verify_password
from app.extensions import db
from tests.conftest import PASSWORD, csrf_token, submit

ADMIN_NIP = "197503121998032004"
LEARNER_NIP = "198703152010012002"
SITI_NIP = "198609262015051001"
RUDI_NIP = "200012312024211001"
ANDI_NIP = "199105052019031007"
HEADER = ["nip", "nama", "email", "kode_opd", "jenis_jabatan", "jabatan", "golongan",
          "jenis_pegawai", "peran"]
SITI = [SITI_NIP, "Siti Rahmawati", "siti@palukota.go.id", "BKPSDM", "Fungsional",
        "Analis SDM Aparatur Ahli Pertama", "III/a", "PNS", "peserta"]
RUDI = [RUDI_NIP, "Rudi Hartono", "", "DISKOMINFO", "pelaksana", "Pengelola Layanan", "V",
        "PPPK", "peserta;pengajar"]
IMPORT_URL = "/admin/pengguna/impor"


# --- helpers ----------------------------------------------------------------------------------

def csv_bytes(rows, header=HEADER, delimiter=",", bom=False, quoting=csv.QUOTE_MINIMAL):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quoting=quoting)
    writer.writerow(header)
    writer.writerows(rows)
    return (codecs.BOM_UTF8 if bom else b"") + out.getvalue().encode()


def csv_file(data, filename="asn.csv"):
    return FileStorage(io.BytesIO(data), filename=filename, content_type="text/csv")


def multipart(fields):
    """A multipart body built in memory: the test client would spool a large one to a temporary
    file it never closes (a ResourceWarning, which this suite turns into an error)."""
    body, _length, boundary = stream_encode_multipart(fields, use_tempfile=False)
    return {"data": body.getvalue(), "content_type": f"multipart/form-data; boundary={boundary}"}


def upload(client, data, filename="asn.csv"):
    """Open the import page like a browser and upload the file; the preview page (text)."""
    token = csrf_token(client.get(IMPORT_URL).get_data(as_text=True))
    response = client.post(IMPORT_URL, **multipart({"csrf_token": token,
                                                    "file": csv_file(data, filename)}))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def import_token(page):
    match = re.search(r'name="token"[^>]*value="([^"]+)"', page)
    return match.group(1) if match else None


PASSWORDS_LINK = re.compile(r'href="(/admin/pengguna/impor/kata-sandi/[^"]+)"')


def confirm(client, page, follow_redirects=False):
    """Press "Konfirmasi impor". When the summary page offers the temporary passwords, follow
    its link as the admin would: the download comes back, with the summary as `.summary`."""
    response = client.post("/admin/pengguna/impor/konfirmasi",
                           data={"csrf_token": csrf_token(page), "token": import_token(page)},
                           follow_redirects=follow_redirects)
    link = PASSWORDS_LINK.search(response.get_data(as_text=True))
    if response.status_code == 200 and link:
        summary = response.get_data(as_text=True)
        response = client.get(link.group(1))
        response.summary = summary
    return response


def shown_problems(page):
    match = re.search(r'<ul class="errors" id="masalah">(.*?)</ul>', page, re.S)
    if not match:
        return []
    return [html.unescape(item).strip() for item in re.findall(r"<li>(.*?)</li>", match.group(1),
                                                              re.S)]


def fact(page, label):
    """A count of the preview, written the Indonesian way ("2.000")."""
    match = re.search(rf"<dt>{label}</dt><dd>(\d{{1,3}}(?:\.\d{{3}})*)</dd>", page)
    assert match, label
    return int(match.group(1).replace(".", ""))


def read_passwords(response):
    """The downloaded one-time password list as {nip digits: (name, password)}."""
    body = response.get_data()
    assert body.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(body[3:].decode()), delimiter=";"))
    assert rows[0] == ["nip", "nama", "kata_sandi_sementara"]
    return {nip.replace(" ", ""): (name, password) for nip, name, password in rows[1:]}


def user_by_nip(nip):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.nip == nip))


def user_count():
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(User))


def stored_uploads(app):
    folder = Path(app.instance_path) / "imports"
    return list(folder.glob("*.csv")) if folder.exists() else []


def valid_nip(index):
    """A distinct valid PNS NIP per index (999 serials per birth date)."""
    day = 1 + index // 999 % 28
    month = 1 + index // (999 * 28) % 12
    return f"1980{month:02d}{day:02d}2005{1 + index % 12:02d}1{1 + index % 999:03d}"


def many_rows(count):
    return [[valid_nip(i), f"Pegawai {i}", f"pegawai{i}@palukota.go.id", "DINKES", "Pelaksana",
             "Pengadministrasi Umum", "II/c", "PNS", ""] for i in range(count)]


@pytest.fixture
def admin(create_user, agencies):
    return create_user(nip=ADMIN_NIP, name="Admin BKPSDM", roles=("admin", "learner"))


def logged_in(app, nip, password=PASSWORD):
    """A fresh browser logged in as nip; the login answers 302 (to the next page)."""
    client = app.test_client()
    response = submit(client, "/masuk", {"identifier": nip, "password": password},
                      follow_redirects=False)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def admin_client(app, admin):
    return logged_in(app, ADMIN_NIP)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- reading files: encodings and delimiters --------------------------------------------------

@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
@pytest.mark.parametrize("delimiter", [",", ";"], ids=["comma", "semicolon"])
def test_utf8_files_with_or_without_bom_and_either_delimiter_import(app, admin_client, bom,
                                                                    delimiter):
    page = upload(admin_client, csv_bytes([SITI, RUDI], delimiter=delimiter, bom=bom))
    assert shown_problems(page) == []
    assert fact(page, "Pegawai baru") == 2
    response = confirm(admin_client, page)
    assert response.status_code == 200
    assert set(read_passwords(response)) == {SITI_NIP, RUDI_NIP}
    siti, rudi = user_by_nip(SITI_NIP), user_by_nip(RUDI_NIP)
    assert (siti.name, siti.email, siti.agency.code) == ("Siti Rahmawati", "siti@palukota.go.id",
                                                         "BKPSDM")
    assert (siti.jabatan_type, siti.jabatan_title, siti.golongan, siti.employment_type) == (
        "fungsional", "Analis SDM Aparatur Ahli Pertama", "III/a", PNS)
    assert siti.roles == {"learner"}
    assert (rudi.email, rudi.agency.code, rudi.golongan, rudi.employment_type) == (
        None, "DISKOMINFO", "V", PPPK)
    assert rudi.roles == {"learner", "trainer"}


def test_excel_semicolon_file_with_quoted_fields_and_odd_headers(app, admin_client):
    header = ["NIP", " Nama ", "E-mail", "Nama OPD", "Jenis Jabatan", "Jabatan", "Golongan",
              "Jenis Pegawai", "Peran"]
    row = ["19860926 201505 1 001", "Siti; Rahmawati", "Siti@PaluKota.go.id",
           "dinas  komunikasi dan informatika", "JPT Pratama", 'Kepala "Dinas"\nKominfo', "iv-c",
           "pns", "Pengajar, Admin"]
    data = csv_bytes([row], header=header, delimiter=";", bom=True,
                     quoting=csv.QUOTE_ALL).replace(b"E-mail", b"email")
    page = upload(admin_client, data)
    assert shown_problems(page) == []
    confirm(admin_client, page)
    siti = user_by_nip(SITI_NIP)
    assert siti.name == "Siti; Rahmawati"
    assert siti.email == "siti@palukota.go.id"
    assert siti.agency.code == "DISKOMINFO"
    assert (siti.jabatan_type, siti.jabatan_title, siti.golongan) == (
        "jpt_pratama", 'Kepala "Dinas"\nKominfo', "IV/c")
    assert siti.roles == {"trainer", "admin"}


@pytest.mark.parametrize(("data", "expected"), [
    ("nip,nama,kode_opd\n198609262015051001,Siti Ra\xe9hmawati,BKPSDM\n".encode("cp1252"),
     "baris 2: Berkas tersimpan dengan pengodean Windows (ANSI), bukan UTF-8. Di Excel pilih "
     'Simpan Sebagai → "CSV UTF-8 (Comma delimited)".'),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "Berkas ini bukan teks CSV (berisi data biner)."),
    (b"PK\x03\x04\x14\x00\x06\x00", 'Ini berkas Excel (.xlsx), bukan CSV. Di Excel pilih Simpan '
                                    'Sebagai → "CSV UTF-8 (Comma delimited)".'),
    ("nip,nama\n".encode("utf-16"), 'Berkas tersimpan sebagai UTF-16 ("Unicode Text"). Simpan '
                                    'sebagai "CSV UTF-8 (Comma delimited)".'),
    (b"", "Berkas kosong."),
    (b"nip,nama,kode_opd\n", "Berkas tidak berisi baris data."),
    (b"\n", "Berkas kosong."),
], ids=["cp1252", "binary", "xlsx", "utf16", "empty", "header-only", "blank"])
def test_files_that_are_not_utf8_csv_are_refused_clearly(app, admin_client, data, expected):
    page = upload(admin_client, data)
    assert shown_problems(page) == [expected]
    assert "Konfirmasi impor" not in page
    assert user_count() == 1
    assert stored_uploads(app) == []


def test_too_large_and_too_many_rows_are_refused(app, admin_client, monkeypatch):
    big = csv_bytes([SITI]) + b"#" * people_import.MAX_BYTES
    assert shown_problems(upload(admin_client, big)) == [
        "Berkas lebih dari 5 MB. Bagi menjadi beberapa berkas."]
    monkeypatch.setattr(people_import, "MAX_ROWS", 3)
    assert shown_problems(upload(admin_client, csv_bytes(many_rows(4)))) == [
        "Berkas berisi lebih dari 3 baris data. Bagi menjadi beberapa berkas."]
    assert shown_problems(upload(admin_client, csv_bytes(many_rows(3)))) == []


# --- every problem named by line and column ---------------------------------------------------

def with_cells(base, **cells):
    row = list(base)
    for column, value in cells.items():
        row[HEADER.index(column)] = value
    return row


@pytest.mark.parametrize(("bad_row", "expected"), [
    (with_cells(RUDI, nip="198613322015051001"),
     "baris 3, kolom nip: tanggal lahir 19861332 tidak valid (8 digit pertama harus tanggal "
     "YYYYMMDD)"),
    (with_cells(RUDI, nip="19860926201505100"),
     "baris 3, kolom nip: NIP harus 18 digit, yang dimasukkan 17 digit"),
    (with_cells(RUDI, nip="198609262015131001"),
     "baris 3, kolom nip: digit 13–14 (13) bukan bulan TMT CPNS 01–12 dan bukan kode PPPK (2)"),
    (with_cells(RUDI, nip="1,98609E+17"),
     "baris 3, kolom nip: NIP tertulis sebagai angka ilmiah (1,98609E+17) sehingga digitnya "
     "hilang; format kolom nip sebagai Teks di Excel"),
    (with_cells(RUDI, nip="198609262015051000"),
     "baris 3, kolom nip: nomor urut (3 digit terakhir) tidak boleh 000 (Excel membulatkan "
     "angka panjang; format kolom nip sebagai Teks)"),
    (with_cells(RUDI, nip=SITI_NIP, jenis_pegawai="", golongan=""),
     "baris 3, kolom nip: NIP 198609262015051001 sudah ada di baris 2"),
    (with_cells(RUDI, nama=""), "baris 3, kolom nama: nama wajib diisi"),
    (with_cells(RUDI, kode_opd="DISKOMINFOO"),
     "baris 3, kolom kode_opd: tidak ada OPD dengan kode DISKOMINFOO"),
    (with_cells(RUDI, kode_opd=""), "baris 3, kolom kode_opd: OPD wajib diisi (kode_opd atau "
                                    "nama_opd)"),
    (with_cells(RUDI, golongan="III/a"),
     "baris 3, kolom golongan: golongan III/a tidak berlaku untuk PPPK (I sampai XVII)"),
    (with_cells(RUDI, golongan="²"),
     "baris 3, kolom golongan: golongan ² tidak berlaku untuk PPPK (I sampai XVII)"),
    (with_cells(RUDI, golongan="٣"),
     "baris 3, kolom golongan: golongan ٣ tidak berlaku untuk PPPK (I sampai XVII)"),
    (with_cells(RUDI, golongan="9" * 5000),
     f"baris 3, kolom golongan: golongan {'9' * 5000} tidak berlaku untuk PPPK (I sampai XVII)"),
    (with_cells(SITI, nip=ANDI_NIP, email="", golongan="V/a"),
     "baris 3, kolom golongan: golongan V/a tidak berlaku untuk PNS (I/a sampai IV/e, "
     "mis. III/a)"),
    (with_cells(RUDI, jenis_pegawai="PNS"),
     "baris 3, kolom jenis_pegawai: NIP ini NIP PPPK, bukan PNS"),
    (with_cells(RUDI, jenis_pegawai="honorer"),
     "baris 3, kolom jenis_pegawai: jenis pegawai honorer tidak dikenal; isi PNS atau PPPK"),
    (with_cells(RUDI, email="rudi@@palukota"),
     "baris 3, kolom email: alamat email rudi@@palukota tidak valid"),
    (with_cells(RUDI, email="SITI@palukota.go.id"),
     "baris 3, kolom email: email siti@palukota.go.id sudah dipakai di baris 2"),
    (with_cells(RUDI, peran="peserta;kepala"),
     "baris 3, kolom peran: peran kepala tidak dikenal; pakai peserta, pengajar atau admin "
     "(boleh beberapa, mis. peserta;pengajar)"),
    (with_cells(RUDI, jenis_jabatan="Eselon II"),
     "baris 3, kolom jenis_jabatan: jenis jabatan Eselon II tidak dikenal; pakai salah satu: "
     "JPT Utama, JPT Madya, JPT Pratama, Administrator, Pengawas, Fungsional, Pelaksana"),
], ids=["nip-date", "nip-length", "nip-month", "nip-excel-scientific", "nip-excel-rounded",
        "nip-duplicate", "name", "opd", "opd-empty", "golongan-pppk",
        "golongan-pppk-superscript-two", "golongan-pppk-arabic-indic-three",
        "golongan-pppk-5000-digits", "golongan-pns",
        "pns-pppk-mismatch", "jenis-pegawai", "email", "email-duplicate", "role", "jabatan"])
def test_each_problem_names_its_line_and_column(app, admin_client, bad_row, expected):
    page = upload(admin_client, csv_bytes([SITI, bad_row]))
    assert shown_problems(page) == [expected]
    assert "Konfirmasi impor" not in page
    assert import_token(page) is None
    assert user_count() == 1
    assert stored_uploads(app) == []


def test_every_problem_of_a_row_is_listed_not_only_the_first(app, admin_client):
    bad = with_cells(SITI, nip="19860926", email="x@", kode_opd="NOPE", golongan="IX/z")
    assert shown_problems(upload(admin_client, csv_bytes([bad]))) == [
        "baris 2, kolom nip: NIP harus 18 digit, yang dimasukkan 8 digit",
        "baris 2, kolom email: alamat email x@ tidak valid",
        "baris 2, kolom kode_opd: tidak ada OPD dengan kode NOPE",
        "baris 2, kolom golongan: golongan IX/z tidak berlaku untuk PNS (I/a sampai IV/e, "
        "mis. III/a)",
    ]


def test_a_duplicate_is_named_even_when_its_first_row_has_other_problems(app, admin_client):
    rows = [with_cells(SITI, golongan="III/z"), with_cells(SITI, email=""),
            with_cells(RUDI, nip="1,98609E+17"), with_cells(RUDI, nip="1,98609E+17", email="")]
    problems = shown_problems(upload(admin_client, csv_bytes(rows)))
    assert problems[:2] == [
        "baris 2, kolom golongan: golongan III/z tidak berlaku untuk PNS (I/a sampai IV/e, "
        "mis. III/a)",
        "baris 3, kolom nip: NIP 198609262015051001 sudah ada di baris 2"]
    # Excel's mangled NIPs are one problem each, not also duplicates of each other.
    assert [problem[:22] for problem in problems[2:]] == ["baris 4, kolom nip: NI",
                                                          "baris 5, kolom nip: NI"]


def test_an_unquoted_delimiter_inside_a_cell_is_a_problem(app, admin_client):
    data = ("nip;nama;kode_opd;jabatan\n"
            f"{SITI_NIP};Siti;BKPSDM;Analis; SDM\n"
            f"{RUDI_NIP};Rudi;DISKOMINFO;;;\n").encode()
    assert shown_problems(upload(admin_client, data)) == [
        "baris 2: baris ini punya lebih banyak sel daripada judul kolom; apitlah sel yang "
        "memuat pemisah dengan tanda kutip"]


def test_line_numbers_count_blank_rows_and_multiline_cells_like_a_spreadsheet(app,
                                                                             admin_client):
    data = (b"nip,nama,kode_opd,jabatan\n"
            b"198609262015051001,Siti,BKPSDM,\"Analis\nSDM\"\n"
            b"\n"
            b"200012312024211001,Rudi,NOPE,\n"
            b";;;\n")
    assert shown_problems(upload(admin_client, data)) == [
        "baris 4, kolom kode_opd: tidak ada OPD dengan kode NOPE",
        "baris 5, kolom nip: NIP hanya boleh berisi angka (spasi, titik dan tanda hubung boleh)",
        "baris 5, kolom nama: nama wajib diisi",
        "baris 5, kolom kode_opd: OPD wajib diisi (kode_opd atau nama_opd)",
    ]


def test_missing_required_columns_are_one_problem_naming_them(app, admin_client):
    data = csv_bytes([["Siti", "x@palukota.go.id"]], header=["Nama", "Email", "Kantor"])
    page = upload(admin_client, data)
    assert shown_problems(page) == [
        "baris 1: kolom wajib tidak ada: nip, kode_opd atau nama_opd"]
    assert "baris 1, kolom kantor: kolom tidak dikenal, diabaikan" in html.unescape(page)


def test_email_of_another_account_is_a_problem(app, admin_client, create_user):
    create_user(nip=LEARNER_NIP, email="siti@palukota.go.id")
    assert shown_problems(upload(admin_client, csv_bytes([SITI]))) == [
        "baris 2, kolom email: email siti@palukota.go.id sudah dipakai akun lain "
        "(NIP 19870315 201001 2 002)"]


def test_opd_code_and_name_that_point_at_different_opd_is_a_problem(app, admin_client):
    data = csv_bytes([[SITI_NIP, "Siti", "BKPSDM", "Dinas Kesehatan"],
                      [RUDI_NIP, "Rudi", "DINKES", "Dinkes Kota Palu"]],
                     header=["nip", "nama", "kode_opd", "nama_opd"])
    # A name spelled differently from ours is fine when the code is right (row 3).
    assert shown_problems(upload(admin_client, data)) == [
        "baris 2, kolom nama_opd: Dinas Kesehatan adalah OPD lain, bukan OPD berkode BKPSDM"]


@pytest.mark.parametrize(("value", "employment", "expected"), [
    ("III/a", PNS, "III/a"), ("iii/a", PNS, "III/a"), ("III-a", PNS, "III/a"),
    ("III a", PNS, "III/a"), ("IIIa", PNS, "III/a"), ("iv/E", PNS, "IV/e"), ("31", PNS, "III/a"),
    ("45", PNS, "IV/e"), ("I/e", PNS, None), ("15", PNS, None), ("V/a", PNS, None),
    ("IX", PPPK, "IX"), ("ix", PPPK, "IX"), ("9", PPPK, "IX"), ("17", PPPK, "XVII"),
    ("09", PPPK, "IX"),  # a spreadsheet's leading zero
    ("18", PPPK, None), ("III/a", PPPK, None), ("0", PPPK, None), ("00", PPPK, None),
])
def test_golongan_spellings(value, employment, expected):
    assert people_import.normalize_golongan(value, employment) == expected


@pytest.mark.parametrize("employment", [PPPK, PNS])
@pytest.mark.parametrize("value", ["²", "٣", "٣١", "9" * 5000],
                         ids=["superscript-two", "arabic-indic-three", "arabic-indic-31",
                              "5000-digits"])
def test_digit_look_alikes_and_huge_numbers_are_no_golongan(value, employment):
    """Digits to str.isdigit() that int() refuses ("²") or reads ("٣" is 3), and more digits
    than int() converts: no golongan (the import names the cell), never an error."""
    assert people_import.normalize_golongan(value, employment) is None


# --- preview, confirm, all or none ------------------------------------------------------------

def test_nothing_is_written_before_confirm_and_the_file_waits_on_the_server(app, admin_client):
    page = upload(admin_client, csv_bytes([SITI, RUDI]))
    assert (fact(page, "Pegawai baru"), fact(page, "Diperbarui")) == (2, 0)
    assert "Konfirmasi impor" in page
    assert "19860926 201505 1 001" in page and "Rudi Hartono" in page
    assert user_count() == 1
    [stored] = stored_uploads(app)
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stored.name == f"{user_by_nip(ADMIN_NIP).id}-{import_token(page)}.csv"
    response = confirm(admin_client, page)
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="kata-sandi-sementara-')
    assert response.headers["Cache-Control"] == "private, no-store"
    assert user_count() == 3
    # The preview is gone; what stays (a day at most) is the password list, this admin's only.
    assert [p.name for p in stored_uploads(app)] == [
        PASSWORDS_LINK.search(response.summary).group(1).rsplit("/", 1)[1].join(
            (f"{user_by_nip(ADMIN_NIP).id}-", ".csv"))]
    # The same preview cannot be confirmed twice.
    again = confirm(admin_client, page, follow_redirects=True)
    assert "Pratinjau ini sudah tidak berlaku" in again.get_data(as_text=True)
    assert user_count() == 3


def test_cancel_deletes_the_waiting_file(app, admin_client):
    page = upload(admin_client, csv_bytes([SITI]))
    response = admin_client.post("/admin/pengguna/impor/batal", data={
        "csrf_token": csrf_token(page), "token": import_token(page)}, follow_redirects=True)
    assert "Impor dibatalkan. Tidak ada yang disimpan." in response.get_data(as_text=True)
    assert stored_uploads(app) == []
    assert user_count() == 1


def test_another_admin_cannot_confirm_my_preview(app, admin_client, create_user):
    create_user(nip=LEARNER_NIP, roles=("admin",))
    page = upload(admin_client, csv_bytes([SITI]))
    other = logged_in(app, LEARNER_NIP)
    response = other.post("/admin/pengguna/impor/konfirmasi", data={
        "csrf_token": csrf_token(other.get(IMPORT_URL).get_data(as_text=True)),
        "token": import_token(page)}, follow_redirects=True)
    assert "Pratinjau ini sudah tidak berlaku" in response.get_data(as_text=True)
    assert user_by_nip(SITI_NIP) is None


def test_a_token_that_could_name_another_path_is_refused(app, admin_client):
    page = admin_client.get(IMPORT_URL).get_data(as_text=True)
    response = admin_client.post("/admin/pengguna/impor/konfirmasi", data={
        "csrf_token": csrf_token(page), "token": "../../secret_key"})
    assert response.status_code == 400


def test_confirm_checks_again_and_writes_nothing_when_data_changed(app, admin_client,
                                                                   create_user):
    page = upload(admin_client, csv_bytes([SITI, RUDI]))
    create_user(nip=LEARNER_NIP, email="siti@palukota.go.id")  # meanwhile, by someone else
    response = confirm(admin_client, page)
    text = html.unescape(response.get_data(as_text=True))
    assert "Data berubah sejak pratinjau" in text
    assert shown_problems(text) == [
        "baris 2, kolom email: email siti@palukota.go.id sudah dipakai akun lain "
        "(NIP 19870315 201001 2 002)"]
    assert user_by_nip(SITI_NIP) is None and user_by_nip(RUDI_NIP) is None


def test_a_failure_in_the_middle_of_writing_leaves_nothing_written(app, admin_client,
                                                                  create_user, monkeypatch):
    create_user(nip=LEARNER_NIP, name="Lama")
    page = upload(admin_client, csv_bytes([SITI, with_cells(SITI, nip=LEARNER_NIP, nama="Baru",
                                                            email="")]))
    assert (fact(page, "Pegawai baru"), fact(page, "Diperbarui")) == (1, 1)
    real_update = people_import.update_users

    def update_then_fail(rows):
        real_update(rows)
        assert user_by_nip(SITI_NIP) is not None  # the insert really happened first
        raise IntegrityError("UPDATE user", {}, Exception("simulated constraint failure"))

    monkeypatch.setattr(people_import, "update_users", update_then_fail)
    response = confirm(admin_client, page, follow_redirects=True)
    assert "Impor dibatalkan karena data berubah bersamaan" in response.get_data(as_text=True)
    assert user_by_nip(SITI_NIP) is None
    assert user_by_nip(LEARNER_NIP).name == "Lama"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "users.import")) == 0
    # The file still waits: the admin can confirm again once the cause is gone.
    monkeypatch.setattr(people_import, "update_users", real_update)
    assert confirm(admin_client, page).status_code == 200
    assert user_by_nip(LEARNER_NIP).name == "Baru"


def test_a_real_constraint_violation_rolls_back_rows_already_inserted(app, admin, create_user):
    """Between check and apply another writer takes an e-mail address the file gives away."""
    create_user(nip=LEARNER_NIP)
    create_user(nip=ANDI_NIP)
    check = people_import.check_people_csv(csv_bytes([
        SITI, with_cells(SITI, nip=LEARNER_NIP, email="baru@palukota.go.id")]), admin)
    assert check.ok
    db.session.rollback()
    with db.engine.begin() as other_writer:
        other_writer.execute(update(User).where(User.nip == ANDI_NIP)
                             .values(email="baru@palukota.go.id"))
    with pytest.raises(IntegrityError):
        people_import.apply_import(check, admin)
    db.session.rollback()
    assert user_by_nip(SITI_NIP) is None
    assert user_by_nip(LEARNER_NIP).email is None


# --- re-import, roles, passwords --------------------------------------------------------------

def test_reimport_updates_by_nip_and_keeps_the_password(app, admin_client):
    confirm(admin_client, upload(admin_client, csv_bytes([SITI, RUDI])))
    before = user_by_nip(SITI_NIP).password_hash
    changed = with_cells(SITI, jabatan="Analis SDM Aparatur Ahli Muda", golongan="III/c",
                         email="", peran="")
    page = upload(admin_client, csv_bytes([changed, RUDI]))
    assert (fact(page, "Pegawai baru"), fact(page, "Diperbarui"),
            fact(page, "Tidak berubah")) == (0, 1, 1)
    response = confirm(admin_client, page, follow_redirects=True)
    summary = response.get_data(as_text=True)
    assert "<h1>Impor selesai</h1>" in summary
    assert ('<dt>Akun baru</dt><dd class="num">0</dd>' in summary
            and '<dt>Diperbarui</dt><dd class="num">1</dd>' in summary
            and '<dt>Tidak berubah</dt><dd class="num">1</dd>' in summary)
    assert "kata-sandi" not in summary  # nobody new: no password list
    assert user_count() == 3
    siti = user_by_nip(SITI_NIP)
    assert (siti.jabatan_title, siti.golongan) == ("Analis SDM Aparatur Ahli Muda", "III/c")
    # Empty cells never erase what is stored.
    assert siti.email == "siti@palukota.go.id"
    assert siti.roles == {"learner"}
    assert siti.password_hash == before


def test_roles_from_the_file_replace_roles_but_not_my_own_admin_role(app, admin_client,
                                                                     create_user):
    create_user(nip=LEARNER_NIP, name="Admin Lain", roles=("admin", "learner"))
    me = with_cells(SITI, nip=ADMIN_NIP, nama="Admin BKPSDM", email="", peran="peserta")
    page = upload(admin_client, csv_bytes([me]))
    assert shown_problems(page) == [
        "baris 2, kolom peran: Anda tidak dapat mencabut peran admin Anda sendiri"]
    other = with_cells(SITI, nip=LEARNER_NIP, nama="Admin Lain", email="", peran="pengajar")
    page = upload(admin_client, csv_bytes([other]))
    assert shown_problems(page) == []
    assert "baris 2, kolom peran: peran admin Admin Lain akan dicabut" in html.unescape(page)
    confirm(admin_client, page)
    assert user_by_nip(LEARNER_NIP).roles == {"trainer"}
    assert user_by_nip(ADMIN_NIP).roles == {"admin", "learner"}


def test_password_list_holds_exactly_the_new_users_who_can_log_in(app, admin_client,
                                                                  create_user):
    create_user(nip=LEARNER_NIP)
    rows = [SITI, with_cells(RUDI, nama="=Rudi Hartono"),
            with_cells(SITI, nip=LEARNER_NIP, email="", nama="Lama Diperbarui")]
    response = confirm(admin_client, upload(admin_client, csv_bytes(rows)))
    assert response.mimetype == "text/csv"
    passwords = read_passwords(response)
    assert set(passwords) == {SITI_NIP, RUDI_NIP}
    assert passwords[SITI_NIP][0] == "Siti Rahmawati"
    for nip, (_name, password) in passwords.items():
        assert re.fullmatch(rf"[{HANDOUT_ALPHABET}]{{12}}", password)
        user = user_by_nip(nip)
        assert user.must_change_password is True
        assert user.password_hash.startswith("$argon2id$")
        assert password not in user.password_hash
        assert verify_password(user.password_hash, password)
        assert logged_in(app, nip, password) is not None  # POST /masuk answered 302
    assert passwords[SITI_NIP][1] != passwords[RUDI_NIP][1]
    assert passwords[RUDI_NIP][0] == "'=Rudi Hartono"  # never run as a formula by Excel
    assert user_by_nip(LEARNER_NIP).must_change_password is False
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "users.import"))
    assert event.actor.nip == ADMIN_NIP
    assert event.details == {"created": 2, "updated": 1, "unchanged": 0}
    assert not any(password in event.details_json for _name, password in passwords.values())


def test_one_time_password_hash_is_upgraded_at_first_login(app, admin_client):
    app.config["ARGON2_TIME_COST"] = 2  # production is dearer than the one-time cost
    passwords = read_passwords(confirm(admin_client, upload(admin_client, csv_bytes([SITI]))))
    assert "t=1," in user_by_nip(SITI_NIP).password_hash
    logged_in(app, SITI_NIP, passwords[SITI_NIP][1])
    assert "t=2," in user_by_nip(SITI_NIP).password_hash


def test_template_csv_downloads_and_imports_without_problems(app, admin_client):
    response = admin_client.get("/admin/pengguna/impor/contoh.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="contoh-impor-asn.csv"'
    data = response.get_data()
    assert data.startswith(codecs.BOM_UTF8 + b"nip;nama;email;kode_opd;")
    page = upload(admin_client, data)
    assert shown_problems(page) == []
    assert fact(page, "Pegawai baru") == 2


def test_import_page_is_in_the_admin_menu(app, admin_client):
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert f'href="{IMPORT_URL}">Impor ASN dari CSV</a>' in page


@pytest.mark.parametrize("who", ["anonymous", "learner", "trainer"])
def test_non_admins_are_refused_on_every_import_route(app, admin, create_user, who):
    create_user(nip=LEARNER_NIP)
    create_user(nip=ANDI_NIP, roles=("trainer", "learner"))
    if who == "anonymous":
        client, expected = app.test_client(), 302
        token = csrf_token(client.get("/masuk").get_data(as_text=True))
    else:
        client, expected = logged_in(app, LEARNER_NIP if who == "learner" else ANDI_NIP), 403
        token = csrf_token(client.get("/").get_data(as_text=True))
    upload_data = multipart({"csrf_token": token,
                             "file": csv_file(csv_bytes([SITI]))})
    token_data = {"csrf_token": token, "token": "a" * 32}
    responses = [
        client.get(IMPORT_URL),
        client.post(IMPORT_URL, **upload_data),
        client.post("/admin/pengguna/impor/konfirmasi", data=token_data),
        client.post("/admin/pengguna/impor/batal", data=token_data),
        client.get("/admin/pengguna/impor/contoh.csv"),
    ]
    assert [response.status_code for response in responses] == [expected] * 5
    assert user_by_nip(SITI_NIP) is None
    assert stored_uploads(app) == []


# --- flask users import -----------------------------------------------------------------------

def write_csv(tmp_path, rows, **options):
    path = tmp_path / "asn.csv"
    path.write_bytes(csv_bytes(rows, **options))
    return path


def test_cli_prints_problems_and_exits_1_writing_nothing(app, runner, agencies, tmp_path):
    path = write_csv(tmp_path, [SITI, with_cells(RUDI, kode_opd="NOPE", golongan="III/a")])
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    assert "baris 3, kolom kode_opd: tidak ada OPD dengan kode NOPE" in result.output
    assert ("baris 3, kolom golongan: golongan III/a tidak berlaku untuk PPPK (I sampai XVII)"
            in result.output)
    assert user_count() == 0


def test_cli_dry_run_prints_counts_only(app, runner, agencies, tmp_path):
    path = write_csv(tmp_path, [SITI, RUDI], delimiter=";", bom=True)
    result = runner.invoke(args=["users", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "2 baru, 0 diperbarui, 0 tidak berubah." in result.output
    assert user_count() == 0


def test_cli_import_writes_the_password_list_with_mode_0600(app, runner, agencies, tmp_path):
    path, out = write_csv(tmp_path, [SITI, RUDI]), tmp_path / "kata-sandi.csv"
    result = runner.invoke(args=["users", "import", str(path), "--passwords-out", str(out)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.reader(io.StringIO(out.read_bytes()[3:].decode()), delimiter=";"))
    assert [row[:2] for row in rows] == [["nip", "nama"],
                                         ["19860926 201505 1 001", "Siti Rahmawati"],
                                         ["20001231 202421 1 001", "Rudi Hartono"]]
    for _nip, _name, password in rows[1:]:
        assert password not in result.output  # never on the terminal
    assert verify_password(user_by_nip(SITI_NIP).password_hash, rows[1][2])
    assert user_count() == 2


def test_cli_refuses_new_users_without_a_passwords_file(app, runner, agencies, tmp_path):
    path = write_csv(tmp_path, [SITI])
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 2
    assert "sebutkan --passwords-out BERKAS" in result.output
    assert user_count() == 0
    existing = tmp_path / "ada.csv"
    existing.write_text("jangan ditimpa")
    result = runner.invoke(args=["users", "import", str(path), "--passwords-out", str(existing)])
    assert result.exit_code == 2
    assert existing.read_text() == "jangan ditimpa"
    assert user_count() == 0


def test_cli_reimport_of_existing_people_needs_no_passwords_file(app, runner, create_user,
                                                                 agencies, tmp_path):
    create_user(nip=SITI_NIP, name="Siti")
    path = write_csv(tmp_path, [SITI])
    result = runner.invoke(args=["users", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Impor selesai: 0 baru, 1 diperbarui." in result.output
    assert user_by_nip(SITI_NIP).name == "Siti Rahmawati"
    assert user_count() == 1


# --- size -------------------------------------------------------------------------------------

def test_checking_and_writing_take_a_fixed_number_of_queries(app, admin, queries):
    """No query per row: 10 or 200 rows (5 of them updates) cost the same statements."""
    first = people_import.check_people_csv(csv_bytes(many_rows(5)), admin)
    people_import.apply_import(first, admin)
    db.session.commit()
    counts = []
    for size in (10, 200):
        rows = [with_cells(row, jabatan="Analis") for row in many_rows(size)]
        with queries() as count:
            check = people_import.check_people_csv(csv_bytes(rows), admin)
            assert people_import.preview_import(check).updated == 5
            people_import.apply_import(check, admin)
        db.session.rollback()
        counts.append(count())
    assert counts[0] == counts[1]


def test_two_thousand_rows_import_through_the_web(app, admin_client):
    page = upload(admin_client, csv_bytes(many_rows(2000), delimiter=";", bom=True))
    assert shown_problems(page) == []
    assert fact(page, "Pegawai baru") == 2000
    started = confirm(admin_client, page)  # over 1,000 rows: a background job (run at once)
    assert started.headers["Location"].startswith("/admin/tugas/")
    download = admin_client.get(f"{started.headers['Location']}/unduh")
    passwords = read_passwords(download)
    download.close()
    assert len(passwords) == 2000
    assert user_count() == 2001


@pytest.mark.skipif(not os.environ.get("LMS_BENCH_IMPORT"),
                    reason="measurement: set LMS_BENCH_IMPORT=1 (or run bench/import_users.py)")
def test_measure_ten_thousand_rows(app, admin, capsys):
    data = csv_bytes(many_rows(10_000))
    start = time.perf_counter()
    check = people_import.check_people_csv(data, admin)
    people_import.apply_import(check, admin)
    db.session.commit()
    elapsed = time.perf_counter() - start
    with capsys.disabled():
        print(f"\n10,000 rows on {db.engine.dialect.name}: {elapsed:.2f} s")
    assert user_count() == 10_001


def test_the_summary_page_counts_and_offers_the_passwords_to_this_admin_only(
        app, admin_client, create_user):
    page = upload(admin_client, csv_bytes([SITI, RUDI]))
    response = confirm(admin_client, page)
    assert '<dt>Akun baru</dt><dd class="num">2</dd>' in response.summary
    assert "2 akun baru mendapat kata sandi sementara." in response.summary
    assert set(read_passwords(response)) == {SITI_NIP, RUDI_NIP}
    link = PASSWORDS_LINK.search(response.summary).group(1)
    create_user(nip="197001012000031001", roles=("admin",))
    other = app.test_client()
    submit(other, "/masuk", {"identifier": "197001012000031001", "password": PASSWORD})
    refused = other.get(link, follow_redirects=True).get_data(as_text=True)
    assert "sudah tidak tersedia" in refused and "kata_sandi_sementara" not in refused
    assert admin_client.get("/admin/pengguna/impor/kata-sandi/..%2F..%2Fsecret").status_code \
        in (302, 404)
