"""CSV and XLSX downloads of report tables, drawn from the same Table the page renders.

CSV, two dialects. "csv" is for people: UTF-8 with a byte-order mark and ';' between fields,
which is what Excel set to Indonesian (decimal comma) opens correctly with a double click;
decimals carry a comma like the page, and a NIP is spaced text ("19860926 201505 1 001"), as in
the import template, so Excel never turns it into 1,98609E+17. "csv-plain" is for scripts and
other systems: UTF-8 without a BOM, ',' between fields, bare NIP digits, a decimal point.
XLSX: openpyxl in write-only mode (rows go straight to the file, so a 10,000-row ledger stays
small in memory); numbers are numbers, dates are dates, NIPs are text (Excel would round an
18-digit number).
"""

import csv
import io
from datetime import date
from decimal import Decimal

from flask import Response, stream_with_context

from app.auth.nip import format_nip
from app.reports.tables import DATE, DECIMAL, NIP, NUMBER, cell_value, file_text
from app.spreadsheet import spreadsheet_text

BOM = "\ufeff"
CSV_MIME = "text/csv"  # Flask adds "; charset=utf-8"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PLAIN_CSV = "csv-plain"
FORMATS = ("csv", PLAIN_CSV, "xlsx")
EXTENSIONS = {"csv": "csv", PLAIN_CSV: "csv", "xlsx": "xlsx"}


class ExcelIndonesian(csv.excel):
    """Excel with Indonesian regional settings: ';' between fields."""

    delimiter = ";"
    lineterminator = "\r\n"


class Plain(csv.excel):
    """RFC 4180-style, for scripts."""

    delimiter = ","
    lineterminator = "\r\n"
def _all_rows(table):
    yield from table.rows
    if table.footer is not None:
        yield table.footer


def _csv_cell(value, column, plain):
    # Numbers stay numbers; text never runs as a formula (the XLSX types its cells as text).
    if plain:
        if column.kind == DECIMAL or isinstance(value, Decimal):
            return "" if value in (None, "") else f"{value:.1f}"
        return file_text(value, column.kind)
    if column.kind == NIP and value:
        return format_nip(str(value))
    text = file_text(value, column.kind)
    return text if column.kind in (NUMBER, DECIMAL) else spreadsheet_text(text)


def _csv_line(values, dialect):
    buffer = io.StringIO()
    csv.writer(buffer, dialect=dialect).writerow(values)
    return buffer.getvalue()


def csv_lines(table, plain=False):
    """The CSV text, line by line: a header, the rows, then the footer (totals) if any."""
    dialect = Plain if plain else ExcelIndonesian
    yield ("" if plain else BOM) + _csv_line([str(c.label) for c in table.columns], dialect)
    for row in _all_rows(table):
        yield _csv_line([_csv_cell(cell_value(row, c), c, plain) for c in table.columns],
                        dialect)


def _attachment(filename):
    return {"Content-Disposition": f'attachment; filename="{filename}"'}


def csv_response(table, plain=False):
    """Streamed: a whole year's history for every ASN is never held in memory at once."""
    lines = (line.encode("utf-8") for line in csv_lines(table, plain))
    return Response(stream_with_context(lines), mimetype=CSV_MIME,
                    headers=_attachment(f"{table.name}.csv"))


def _xlsx_cell(sheet, value, column, cell_class):
    if value == "":
        value = None
    cell = cell_class(sheet, value=str(value) if column.kind == NIP and value else value)
    if column.kind == DATE and isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    elif column.kind == DECIMAL:
        cell.number_format = "0.0"
    elif isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def _xlsx_value(value):
    """Lazy translations and other text-like objects become plain strings."""
    if value is None or isinstance(value, int | float | Decimal | date | str):
        return value
    return str(value)


def xlsx_bytes(table):
    buffer = io.BytesIO()
    write_xlsx(table, buffer)
    return buffer.getvalue()


def write_xlsx(table, handle):
    """Write the workbook to a file object (a job writes straight to its result file)."""
    # openpyxl (~18 MiB) is imported where a workbook is written, mostly in the job consumer,
    # so web workers that never write one do not carry it.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.name[:31])
    header = []
    for column in table.columns:
        cell = WriteOnlyCell(sheet, value=str(column.label))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in _all_rows(table):
        sheet.append([_xlsx_cell(sheet, _xlsx_value(cell_value(row, c)), c, WriteOnlyCell)
                      for c in table.columns])
    workbook.save(handle)


def xlsx_response(table):
    return Response(xlsx_bytes(table), mimetype=XLSX_MIME,
                    headers=_attachment(f"{table.name}.xlsx"))


def download(table, fmt):
    if fmt == "xlsx":
        return xlsx_response(table)
    return csv_response(table, plain=fmt == PLAIN_CSV)
