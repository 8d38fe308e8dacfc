"""The "DICABUT" stamp laid over every page of a revoked certificate's PDF.

The stored PDF is never changed: its bytes are the record of what was issued. A revoked
certificate's download is a copy stamped here at download time (a read; no row is locked), so
the paper a holder prints or forwards after the revocation says so on its face, while the QR
code on it still opens the verification page that says "DICABUT" too.

fpdf2 draws a transparent overlay page of each page's size; pypdf lays it over the original
page. Pure: bytes in, bytes out; no database or app.
"""

import io
import math

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter, Transformation

STAMP = "DICABUT"
RED = (200, 16, 16)
STAMP_OPACITY = 0.35
NOTICE_SIZE = 11  # points
NOTICE_TOP = 8  # points from the top edge: above the certificate's frame, which starts at 10 mm


def stamp_revoked(pdf_bytes, notice):
    """The PDF with STAMP written large across every page, corner to corner, and `notice` (one
    line of plain Latin-1 text, e.g. "DICABUT pada 2 Desember 2026 ...") across its top."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf_bytes))
    overlays = {}  # one overlay per page size
    for page in writer.pages:
        box = page.mediabox
        size = (float(box.width), float(box.height))
        if size not in overlays:
            overlays[size] = PdfReader(io.BytesIO(_overlay(*size, notice))).pages[0]
        page.merge_transformed_page(
            overlays[size], Transformation().translate(float(box.left), float(box.bottom)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _overlay(width, height, notice):
    """One transparent page of this size (points) carrying the stamp and the notice."""
    pdf = FPDF(unit="pt", format=(width, height))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_page()
    pdf.set_text_color(*RED)
    _diagonal_stamp(pdf, width, height)
    pdf.set_font("helvetica", "B", NOTICE_SIZE)
    pdf.set_xy(0, NOTICE_TOP)
    pdf.cell(width, NOTICE_SIZE * 1.3, notice, align="C")
    return bytes(pdf.output())


def _diagonal_stamp(pdf, width, height):
    """STAMP along the page's rising diagonal, sized to cover about three quarters of it, and
    see-through so the certificate underneath stays readable."""
    pdf.set_font("helvetica", "B", 100)
    size = 100 * 0.75 * math.hypot(width, height) / pdf.get_string_width(STAMP)
    pdf.set_font("helvetica", "B", size)
    angle = math.degrees(math.atan2(height, width))
    centre_x, centre_y = width / 2, height / 2
    with pdf.local_context(fill_opacity=STAMP_OPACITY), \
            pdf.rotation(angle, x=centre_x, y=centre_y):
        # text() places the baseline; capitals are about 0.7 of the font size tall.
        pdf.text(centre_x - pdf.get_string_width(STAMP) / 2, centre_y + size * 0.35, STAMP)
