"""Report tables: which columns each report has, and how a cell reads on screen and in files.

The page, the CSV and the XLSX are all drawn from one Table (same columns, same row objects),
and numbers are formatted by one function for the page and the CSV, so the three cannot
disagree. Conventions (docs/reports.md): whole numbers without thousands separators, decimals
with a comma ("66,7", Indonesian; on the page they follow the interface language, "66.7" in
English), dates as "3 November 2026" on screen (in the interface language) and ISO 2026-11-03
in files, an empty value as "–" on screen and an empty cell in files.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from app.auth.models import EMPLOYMENT_LABELS
from app.auth.nip import format_nip
from app.reports.queries import COURSE_KIND, CREDIT_KIND, SESSION_KIND
from app.templating import number, wita_date

TEXT, NUMBER, DECIMAL, DATE, NIP = "text", "number", "decimal", "date", "nip"
EMPTY_ON_SCREEN = "\u2013"


@dataclass(frozen=True)
class Column:
    key: str
    label: object  # a lazy_gettext string
    kind: str = TEXT


@dataclass
class Table:
    """A report table: caption, columns, rows (any iterable of row objects) and an optional
    footer row (totals). `row_header` names the column read out as each row's header."""

    name: str  # the downloaded file's name, without extension
    caption: str
    columns: tuple
    rows: object
    footer: object = None
    row_header: str | None = None
    element_id: str = field(default="")

    def __post_init__(self):
        self.element_id = self.element_id or f"tabel-{self.name}"


def cell_value(row, column):
    """The raw value of a cell: rows are objects (attributes) or mappings (footers)."""
    if isinstance(row, dict):
        return row.get(column.key)
    return getattr(row, column.key)


def number_text(value, kind):
    """The text of a value shared by the page and the CSV (dates excepted: see below)."""
    if value is None or value == "":
        return ""
    if kind == DECIMAL or isinstance(value, Decimal):
        return f"{value:.1f}".replace(".", ",")
    return str(value)


def screen_text(value, kind):
    """What a cell shows on the page."""
    if value is None or value == "":
        return EMPTY_ON_SCREEN
    if kind == DATE and isinstance(value, date):
        return wita_date(value)
    if kind == NIP:
        return format_nip(value)
    if kind == DECIMAL or isinstance(value, Decimal):
        return number(value, 1)  # "66,7" in Indonesian, "66.7" in English
    if kind == NUMBER:
        return number(value)  # "15.000" in Indonesian, "15,000" in English (the CSV: 15000)
    return number_text(value, kind)


def file_text(value, kind):
    """What a cell holds in the CSV: ISO dates and plain NIP digits, for other systems."""
    if kind == DATE and isinstance(value, date):
        return value.isoformat()
    return number_text(value, kind)


def screen_cell(row, column):
    return screen_text(cell_value(row, column), column.kind)


def _wrapped(rows, view):
    """Wrap each row for display; a list stays a list (pages), a stream stays a stream."""
    if isinstance(rows, list):
        return [view(r) for r in rows]
    return (view(r) for r in rows)


# --- the columns of each report ---------------------------------------------------------------

class LedgerView:
    """A ledger row as the table shows it (labels for the type and the status)."""

    def __init__(self, row):
        self.row = row

    def __getattr__(self, name):
        return getattr(self.row, name)

    @property
    def employment_label(self):
        return EMPLOYMENT_LABELS.get(self.row.employment_type, self.row.employment_type)

    @property
    def status(self):
        return str(_l("Mencapai target") if self.row.reached else _l("Di bawah target"))


LEDGER_COLUMNS = (
    Column("nip", _l("NIP"), NIP),
    Column("name", _l("Nama")),
    Column("opd", _l("OPD")),
    Column("employment_label", _l("Jenis ASN")),
    Column("course_jp", _l("JP kursus"), NUMBER),
    Column("credit_jp", _l("JP kredit manual"), NUMBER),
    Column("session_jp", _l("JP workshop/webinar"), NUMBER),
    Column("total", _l("Jumlah JP"), NUMBER),
    Column("target", _l("Target JP"), NUMBER),
    Column("status", _l("Status")),
)


def ledger_table(year, rows, totals):
    footer = {"name": str(_l("Jumlah: %(n)d ASN", n=totals.asn)),
              "course_jp": totals.course_jp, "credit_jp": totals.credit_jp,
              "session_jp": totals.session_jp, "total": totals.total,
              "status": str(_l("%(n)d mencapai target", n=totals.reached))}
    return Table(f"jp-{year}", str(_l("Perolehan JP ASN tahun %(year)d", year=year)),
                 LEDGER_COLUMNS, _wrapped(rows, LedgerView), footer=footer, row_header="name")


OPD_COLUMNS = (
    Column("name", _l("OPD")),
    Column("asn", _l("Jumlah ASN"), NUMBER),
    Column("reached", _l("Mencapai target"), NUMBER),
    Column("below", _l("Di bawah target"), NUMBER),
    Column("share", _l("Persentase mencapai target (%)"), DECIMAL),
    Column("average_jp", _l("Rata-rata JP"), DECIMAL),
)


def opd_table(year, summary):
    total = summary.total
    footer = {"name": str(_l("Semua OPD")), "asn": total.asn, "reached": total.reached,
              "below": total.below, "share": total.share, "average_jp": total.average_jp}
    return Table(f"ringkasan-opd-{year}",
                 str(_l("Ringkasan per OPD tahun %(year)d", year=year)),
                 OPD_COLUMNS, summary.rows, footer=footer, row_header="name")


FUNNEL_COLUMNS = (
    Column("enrolled", _l("Terdaftar"), NUMBER),
    Column("started", _l("Mulai belajar"), NUMBER),
    Column("completed", _l("Selesai"), NUMBER),
    Column("certified", _l("Bersertifikat"), NUMBER),
    Column("completion_share", _l("Persentase selesai (%)"), DECIMAL),
)


def _funnel_footer(total):
    return {"label": total.label, "enrolled": total.enrolled, "started": total.started,
            "completed": total.completed, "certified": total.certified,
            "completion_share": total.completion_share}


def funnel_table(year, rows, total):
    return Table(f"corong-kursus-{year}",
                 str(_l("Corong kursus: pendaftaran tahun %(year)d", year=year)),
                 (Column("label", _l("Kursus")),) + FUNNEL_COLUMNS, rows,
                 footer=_funnel_footer(total), row_header="label")


def funnel_opd_table(year, course, rows, total):
    return Table(f"corong-{course.slug}-{year}",
                 str(_l("Corong %(code)s per OPD: pendaftaran tahun %(year)d",
                        code=course.code, year=year)),
                 (Column("label", _l("OPD")),) + FUNNEL_COLUMNS, rows,
                 footer=_funnel_footer(total), row_header="label")


KIND_LABELS = {COURSE_KIND: _l("Kursus Kompeten"), SESSION_KIND: _l("Workshop/webinar Kompeten"),
               CREDIT_KIND: _l("Pembelajaran lain (kredit JP)")}


class HistoryView:
    """A history row as the table shows it (the kind as words)."""

    def __init__(self, row):
        self.row = row

    def __getattr__(self, name):
        return getattr(self.row, name)

    @property
    def kind_label(self):
        return str(KIND_LABELS.get(self.row.kind, KIND_LABELS[CREDIT_KIND]))


HISTORY_COLUMNS = (
    Column("kind_label", _l("Jenis")),
    Column("code", _l("Kode")),
    Column("title", _l("Judul")),
    Column("provider", _l("Penyelenggara")),
    Column("enrolled_on", _l("Tanggal daftar"), DATE),
    Column("started_on", _l("Tanggal mulai"), DATE),
    Column("completed_on", _l("Tanggal selesai"), DATE),
    Column("jp", _l("JP"), NUMBER),
    Column("certificate_number", _l("Nomor sertifikat")),
    Column("note", _l("Catatan")),
)
# Files for HR systems carry who each row belongs to.
PERSON_COLUMNS = (Column("nip", _l("NIP"), NIP), Column("name", _l("Nama")),
                  Column("opd", _l("OPD")))


def history_table(name, caption, rows, with_person=False):
    columns = (PERSON_COLUMNS if with_person else ()) + HISTORY_COLUMNS
    return Table(name, caption, columns, _wrapped(rows, HistoryView), row_header="title")
