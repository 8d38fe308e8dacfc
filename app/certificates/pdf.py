"""The certificate as a one-page A4 PDF (Sertifikat / Surat Keterangan Pelatihan, Peraturan LAN
5/2020): institution, title, number, holder identity, result, JP, dates, signer and a QR code
that opens the public verification page. A programme's certificate adds a lampiran: its steps,
their JP and the sum.

Pure rendering: no database, app or locale. The same document always gives the same bytes.
"""

import copy
import io
import re
import tempfile
import threading
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import segno
from fontTools import subset as ftsubset
from fontTools import ttLib
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import SubsetMap

from app.certificates.document import PROGRAMME_KIND, SESSION_KIND, indonesian_date

FONT_DIR = Path(__file__).with_name("fonts")
SERIF, SANS = "DejaVuSerif", "DejaVuSans"
# Palu is WITA; a fixed offset (not the host zone) keeps the creation date, and so the bytes,
# identical on every machine.
WITA = timezone(timedelta(hours=8), "WITA")

_DIGITS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")

# Landscape A4 in mm: the customary orientation for an Indonesian training sertifikat.
PAGE_W, PAGE_H = 297.0, 210.0
MARGIN_X = 24.0
CONTENT_W = PAGE_W - 2 * MARGIN_X
TOP, BOTTOM = 17.0, 193.0
EMBLEM_BOX = (MARGIN_X, TOP - 2, 20.0, 23.0)  # x, y, w, h: kop-surat position, left of the header
PT = 25.4 / 72  # mm per point
# Font scales tried in order until everything fits. Real long titles and names need 0.95 at most;
# the floor fits every field at its database maximum even in the widest capitals (tested).
SCALES = (1.0, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.55, 0.5)

MODE_PHRASES = {
    "e-learning": "secara daring (e-learning)",
    "webinar": "secara daring melalui webinar",
    "blended": "secara daring dan tatap muka (blended learning)",
    "klasikal": "secara klasikal (tatap muka)",
}


def terbilang(number):
    """0..999 in Indonesian words: 12 -> "dua belas", 111 -> "seratus sebelas"."""
    if not 0 <= number <= 999:
        raise ValueError(f"terbilang covers 0..999, not {number}")
    if number < 10:
        return _DIGITS[number]
    if number < 20:
        return {10: "sepuluh", 11: "sebelas"}.get(number) or f"{_DIGITS[number - 10]} belas"
    if number < 100:
        head, rest = f"{_DIGITS[number // 10]} puluh", number % 10
    else:
        hundreds, rest = divmod(number, 100)
        head = "seratus" if hundreds == 1 else f"{_DIGITS[hundreds]} ratus"
    return f"{head} {terbilang(rest)}" if rest else head


def group_nip(nip):
    """19860926 201505 1 001; anything that is not 18 digits is printed as given."""
    digits = re.sub(r"\D", "", nip or "")
    if len(digits) != 18:
        return (nip or "").strip()
    return f"{digits[:8]} {digits[8:14]} {digits[14]} {digits[15:]}"


def jp_phrase(jp):
    words = f" ({terbilang(jp)})" if 0 <= jp <= 999 else ""
    return f"{jp}{words} Jam Pelajaran"


def held_on_phrase(first, last):
    """3 November 2026, or 3 s.d. 5 November 2026 for a session over several days."""
    if first is None or first == last:
        return indonesian_date(last)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day} s.d. {indonesian_date(last)}"
    return f"{indonesian_date(first)} s.d. {indonesian_date(last)}"


def _wording(doc):
    """(opening runs, sentence under the title): a course completed and passed, or a workshop
    or webinar attended."""
    competency = doc.competency.strip()
    partner = f" bekerja sama dengan {doc.provider.strip()}" if doc.provider.strip() else ""
    if doc.kind == PROGRAMME_KIND:
        opening = [("", "telah menyelesaikan seluruh rangkaian "), ("B", "PROGRAM")]
        partner = f",{partner}," if partner else ""
        return opening, (f"yang terdiri atas {len(doc.components)} kegiatan pelatihan{partner} "
                         "dengan "
                         f"jumlah {jp_phrase(doc.jp)}\ndan diselesaikan pada tanggal "
                         f"{indonesian_date(doc.completed_on)}; rinciannya pada lampiran.")
    if doc.kind == SESSION_KIND:
        opening = [("", "telah mengikuti sebagai "), ("B", "PESERTA"), ("", " kegiatan")]
        head = f"kompetensi {competency}, " if competency else ""
        ending = f"pada tanggal {held_on_phrase(doc.started_on, doc.completed_on)}."
    else:
        opening = [("", "telah mengikuti dan dinyatakan "), ("B", "LULUS"), ("", " pelatihan")]
        head = f"kode {doc.course_code}" + (f", kompetensi {competency}" if competency else "")
        head += ", "
        ending = f"dan diselesaikan pada tanggal {indonesian_date(doc.completed_on)}."
    # Broken by hand where the sense breaks, so the JP phrase never splits across lines.
    sentence = (f"{head}yang diselenggarakan {mode_phrase(doc.mode)}{partner}\n"
                f"sebanyak {jp_phrase(doc.jp)} {ending}")
    return opening, sentence


def mode_phrase(mode):
    if not mode.strip():
        return "secara daring"
    return MODE_PHRASES.get(mode.strip().casefold(), f"dengan moda {mode.strip()}")


def render_certificate(document, *, emblem=None):
    """One A4 landscape page as PDF bytes. `emblem`: optional logo (a path or anything
    FPDF.image accepts) drawn in EMBLEM_BOX; the layout already leaves room for it.
    Raises ValueError only if the text cannot fit even at the smallest scale."""
    scale, slack = _fit(document, emblem)
    # Spread the spare height over the flexible gaps instead of leaving it at the bottom, so a
    # short certificate looks composed rather than top-heavy.
    with _open_pdf(document) as pdf:
        _Page(pdf, document, scale, slack / _Page.FLEX_GAPS, emblem, final=True).draw()
        if document.components:
            _Attachment(pdf, document).draw()
        return bytes(pdf.output())


def _fit(document, emblem):
    """(scale, spare height) of the largest scale that fits, measured on a scratch PDF with one
    page per try: loading the fonts is the slow part, so it happens once for all tries."""
    with _open_pdf(document, final=False) as scratch:
        for scale in SCALES:
            end = _Page(scratch, document, scale, 0.0, emblem, final=False).draw()
            if end <= BOTTOM:
                return scale, BOTTOM - end
    raise ValueError("certificate text is too long to fit on one page")


class _Page:
    """One layout attempt at a given font scale; draw() returns the y where content ends."""

    FLEX_GAPS = 5

    def __init__(self, pdf, document, scale, stretch, emblem, *, final):
        self.pdf, self.doc, self.scale, self.stretch, self.emblem = (
            pdf, document, scale, stretch, emblem)
        self.final = final  # False: a measuring pass, which skips what cannot move the text

    def draw(self):
        self.pdf.add_page()
        _draw_border(self.pdf)
        self._header()
        self._title()
        self._holder()
        self._statement()
        return self._signature_band()

    # -- primitives ---------------------------------------------------------------------------

    def text(self, text, size, style="", *, align="C", x=MARGIN_X, w=CONTENT_W, family=SERIF,
             leading=1.4):
        """A wrapping paragraph: every user-supplied string goes through here, so none can run
        past its column."""
        if not self.final:  # measuring: advance by the height, no glyphs to place
            height = self.measure(text, size, style, w=w, family=family, leading=leading)
            self.pdf.set_y(self.pdf.get_y() + height)
            return
        self.font(size, style, family)
        self.pdf.set_x(x)
        self.pdf.multi_cell(w, self.line(size, leading), text.strip(), align=align,
                            new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def measure(self, text, size, style="", *, w=CONTENT_W, family=SERIF, leading=1.4):
        """Height `text` would take, drawing nothing."""
        self.font(size, style, family)
        return self.pdf.multi_cell(w, self.line(size, leading), text.strip(), dry_run=True,
                                   output="HEIGHT")

    def font(self, size, style="", family=SERIF):
        self.pdf.set_font(family, style, size * self.scale)

    def line(self, size, leading=1.4):
        return size * self.scale * PT * leading

    def gap(self, mm, flexible=False):
        self.pdf.set_y(self.pdf.get_y() + mm * self.scale + (self.stretch if flexible else 0))

    # -- sections -----------------------------------------------------------------------------

    def _header(self):
        inner_w = CONTENT_W - 2 * (EMBLEM_BOX[2] + 6)  # keep clear of the emblem on both sides
        lines = [(self.doc.institution_name.upper(), 15), (self.doc.issuer_unit.upper(), 11.5)]
        top = TOP
        if self.emblem is not None:
            # Kop-surat style: the text block centred against the emblem beside it.
            text_h = sum(self.measure(text, size, "B", w=inner_w, leading=1.3)
                         for text, size in lines)
            top = max(TOP, EMBLEM_BOX[1] + (EMBLEM_BOX[3] - text_h) / 2)
            if self.final:
                x, y, w, h = EMBLEM_BOX
                self.pdf.image(self.emblem, x=x, y=y, w=w, h=h, keep_aspect_ratio=True)
        self.pdf.set_y(top)
        for text, size in lines:
            self.text(text, size, "B", x=(PAGE_W - inner_w) / 2, w=inner_w, leading=1.3)
        rule_y = self.pdf.get_y() + 2.5 * self.scale
        if self.emblem is not None:
            rule_y = max(rule_y, EMBLEM_BOX[1] + EMBLEM_BOX[3] + 1.5)
        _double_rule(self.pdf, rule_y, MARGIN_X, PAGE_W - MARGIN_X)
        self.pdf.set_y(rule_y)
        self.gap(3, flexible=True)

    def _title(self):
        self.pdf.set_char_spacing(4 * self.scale)  # a spaced title reads as a heading, not a word
        self.text("SERTIFIKAT", 30, "B", leading=1.2)
        self.pdf.set_char_spacing(0)
        self.text("Surat Keterangan Pelatihan", 12.5, leading=1.3)
        self.gap(1)
        self.text(f"Nomor: {self.doc.number}", 11)
        self.gap(2, flexible=True)

    def _holder(self):
        self.text("diberikan kepada:", 11.5)
        self.gap(1.5)
        for label, value in _holder_rows(self.doc):
            self._labelled_row(label, value, bold=label == "Nama")
        self.gap(2, flexible=True)

    def _labelled_row(self, label, value, bold):
        label_w, colon_w, value_w = 42.0, 5.0, 150.0
        x = (PAGE_W - label_w - colon_w - value_w) / 2 + 10  # optical centre: values are ragged
        size = 12.5 if bold else 11.5
        self.font(11.5)
        self.pdf.set_x(x)
        self.pdf.cell(label_w, self.line(size), label)
        self.pdf.cell(colon_w, self.line(size), ":")
        self.text(value, size, "B" if bold else "", align="L", x=x + label_w + colon_w, w=value_w)

    def _statement(self):
        doc = self.doc
        runs, sentence = _wording(doc)
        self._runs(runs, 11.5)
        self.gap(1)
        self.text(doc.course_title, 15, "B", x=MARGIN_X + 10, w=CONTENT_W - 20, leading=1.3)
        self.gap(1)
        self.text(sentence, 11.5, x=MARGIN_X + 15, w=CONTENT_W - 30)
        self.gap(3, flexible=True)

    def _runs(self, runs, size):
        """One centred line mixing regular and bold (fixed wording only: it does not wrap)."""
        widths = []
        for style, text in runs:
            self.font(size, style)
            widths.append(self.pdf.get_string_width(text))
        self.pdf.set_x((PAGE_W - sum(widths)) / 2)
        for (style, text), width in zip(runs, widths, strict=True):
            self.font(size, style)
            self.pdf.cell(width, self.line(size), text)
        self.pdf.ln(self.line(size))

    def _signature_band(self):
        top = self.pdf.get_y()
        signer_bottom = self._signer(top)
        qr_bottom = self._verification(top, signer_bottom)
        return max(signer_bottom, qr_bottom)

    def _signer(self, top):
        doc, col_w = self.doc, 105.0
        x = PAGE_W - MARGIN_X - col_w
        self.pdf.set_y(top)
        self.text(f"{doc.place}, {indonesian_date(doc.issued_on)}", 11.5, x=x, w=col_w)
        self.text(doc.signer_title, 11.5, x=x, w=col_w)
        self.pdf.set_y(self.pdf.get_y() + 22)  # room for a wet or electronic signature: not scaled
        self.text(doc.signer_name, 11.5, "BU", x=x, w=col_w)
        if doc.signer_nip.strip():
            self.text(f"NIP. {group_nip(doc.signer_nip)}", 11, x=x, w=col_w)
        return self.pdf.get_y()

    def _verification(self, top, bottom):
        """QR bottom-left, its caption ending level with the signer's last line."""
        size, col_w = 30.0, 125.0
        qr = _qr_code(self.doc.verify_url)
        quiet = 4 * size / qr.symbol_size(border=0)[0]  # the 4-module margin scanners expect
        caption = (f"Verifikasi keaslian: {self.doc.verify_url}\n"
                   f"Kode verifikasi: {self.doc.verification_code}")
        caption_h = self.measure(caption, 7.5, w=col_w, family=SANS, leading=1.35)
        y = max(top + quiet, bottom - caption_h - size - quiet)
        if self.final:
            _draw_qr(self.pdf, qr, MARGIN_X + 2, y, size)
        self.pdf.set_y(y + size + quiet)
        self.text(caption, 7.5, align="L", x=MARGIN_X + 2, w=col_w, family=SANS, leading=1.35)
        return self.pdf.get_y()


class _Attachment:
    """The lampiran of a programme certificate: each step with its JP and date, and the sum.
    As many pages as the steps need; each repeats the number it belongs to."""

    COLUMNS = (("No.", 12.0, "C"), ("Kode", 30.0, "L"), ("Kegiatan", 151.0, "L"),
               ("JP", 18.0, "C"), ("Selesai", 38.0, "C"))  # widths add up to TABLE_W
    TABLE_W = 249.0
    SIZE, LINE = 10.5, 5.6

    def __init__(self, pdf, document):
        self.pdf, self.doc = pdf, document
        self.x = (PAGE_W - self.TABLE_W) / 2

    def draw(self):
        self._new_page()
        for index, (code, title, jp, done_on) in enumerate(self.doc.components, start=1):
            self._row((str(index), code, title, str(jp), indonesian_date(done_on)))
        self._row(("", "", "Jumlah", str(self.doc.jp), ""), style="B")

    def _new_page(self):
        pdf, doc = self.pdf, self.doc
        pdf.add_page()
        _draw_border(pdf)
        pdf.set_y(TOP + 2)
        pdf.set_font(SERIF, "B", 14)
        pdf.cell(CONTENT_W, 8, "LAMPIRAN SERTIFIKAT", align="C", new_x=XPos.LMARGIN,
                 new_y=YPos.NEXT)
        pdf.set_font(SERIF, "", 10.5)
        for text in (f"Nomor: {doc.number}",
                     f"{doc.holder_name}, NIP {group_nip(doc.holder_nip)}",
                     f"Program: {doc.course_title}"):
            pdf.multi_cell(CONTENT_W, self.LINE, text, align="C", new_x=XPos.LMARGIN,
                           new_y=YPos.NEXT)
        pdf.set_y(pdf.get_y() + 4)
        self._row(tuple(label for label, _w, _a in self.COLUMNS), style="B", header=True)

    def _row(self, cells, style="", header=False):
        pdf = self.pdf
        pdf.set_font(SERIF, style, self.SIZE)
        lines = max(len(pdf.multi_cell(width - 2, self.LINE, text, dry_run=True,
                                       output="LINES"))
                    for (_label, width, _a), text in zip(self.COLUMNS, cells, strict=True))
        height = lines * self.LINE + 2
        if not header and pdf.get_y() + height > BOTTOM:
            self._new_page()
            pdf.set_font(SERIF, style, self.SIZE)
        top, x = pdf.get_y(), self.x
        for (_label, width, align), text in zip(self.COLUMNS, cells, strict=True):
            pdf.rect(x, top, width, height)
            pdf.set_xy(x + 1, top + 1)
            pdf.multi_cell(width - 2, self.LINE, text, align="C" if header else align)
            x += width
        pdf.set_xy(self.x, top + height)


def _holder_rows(doc):
    rows = [("Nama", doc.holder_name), ("NIP", group_nip(doc.holder_nip)),
            ("Pangkat/Golongan", doc.holder_rank), ("Jabatan", doc.holder_position),
            ("Instansi", doc.holder_agency)]
    return [(label, value.strip()) for label, value in rows if value and value.strip()]


@contextmanager
def _open_pdf(doc, *, final=True):
    """An FPDF for this document with its fonts installed. A scratch PDF (final=False, only
    measured, never written out) shares the process's parsed fonts; a final one gets its own
    copy of the font tables, because writing the PDF subsets them in place."""
    fonts = _fonts_for(doc)
    pdf = _new_pdf(doc)
    opened = []
    for key, prototype, data in fonts:
        font = _fresh_copy(prototype)
        if final:
            font.ttfont = ttLib.TTFont(io.BytesIO(data), lazy=True, recalcTimestamp=False)
            opened.append(font.ttfont)
        pdf.fonts[key] = font
    # Sans covers more scripts than Serif: a name with a rare letter still prints.
    pdf.set_fallback_fonts([SANS], exact_match=False)
    try:
        yield pdf
    finally:
        for ttfont in opened:
            ttfont.close()


@lru_cache(maxsize=32)
def _qr_code(url):
    """Encoded once per document, not once per layout pass (measuring, then drawing)."""
    return segno.make_qr(url, error="m")  # segno boosts to Q/H when free


def _fresh_copy(prototype):
    """The parsed font for one document: what a document changes (used characters, the
    subset, missing glyphs, widths looked up) is its own; parsed tables and maps are shared."""
    font = copy.copy(prototype)
    font.cw = defaultdict(prototype.cw.default_factory, prototype.cw)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = SubsetMap(font)
    return font


def _new_pdf(doc):
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)  # overflow is detected and shrunk, never spilled to page 2
    pdf.set_margins(MARGIN_X, TOP, MARGIN_X)
    pdf.c_margin = 0
    pdf.set_title(f"Sertifikat {doc.number}")
    pdf.set_author(doc.institution_name)
    pdf.set_subject(f"Surat Keterangan Pelatihan: {doc.course_title}")
    pdf.set_creator("Kompeten")
    pdf.set_lang("id")
    pdf.set_creation_date(datetime.combine(doc.issued_on, time(), tzinfo=WITA))
    return pdf


# --- fonts, prepared once per process -----------------------------------------------------------
# Parsing DejaVu (6,000+ glyphs each) took most of a render, twice per certificate. Each font is
# now cut once per process to the Latin letters, punctuation and symbols a certificate uses
# (about 800 glyphs) and parsed once; a render copies the parsed metrics and reads the small font
# back from memory. A document with a character outside that set (a rare script in a name) is
# rendered from the full files, as before.

FONT_FILES = ((SERIF, "", "DejaVuSerif.ttf"), (SERIF, "B", "DejaVuSerif-Bold.ttf"),
              (SANS, "", "DejaVuSans.ttf"))  # in this order: fpdf2 numbers fonts as added
COMMON_CODEPOINTS = frozenset(
    [*range(0x20, 0x7F), *range(0xA0, 0x250), *range(0x2000, 0x2070), *range(0x20A0, 0x20C0),
     *range(0x2100, 0x2150)])
_font_lock = threading.Lock()
_font_sets = {}


def _fonts_for(doc):
    """[(fontkey, parsed TTFFont, font bytes)]: the common cut when every character of the
    document is in it, else the full fonts."""
    kind = "common" if _only_common_characters(doc) else "full"
    if kind not in _font_sets:
        with _font_lock:  # the first renders of a process may come from several threads
            if kind not in _font_sets:
                _font_sets[kind] = _load_fonts(kind == "common")
    return _font_sets[kind]


def _only_common_characters(doc):
    return all(ord(ch) in COMMON_CODEPOINTS for value in vars(doc).values()
               if isinstance(value, str) for ch in value)


def _load_fonts(common):
    loader = FPDF()
    fonts = []
    for family, style, name in FONT_FILES:
        path = FONT_DIR / name
        data = _common_cut(path) if common else path.read_bytes()
        with tempfile.TemporaryDirectory() as folder:  # fpdf2 parses fonts from a file
            copy_path = Path(folder) / name
            copy_path.write_bytes(data)
            loader.add_font(family, style, copy_path)
            key, font = list(loader.fonts.items())[-1]
            # Read every table now and let go of the file: from here on the parsed font is
            # shared, read-only, by every scratch PDF of this process.
            font.ttfont.ensureDecompiled()
            font.ttfont.close()
        fonts.append((key, font, data))
    return fonts


def _common_cut(path):
    font = ttLib.TTFont(path, recalcTimestamp=False)
    # No TrueType hinting: PDF viewers scale outlines themselves, and it is most of the bytes
    # each certificate's subset would otherwise copy.
    options = ftsubset.Options(glyph_names=True, notdef_outline=True, recommended_glyphs=True,
                               name_IDs=["*"], name_languages=["*"], layout_features=[],
                               hinting=False)
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "FFTM"]
    cutter = ftsubset.Subsetter(options)
    cutter.populate(unicodes=sorted(COMMON_CODEPOINTS))
    cutter.subset(font)
    output = io.BytesIO()
    font.save(output)
    font.close()
    return output.getvalue()


def _draw_border(pdf):
    pdf.set_draw_color(0)
    pdf.set_line_width(0.7)
    pdf.rect(8, 8, PAGE_W - 16, PAGE_H - 16)
    pdf.set_line_width(0.25)
    pdf.rect(10, 10, PAGE_W - 20, PAGE_H - 20)


def _double_rule(pdf, y, x1, x2):
    """Thick-over-thin line, as under an Indonesian letterhead (kop surat)."""
    pdf.set_line_width(0.6)
    pdf.line(x1, y, x2, y)
    pdf.set_line_width(0.2)
    pdf.line(x1, y + 1, x2, y + 1)


def _draw_qr(pdf, qr, x, y, size):
    """Vector QR as one filled path, so no hairline seams show between modules.

    Written as raw path operators (one `re` per run of dark modules, then one `f`): fpdf2's
    drawing API copies every path element deeply, which took most of a render's time."""
    module = size / qr.symbol_size(border=0)[0]
    k, page_h = pdf.k, pdf.h  # points per mm; PDF y grows upwards from the page's bottom
    ops = ["q 0 g"]
    for row_index, row in enumerate(qr.matrix_iter(border=0)):
        top = y + row_index * module
        for start, length in _dark_runs(row):
            ops.append(f"{(x + start * module) * k:.3f} {(page_h - top) * k:.3f} "
                       f"{length * module * k:.3f} {-module * k:.3f} re")
    ops.append("f Q")
    pdf._out("\n".join(ops))


def _dark_runs(row):
    """(start, length) of each horizontal run of dark modules: fewer, larger rectangles."""
    runs, start = [], None
    for index, dark in enumerate([*row, False]):
        if dark and start is None:
            start = index
        elif not dark and start is not None:
            runs.append((start, index - start))
            start = None
    return runs
