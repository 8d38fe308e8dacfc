"""Bulk import of ASN from CSV: check every row, preview, then write all rows or none.

The admin pages and `flask users import` share this module:

- `check_people_csv(data, actor)` reads the bytes of a CSV file and checks every row against
  the rules and the database; each problem reads "baris N, kolom X: pesan".
- `preview_import(check)` counts the new, updated and unchanged people.
- `apply_import(check, actor)` writes them in the caller's transaction (it flushes, never
  commits) and returns the one-time passwords of the new accounts, which are never stored.
"""

import codecs
import csv
import io
import os
import re
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import insert, select, update

from app.audit import record_event
from app.auth.models import (
    GOLONGAN_BY_TYPE,
    GOLONGAN_PNS,
    GOLONGAN_PPPK,
    JABATAN_TYPES,
    ROLES,
    Agency,
    User,
)
from app.auth.nip import (
    PNS,
    PPPK,
    InvalidNip,
    format_nip,
    normalize_nip,
    parse_nip,
    plausibility_warnings,
)
from app.auth.passwords import temporary_password
from app.database import utcnow
from app.errors import LmsError
from app.extensions import db
from app.spreadsheet import spreadsheet_text
from app.storage import removed_on_failure, storage_error
from app.templating import number

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
PREVIEW_ROWS = 20

NIP, NAME, EMAIL = "nip", "nama", "email"
AGENCY_CODE, AGENCY_NAME = "kode_opd", "nama_opd"
JABATAN_TYPE, JABATAN_TITLE, GOLONGAN = "jenis_jabatan", "jabatan", "golongan"
EMPLOYMENT, ROLE = "jenis_pegawai", "peran"
COLUMNS = (NIP, NAME, EMAIL, AGENCY_CODE, AGENCY_NAME, JABATAN_TYPE, JABATAN_TITLE, GOLONGAN,
           EMPLOYMENT, ROLE)

NEW, UPDATED, UNCHANGED = "new", "updated", "unchanged"

# Indonesian role names (and the internal ones) -> ROLES.
ROLE_NAMES = {"peserta": "learner", "pengajar": "trainer", "admin": "admin",
              "administrator": "admin", **{role: role for role in ROLES}}
_ROLE_SEPARATORS = re.compile(r"[;,/+|]")

# Characters people cannot misread on paper or a phone screen: no i/l/1, no o/0.
# Argon2id cost for one-time passwords (see docs/admin.md). Slow hashing protects guessable,
# human-chosen passwords; these are 59 random bits, so a stolen hash stays out of reach even at
# this cost, which lets 10,000 accounts be made in about a second instead of half an hour.
# The first login re-hashes at the configured cost (needs_rehash in authenticate).
ONE_TIME_TIME_COST = 1
ONE_TIME_MEMORY_KIB = 256

# The fields an import sets; the password is never among them for existing people.
PERSON_FIELDS = ("name", "email", "agency_id", "jabatan_type", "jabatan_title", "golongan",
                 "employment_type")
USER_FIELDS = PERSON_FIELDS + tuple(f"is_{role}" for role in ROLES)
# Loaded with them: whether the stored address is confirmed, and one waiting to be.
EMAIL_STATE = ("email_confirmed_at", "pending_email")

_HEADER_SPACES = re.compile(r"[\s\-]+")
_SCIENTIFIC = re.compile(r"^\d[.,]\d+E\+?\d+$", re.I)
_PNS_GOLONGAN = re.compile(r"^(IV|III|II|I)\s*[/\-.]?\s*([A-E])$", re.I)
# BKN exports number golongan 11–14, 21–24, 31–34, 41–45 (DOMAIN.md).
_BKN_GOLONGAN_CODE = re.compile(r"^([1-4])([1-5])$")
_ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV"}


class ImportRefused(LmsError):
    """The whole file cannot be read (too big, not UTF-8, not a CSV)."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.problem = Problem(line, None, message)


class _CellError(Exception):
    """One cell breaks a rule; the message says which and how to fix it."""

    def __init__(self, message, column=None):
        super().__init__(message)
        self.message, self.column = message, column


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the file: the line as a spreadsheet numbers it (header = 1)."""

    line: int | None
    column: str | None
    message: str

    def __str__(self):
        if self.line and self.column:
            return _("baris %(line)d, kolom %(column)s: %(message)s",
                     line=self.line, column=self.column, message=self.message)
        if self.line:
            return _("baris %(line)d: %(message)s", line=self.line, message=self.message)
        return self.message

    def sort_key(self):
        column = COLUMNS.index(self.column) if self.column in COLUMNS else -1
        return self.line or 0, column


@dataclass
class ImportRow:
    """One checked person. None means "not given": an existing person keeps that value."""

    line: int
    nip: str
    name: str
    employment_type: str
    agency_id: int
    agency_code: str
    email: str | None = None
    jabatan_type: str | None = None
    jabatan_title: str | None = None
    golongan: str | None = None
    roles: frozenset | None = None
    status: str = NEW
    existing: object = None  # the person already in the database, as loaded for the check

    def given_values(self):
        values = {name: getattr(self, name) for name in PERSON_FIELDS}
        values = {name: value for name, value in values.items() if value is not None}
        if self.roles is not None:
            values.update(role_flags(self.roles))
        return values

    @property
    def role_names(self):
        return sorted(self.roles or {"learner"}, key=ROLES.index)


@dataclass
class ImportCheck:
    rows: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    # Worth a look but not wrong: unknown columns, admin roles removed, odd NIP dates.
    warnings: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems


@dataclass
class ImportPreview:
    new: int
    updated: int
    unchanged: int
    rows: list
    sample: list
    problems: list
    warnings: list

    @property
    def total(self):
        return self.new + self.updated + self.unchanged


@dataclass(frozen=True)
class OneTimePassword:
    nip: str
    name: str
    password: str


def role_flags(roles):
    return {f"is_{role}": role in roles for role in ROLES}


# --- reading the file -------------------------------------------------------------------------

def decode_csv_bytes(data):
    """The text of a CSV file saved as UTF-8 (with or without BOM), or ImportRefused."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(_("Berkas lebih dari %(mb)d MB. Bagi menjadi beberapa berkas.",
                              mb=MAX_BYTES // (1024 * 1024)))
    if not data.strip():
        raise ImportRefused(_("Berkas kosong."))
    if data.startswith(b"PK\x03\x04"):
        raise ImportRefused(_("Ini berkas Excel (.xlsx), bukan CSV. Di Excel pilih Simpan "
                              "Sebagai → \"CSV UTF-8 (Comma delimited)\"."))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportRefused(_("Berkas tersimpan sebagai UTF-16 (\"Unicode Text\"). Simpan sebagai "
                              "\"CSV UTF-8 (Comma delimited)\"."))
    if b"\x00" in data:
        raise ImportRefused(_("Berkas ini bukan teks CSV (berisi data biner)."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _not_utf8(data, error) from None


def _not_utf8(data, error):
    line = data.count(b"\n", 0, error.start) + 1
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return ImportRefused(_("Berkas bukan teks UTF-8. Simpan sebagai \"CSV UTF-8 (Comma "
                               "delimited)\"."), line=line)
    # Excel's plain "CSV (Comma delimited)" writes the Windows code page: name the fix.
    return ImportRefused(_("Berkas tersimpan dengan pengodean Windows (ANSI), bukan UTF-8. Di "
                           "Excel pilih Simpan Sebagai → \"CSV UTF-8 (Comma delimited)\"."),
                         line=line)


def detect_delimiter(text):
    """Comma, or semicolon (Excel in Indonesian locales), by counting on the header line."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if header.count(";") > header.count(",") else ","


def read_records(text):
    """[(line, cells)] for every record; the line is the spreadsheet row (header = 1)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(text))
    records = []
    try:
        for line, cells in enumerate(reader, start=1):
            if len(records) > MAX_ROWS:
                raise ImportRefused(_("Berkas berisi lebih dari %(n)s baris data. Bagi menjadi "
                                      "beberapa berkas.", n=number(MAX_ROWS)))
            records.append((line, [cell.strip() for cell in cells]))
    except csv.Error as error:
        raise ImportRefused(_("CSV tidak dapat dibaca (%(error)s).", error=error),
                            line=reader.line_num) from None
    return records


def normalize_header(name):
    return _HEADER_SPACES.sub("_", name.strip().lower())


def check_header(cells):
    """(columns by position, problems, warnings) for the header row (line 1)."""
    columns, problems, warnings = [], [], []
    for name in map(normalize_header, cells):
        if name in columns and name:
            problems.append(Problem(1, name, _("kolom ini muncul lebih dari sekali")))
        elif name and name not in COLUMNS:
            warnings.append(Problem(1, name, _("kolom tidak dikenal, diabaikan")))
        columns.append(name)
    missing = [name for name in (NIP, NAME) if name not in columns]
    if AGENCY_CODE not in columns and AGENCY_NAME not in columns:
        missing.append(_("%(code)s atau %(name)s", code=AGENCY_CODE, name=AGENCY_NAME))
    if missing:
        problems.append(Problem(1, None, _("kolom wajib tidak ada: %(columns)s",
                                           columns=", ".join(missing))))
    return columns, problems, warnings


# --- what the database already holds ----------------------------------------------------------

@dataclass
class _Directory:
    """Agencies and people loaded once (one query each), so checking costs no query per row."""

    agency_by_code: dict
    agencies_by_name: dict
    users_by_nip: dict
    nip_by_email: dict
    jabatan_by_name: dict
    actor: object = None


def _simple(text):
    return " ".join(text.lower().split())


def _load_directory(actor):
    agencies = db.session.execute(select(Agency.id, Agency.code, Agency.name)).all()
    users = db.session.execute(select(User.id, User.nip, *[
        getattr(User, name) for name in USER_FIELDS + EMAIL_STATE])).all()
    by_name = {}
    for agency in agencies:
        by_name.setdefault(_simple(agency.name), []).append(agency)
    jabatan = {normalize_header(str(label)): key for key, label in JABATAN_TYPES.items()}
    jabatan.update({key: key for key in JABATAN_TYPES})
    return _Directory(
        agency_by_code={agency.code.upper(): agency for agency in agencies},
        agencies_by_name=by_name,
        users_by_nip={user.nip: user for user in users},
        nip_by_email={user.email: user.nip for user in users if user.email},
        jabatan_by_name=jabatan,
        actor=actor,
    )


# --- one cell at a time -----------------------------------------------------------------------

def parse_nip_cell(value):
    if _SCIENTIFIC.match(value):
        raise _CellError(_("NIP tertulis sebagai angka ilmiah (%(value)s) sehingga digitnya "
                           "hilang; format kolom nip sebagai Teks di Excel", value=value))
    try:
        return parse_nip(value)
    except InvalidNip as error:
        message = str(error)
        if value.endswith("000"):
            # Excel keeps 15 significant digits and turns the last three into zeros.
            message += _(" (Excel membulatkan angka panjang; format kolom nip sebagai Teks)")
        raise _CellError(message) from None


def parse_name(value):
    if not value:
        raise _CellError(_("nama wajib diisi"))
    if len(value) > 200:
        raise _CellError(_("nama paling panjang 200 karakter"))
    return " ".join(value.split())


def parse_email(value):
    if not value:
        return None
    # Loaded on first use: keeps web workers light (docs/operations.md).
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise _CellError(_("alamat email %(value)s tidak valid", value=value)) from None
    if len(checked.normalized) > 254:
        raise _CellError(_("alamat email paling panjang 254 karakter"))
    return checked.normalized.lower()


def parse_agency(cells, directory):
    """The agency named by kode_opd or nama_opd (either is enough)."""
    code, name = cells.get(AGENCY_CODE, ""), cells.get(AGENCY_NAME, "")
    named = directory.agencies_by_name.get(_simple(name), []) if name else []
    if code:
        agency = directory.agency_by_code.get(code.upper())
        if agency is None:
            raise _CellError(_("tidak ada OPD dengan kode %(code)s", code=code), AGENCY_CODE)
        # Names are spelled differently between exports, so the code decides, unless the name
        # is plainly another OPD: then one of the two is wrong and the admin must say which.
        if named and agency.id not in {other.id for other in named}:
            raise _CellError(_("%(name)s adalah OPD lain, bukan OPD berkode %(code)s",
                               name=name, code=agency.code), AGENCY_NAME)
        return agency
    if not name:
        column = AGENCY_CODE if AGENCY_CODE in cells else AGENCY_NAME
        raise _CellError(_("OPD wajib diisi (kode_opd atau nama_opd)"), column)
    if not named:
        raise _CellError(_("tidak ada OPD bernama %(name)s", name=name), AGENCY_NAME)
    if len(named) > 1:
        raise _CellError(_("nama OPD %(name)s dipakai lebih dari satu OPD; isi kode_opd",
                           name=name), AGENCY_NAME)
    return named[0]


def parse_jabatan_type(value, directory):
    if not value:
        return None
    key = directory.jabatan_by_name.get(normalize_header(value))
    if key is None:
        choices = ", ".join(str(label) for label in JABATAN_TYPES.values())
        raise _CellError(_("jenis jabatan %(value)s tidak dikenal; pakai salah satu: "
                           "%(choices)s", value=value, choices=choices))
    return key


def parse_jabatan_title(value):
    if len(value) > 200:
        raise _CellError(_("jabatan paling panjang 200 karakter"))
    return value or None


def parse_employment(value, nip_info):
    """jenis_pegawai: PNS or PPPK, and it must agree with the NIP when the NIP is valid."""
    if not value:
        return None
    employment = value.lower()
    if employment not in (PNS, PPPK):
        raise _CellError(_("jenis pegawai %(value)s tidak dikenal; isi PNS atau PPPK",
                           value=value))
    if nip_info is not None and nip_info.employment_type != employment:
        raise _CellError(_("NIP ini NIP %(nip_type)s, bukan %(value)s",
                           nip_type=nip_info.employment_type.upper(), value=employment.upper()))
    return employment


PPPK_GOLONGAN_NUMBERS = {str(number): golongan
                         for number, golongan in enumerate(GOLONGAN_PPPK, start=1)}


def normalize_golongan(value, employment_type):
    """'III/a', 'iii-a', 'III a' or BKN's code '31' for PNS; 'IX' or '9' for PPPK; else None."""
    if employment_type == PNS:
        code = _BKN_GOLONGAN_CODE.match(value)
        if code:
            value = f"{_ROMAN[code[1]]}/{'abcde'[int(code[2]) - 1]}"
        match = _PNS_GOLONGAN.match(value)
        golongan = f"{match[1].upper()}/{match[2].lower()}" if match else None
        return golongan if golongan in GOLONGAN_PNS else None
    number = value.lstrip("0") if value.isascii() and value.isdigit() else None
    if number in PPPK_GOLONGAN_NUMBERS:  # "9" or "09" for IX (not int(): "²" is a digit too)
        return PPPK_GOLONGAN_NUMBERS[number]
    return value.upper() if value.upper() in GOLONGAN_PPPK else None


def parse_golongan(value, employment_type):
    if not value:
        return None
    for candidate in [employment_type] if employment_type else list(GOLONGAN_BY_TYPE):
        golongan = normalize_golongan(value, candidate)
        if golongan:
            return golongan
    if employment_type == PPPK:
        raise _CellError(_("golongan %(value)s tidak berlaku untuk PPPK (I sampai XVII)",
                           value=value))
    raise _CellError(_("golongan %(value)s tidak berlaku untuk PNS (I/a sampai IV/e, "
                       "mis. III/a)", value=value))


def parse_roles(value):
    names = [name.strip().lower() for name in _ROLE_SEPARATORS.split(value)]
    names = [name for name in names if name]
    if not names:
        return None
    unknown = [name for name in names if name not in ROLE_NAMES]
    if unknown:
        raise _CellError(_("peran %(value)s tidak dikenal; pakai peserta, pengajar atau admin "
                           "(boleh beberapa, mis. peserta;pengajar)", value=", ".join(unknown)))
    return frozenset(ROLE_NAMES[name] for name in names)


# --- one row ----------------------------------------------------------------------------------

class _RowReader:
    """Reads the cells of one row, collecting a problem per broken cell instead of stopping."""

    def __init__(self, line, cells):
        self.line, self.cells, self.problems, self.warnings = line, cells, [], []

    def read(self, column, parse, *args):
        try:
            return parse(self.cells.get(column, ""), *args)
        except _CellError as error:
            self.add(error.column or column, error.message)
            return None

    def read_agency(self, directory):
        """Two columns name one agency, so the parser gets the whole row."""
        return self.read(AGENCY_CODE, lambda _cell: parse_agency(self.cells, directory))

    def add(self, column, message):
        self.problems.append(Problem(self.line, column, message))

    def warn(self, column, message):
        self.warnings.append(Problem(self.line, column, message))


def check_row(line, cells, directory):
    """(ImportRow or None, problems, warnings) for one data row given as {column: text}."""
    reader = _RowReader(line, cells)
    nip_info = reader.read(NIP, parse_nip_cell)
    name = reader.read(NAME, parse_name)
    email = reader.read(EMAIL, parse_email)
    agency = reader.read_agency(directory)
    jabatan_type = reader.read(JABATAN_TYPE, parse_jabatan_type, directory)
    jabatan_title = reader.read(JABATAN_TITLE, parse_jabatan_title)
    employment = reader.read(EMPLOYMENT, parse_employment, nip_info)
    employment_type = nip_info.employment_type if nip_info else employment
    golongan = reader.read(GOLONGAN, parse_golongan, employment_type)
    roles = reader.read(ROLE, parse_roles)
    if nip_info is not None:
        _check_against_accounts(reader, nip_info, email, roles, directory)
    if reader.problems:
        return None, reader.problems, reader.warnings
    row = ImportRow(line=line, nip=nip_info.nip, name=name, employment_type=employment_type,
                    agency_id=agency.id, agency_code=agency.code, email=email,
                    jabatan_type=jabatan_type, jabatan_title=jabatan_title, golongan=golongan,
                    roles=roles, existing=directory.users_by_nip.get(nip_info.nip))
    row.status = _status(row)
    return row, [], reader.warnings


def _check_against_accounts(reader, nip_info, email, roles, directory):
    """E-mail addresses of other accounts, and admin roles taken away by the file."""
    # Odd but possible NIPs (old TMT dates) are imported; the admin is asked to look.
    for warning in plausibility_warnings(nip_info):
        reader.warn(NIP, warning)
    owner = directory.nip_by_email.get(email) if email else None
    if owner is not None and owner != nip_info.nip:
        reader.add(EMAIL, _("email %(email)s sudah dipakai akun lain (NIP %(nip)s)",
                            email=email, nip=format_nip(owner)))
    existing = directory.users_by_nip.get(nip_info.nip)
    if existing is None or not existing.is_admin or roles is None or "admin" in roles:
        return
    if directory.actor is not None and directory.actor.id == existing.id:
        reader.add(ROLE, _("Anda tidak dapat mencabut peran admin Anda sendiri"))
    else:
        reader.warn(ROLE, _("peran admin %(name)s akan dicabut", name=existing.name))


def _status(row):
    """New, updated or unchanged: compare what the row gives with what is stored."""
    if row.existing is None:
        return NEW
    changed = any(getattr(row.existing, name) != value
                  for name, value in row.given_values().items())
    return UPDATED if changed else UNCHANGED


class _FirstLines:
    """Where each NIP and e-mail address first appeared, to name that line in a duplicate."""

    def __init__(self):
        self.nips, self.emails = {}, {}

    def duplicates(self, line, cells):
        problems = []
        nip, email = normalize_nip(cells.get(NIP, "")), cells.get(EMAIL, "").lower()
        if not (nip.isdigit() and len(nip) == 18):
            nip = ""  # mangled by Excel, already a problem of its own: not also a duplicate
        if nip in self.nips:
            problems.append(Problem(line, NIP, _("NIP %(nip)s sudah ada di baris %(line)d",
                                                 nip=nip, line=self.nips[nip])))
        if email in self.emails:
            problems.append(Problem(line, EMAIL, _("email %(email)s sudah dipakai di baris "
                                                   "%(line)d", email=email,
                                                   line=self.emails[email])))
        if nip:
            self.nips.setdefault(nip, line)
        if email:
            self.emails.setdefault(email, line)
        return problems


# --- the whole file ---------------------------------------------------------------------------

def _cells_by_column(columns, cells):
    """{column: text} for every named column; a short row (Excel trims them) reads as empty."""
    padded = cells + [""] * (len(columns) - len(cells))
    return {column: value for column, value in zip(columns, padded, strict=False) if column}


def _overflow_problem(line, columns, cells):
    """Text past the last column usually means an unquoted delimiter inside a cell."""
    if any(cells[len(columns):]):
        return [Problem(line, None, _("baris ini punya lebih banyak sel daripada judul kolom; "
                                      "apitlah sel yang memuat pemisah dengan tanda kutip"))]
    return []


def _is_blank(cells):
    return not any(cells)


def check_people_csv(data, actor=None):
    """Read and check a whole CSV file; nothing is written. `actor` is the importing admin."""
    try:
        records = read_records(decode_csv_bytes(data))
    except ImportRefused as refusal:
        return ImportCheck(problems=[refusal.problem])
    header = records[0][1]
    if _is_blank(header):
        return ImportCheck(problems=[Problem(1, None, _("baris pertama harus judul kolom"))])
    columns, problems, warnings = check_header(header)
    if problems:
        return ImportCheck(problems=problems, warnings=warnings)
    check = _check_rows(records[1:], columns, _load_directory(actor))
    check.warnings[:0] = warnings
    if not check.rows and not check.problems:
        check.problems.append(Problem(None, None, _("Berkas tidak berisi baris data.")))
    check.problems.sort(key=Problem.sort_key)
    check.warnings.sort(key=Problem.sort_key)
    return check


def _check_rows(records, columns, directory):
    check, first_lines = ImportCheck(), _FirstLines()
    for line, cells in records:
        if _is_blank(cells):
            continue  # Excel leaves rows of empty cells at the end
        by_column = _cells_by_column(columns, cells)
        row, problems, warnings = check_row(line, by_column, directory)
        problems += first_lines.duplicates(line, by_column)
        problems += _overflow_problem(line, columns, cells)
        check.problems += problems
        check.warnings += warnings
        if not problems:
            check.rows.append(row)
    return check


# --- preview ----------------------------------------------------------------------------------

def preview_import(check):
    """What confirming would do: counts per status, the first rows, problems and warnings."""
    counts = {NEW: 0, UPDATED: 0, UNCHANGED: 0}
    for row in check.rows:
        counts[row.status] += 1
    return ImportPreview(new=counts[NEW], updated=counts[UPDATED], unchanged=counts[UNCHANGED],
                         rows=check.rows, sample=check.rows[:PREVIEW_ROWS],
                         problems=check.problems, warnings=check.warnings)


# --- writing ----------------------------------------------------------------------------------

def _one_time_hasher():
    """Argon2id at the one-time cost, or at the configured cost when that is lower still."""
    config = current_app.config
    return PasswordHasher(time_cost=min(ONE_TIME_TIME_COST, config["ARGON2_TIME_COST"]),
                          memory_cost=min(ONE_TIME_MEMORY_KIB, config["ARGON2_MEMORY_COST"]),
                          parallelism=1)


def _new_user_values(row, password_hash, now):
    values = dict.fromkeys(PERSON_FIELDS)
    values.update(row.given_values())
    values.update(role_flags(row.roles or {"learner"}))
    values.update(nip=row.nip, password_hash=password_hash, must_change_password=True,
                  active=True, session_version=1, created_at=now,
                  # The roster's addresses count as confirmed (docs/security.md).
                  email_confirmed_at=now if row.email else None, pending_email=None)
    return values


def insert_new_users(rows):
    hasher, now = _one_time_hasher(), utcnow()
    passwords, values = [], []
    for row in rows:
        password = temporary_password()
        passwords.append(OneTimePassword(row.nip, row.name, password))
        values.append(_new_user_values(row, hasher.hash(password), now))
    if values:
        # One executemany statement instead of a flush per object.
        db.session.execute(insert(User), values)
    return passwords


def _email_state(row, now):
    """A new address from the roster counts as confirmed and replaces any address the person
    was waiting to confirm; an unchanged one keeps its state."""
    existing = row.existing
    if row.email is None or row.email == existing.email:
        return {"email_confirmed_at": existing.email_confirmed_at,
                "pending_email": existing.pending_email}
    return {"email_confirmed_at": now, "pending_email": None}


def update_users(rows):
    """Bulk UPDATE by primary key; every row carries every field so it is one executemany."""
    values, now = [], utcnow()
    for row in rows:
        merged = {name: getattr(row.existing, name) for name in USER_FIELDS}
        merged.update(row.given_values())
        merged.update(_email_state(row, now))
        values.append({"id": row.existing.id, **merged})
    if values:
        db.session.execute(update(User), values)


def apply_import(check, actor):
    """Write every checked row in the caller's transaction; the one-time passwords of new people.

    Raises LmsError when the check found problems. Flushes; the caller commits (or rolls back,
    which leaves nothing written).
    """
    if not check.ok:
        raise LmsError(_("Berkas masih bermasalah; tidak ada yang disimpan."))
    passwords = insert_new_users([row for row in check.rows if row.status == NEW])
    update_users([row for row in check.rows if row.status == UPDATED])
    counts = preview_import(check)
    record_event(actor, "users.import", "user", None, created=counts.new,
                 updated=counts.updated, unchanged=counts.unchanged)
    db.session.flush()
    return passwords


# --- files for Excel --------------------------------------------------------------------------

def excel_csv(header, rows):
    """UTF-8 with BOM and ';': what Excel in an Indonesian locale opens without asking."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([spreadsheet_text(cell) for cell in row] for row in rows)
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def passwords_csv(passwords):
    """nip;nama;kata_sandi_sementara. The NIP is spaced as people read it, which also keeps
    Excel from turning 18 digits into 1,98609E+17; login accepts it with the spaces."""
    return excel_csv(("nip", "nama", "kata_sandi_sementara"),
                     [(format_nip(p.nip), p.name, p.password) for p in passwords])


def template_csv():
    """The header and two example rows (a PNS and a PPPK) to fill in."""
    header = (NIP, NAME, EMAIL, AGENCY_CODE, JABATAN_TYPE, JABATAN_TITLE, GOLONGAN, EMPLOYMENT,
              ROLE)
    return excel_csv(header, [
        ("19860926 201505 1 001", "Siti Rahmawati", "siti.rahmawati@palukota.go.id", "BKPSDM",
         "Fungsional", "Analis SDM Aparatur Ahli Pertama", "III/a", "PNS", "peserta"),
        ("20001231 202421 1 001", "Rudi Hartono", "", "DISKOMINFO", "Pelaksana",
         "Pengelola Layanan Operasional", "V", "PPPK", "peserta;pengajar"),
    ])


def write_private_file(path, data):
    """Create a file only its owner can read (0600); refuse to overwrite an existing one."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:  # nothing was created: no partial file to remove
        raise storage_error(error) from error
    with removed_on_failure(path), os.fdopen(fd, "wb") as handle:
        handle.write(data)
