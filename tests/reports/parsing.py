"""Read a report three ways, the way a person or a program would: the HTML table on the page,
the CSV and the XLSX download; and compare them cell by cell."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from html.parser import HTMLParser

from openpyxl import load_workbook

from app.reports.tables import DATE, DECIMAL, NIP, NUMBER

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")
EMPTY_ON_SCREEN = "\u2013"


class _TableParser(HTMLParser):
    """The text of every cell of one <table id=...>, row by row (caption left out)."""

    def __init__(self, element_id):
        super().__init__()
        self.element_id = element_id
        self.depth = 0  # > 0 while inside the wanted table
        self.rows, self.row, self.cell = [], None, None
        self.in_caption = False
        self.caption = ""

    def handle_starttag(self, tag, attrs):
        if tag == "table" and (self.depth or dict(attrs).get("id") == self.element_id):
            self.depth += 1
        elif not self.depth:
            return
        elif tag == "caption":
            self.in_caption = True
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if tag == "table":
            self.depth -= 1
        elif tag == "caption":
            self.in_caption = False
        elif tag in ("td", "th") and self.cell is not None:
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.in_caption:
            self.caption += data
        elif self.cell is not None:
            self.cell.append(data)


def html_table(html, element_id):
    parser = _TableParser(element_id)
    parser.feed(html)
    assert parser.rows, f"no table #{element_id} on the page"
    return parser.rows


def html_caption(html, element_id):
    parser = _TableParser(element_id)
    parser.feed(html)
    return " ".join(parser.caption.split())


def csv_table(data):
    assert data.startswith("\ufeff".encode()), "the CSV starts with a UTF-8 byte-order mark"
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def plain_csv_table(data):
    """The CSV for scripts (?format=csv-plain): no byte-order mark, ',' between fields."""
    assert not data.startswith("\ufeff".encode()), "no byte-order mark for scripts"
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def xlsx_table(data):
    workbook = load_workbook(io.BytesIO(data))
    try:
        return [list(row) for row in workbook.active.iter_rows(values_only=True)]
    finally:
        workbook.close()


def screen_date(text):
    day, month, year = text.split()
    return date(int(year), MONTHS.index(month) + 1, int(day))


def _same_cell(shown, in_csv, in_xlsx, kind):
    """One cell: the page's text, the CSV's text and the XLSX value say the same thing."""
    shown = "" if shown == EMPTY_ON_SCREEN else shown
    if shown == "":
        return in_csv == "" and in_xlsx is None
    if kind == NUMBER:
        return int(shown) == int(in_csv) == in_xlsx and isinstance(in_xlsx, int)
    if kind == DECIMAL:
        return shown == in_csv and Decimal(shown.replace(",", ".")) == Decimal(str(in_xlsx))
    if kind == DATE:
        xlsx_date = in_xlsx.date() if isinstance(in_xlsx, datetime) else in_xlsx
        return screen_date(shown) == date.fromisoformat(in_csv) == xlsx_date
    if kind == NIP:  # spaced text in the CSV (Excel keeps it whole), digits in the XLSX text
        return shown == in_csv and shown.replace(" ", "") == in_xlsx
    return shown == in_csv == in_xlsx


def assert_same_table(html_rows, csv_rows, xlsx_rows, columns):
    """Compare by column label: the files may carry extra columns (NIP and name for HR)."""
    labels = [str(c.label) for c in columns]
    assert html_rows[0] == labels, html_rows[0]
    assert [str(v) for v in xlsx_rows[0]] == csv_rows[0], "XLSX and CSV headers differ"
    positions = [csv_rows[0].index(label) for label in labels]
    assert len(html_rows) == len(csv_rows) == len(xlsx_rows), (
        len(html_rows), len(csv_rows), len(xlsx_rows))
    for number, (shown, in_csv, in_xlsx) in enumerate(zip(html_rows[1:], csv_rows[1:],
                                                          xlsx_rows[1:], strict=True), 1):
        for column, text, position in zip(columns, shown, positions, strict=True):
            assert _same_cell(text, in_csv[position], in_xlsx[position], column.kind), (
                f"row {number}, {column.label}: page {text!r}, CSV {in_csv[position]!r}, "
                f"XLSX {in_xlsx[position]!r}")


def export_via_job(client, url):
    """An export that runs as a background job (run at once in the tests): the request opens
    the job's page, whose download link gives the file."""
    started = client.get(url)
    assert started.status_code == 302, started.status_code
    job_page = started.headers["Location"]
    assert job_page.startswith("/admin/tugas/"), job_page
    assert "Unduh hasil" in client.get(job_page).get_data(as_text=True)
    download = client.get(f"{job_page}/unduh")
    assert download.status_code == 200
    download.get_data()  # read the file, then let it go
    download.close()
    return download
