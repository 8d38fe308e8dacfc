"""The certificate PDF: content read back, QR scanned from a raster, A4 and fonts, fitting of
long text, byte-for-byte determinism. Pure rendering: no app or database."""

import io
import re
from dataclasses import replace
from datetime import date
from itertools import combinations

import pypdf
import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image, ImageDraw

from app.certificates.document import CertificateDocument, indonesian_date
from app.certificates.pdf import group_nip, mode_phrase, render_certificate, terbilang

VERIFY_URL = "https://kompeten.palukota.go.id/verify/7KQ2M9XH4T"
INNER_FRAME_PT = 10 * 72 / 25.4  # the inner border line sits 10 mm inside the page edge

DOCUMENT = CertificateDocument(
    institution_name="Pemerintah Kota Palu",
    issuer_unit="Badan Kepegawaian dan Pengembangan Sumber Daya Manusia Daerah",
    number="800/0017/BKPSDM/XI/2026",
    holder_name="Andi Lamadjido",
    holder_nip="198609262015051001",
    holder_rank="Penata Muda (III/a)",
    holder_position="Pranata Komputer Ahli Pertama",
    holder_agency="Dinas Komunikasi, Informatika, Persandian dan Statistik",
    course_title="Transformasi Digital dan Sistem Pemerintahan Berbasis Elektronik (SPBE)",
    course_code="SPBE-101",
    jp=12,
    competency="Teknis",
    mode="E-learning",
    completed_on=date(2026, 11, 20),
    issued_on=date(2026, 11, 27),
    place="Palu",
    signer_name="Dr. Hj. Nurhayati Lamasitudju, S.Sos., M.Si.",
    signer_title="Kepala BKPSDM Kota Palu",
    signer_nip="197503121998032004",
    verify_url=VERIFY_URL,
    verification_code="7KQ2M9XH4T",
)

LONG_TITLE = ("Penguatan Kapasitas Aparatur dalam Penyusunan Dokumen Perencanaan, Penganggaran, "
              "Pelaksanaan, Pengendalian dan Evaluasi Kinerja Instansi Pemerintah Daerah Berbasis "
              "Sistem Informasi Terpadu Kota Palu I")
LONG_NAME = ("Muhammad Fadhil Abdurrahman Ma’ruf Lamadjido Tombolotutu Rahmatullah José Peñafiel "
             "Masiara Intje Ngolo Syahrial bin Umar")


def _text(data):
    """The page text with line breaks folded to spaces: wrapped lines read as one sentence."""
    return " ".join(pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text().split())


def _scan_qr(data):
    pdf = pdfium.PdfDocument(data)
    try:
        image = pdf[0].render(scale=3).to_pil()
    finally:
        pdf.close()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


def _boxes(data):
    """(text line boxes, QR box) in PDF points, from pdfium's own layout of the page."""
    pdf = pdfium.PdfDocument(data)
    try:
        objects = [(obj.type, obj.get_bounds()) for obj in pdf[0].get_objects()]
    finally:
        pdf.close()
    texts = [box for kind, box in objects if kind == pdfium.raw.FPDF_PAGEOBJ_TEXT]
    squares = [box for kind, box in objects if kind == pdfium.raw.FPDF_PAGEOBJ_PATH
               and 60 < box[2] - box[0] < 120 and abs((box[2] - box[0]) - (box[3] - box[1])) < 1]
    return texts, squares


def _overlap(a, b, tolerance=0.5):
    return (a[0] + tolerance < b[2] and b[0] + tolerance < a[2]
            and a[1] + tolerance < b[3] and b[1] + tolerance < a[3])


@pytest.fixture(scope="module")
def rendered():
    return render_certificate(DOCUMENT)


@pytest.fixture(scope="module")
def rendered_long():
    return render_certificate(replace(DOCUMENT, course_title=LONG_TITLE, holder_name=LONG_NAME))


@pytest.fixture(scope="module")
def rendered_widest():
    """Every free-text field at its database maximum, in the widest capitals there are."""
    widest = ("W" * 12 + " ") * 16
    return render_certificate(replace(
        DOCUMENT, institution_name=widest[:200], issuer_unit=widest[:200],
        holder_name=widest[:200], holder_position=widest[:200], holder_agency=widest[:200],
        holder_rank="W" * 8, course_title=widest[:200], course_code="W" * 32,
        signer_name=widest[:200], signer_title=widest[:200], provider=widest[:200],
    ))


def test_a_partner_provider_is_named_beside_the_issuer():
    text = _text(render_certificate(replace(DOCUMENT, provider="Universitas Tadulako")))
    assert "bekerja sama dengan Universitas Tadulako" in " ".join(text.split())


def test_long_fixtures_are_as_long_as_promised():
    assert len(LONG_TITLE) == 200
    assert len(LONG_NAME) == 120


def test_text_reads_back(rendered):
    text = _text(rendered)
    for expected in (
        "SERTIFIKAT", "Nomor: 800/0017/BKPSDM/XI/2026", "PEMERINTAH KOTA PALU",
        "diberikan kepada", "Andi Lamadjido", "19860926 201505 1 001", "Penata Muda (III/a)",
        "Pranata Komputer Ahli Pertama", "Dinas Komunikasi, Informatika, Persandian dan Statistik",
        "telah mengikuti dan dinyatakan LULUS", DOCUMENT.course_title, "SPBE-101",
        "secara daring", "12 (dua belas) Jam Pelajaran", "20 November 2026",
        "Palu, 27 November 2026", "Kepala BKPSDM Kota Palu", DOCUMENT.signer_name,
        "NIP. 19750312 199803 2 004", f"Verifikasi keaslian: {VERIFY_URL}", "7KQ2M9XH4T",
    ):
        assert expected in text


def test_qr_decodes_to_exactly_the_verify_url(rendered):
    assert _scan_qr(rendered) == [VERIFY_URL]


def test_one_a4_page_with_metadata(rendered):
    reader = pypdf.PdfReader(io.BytesIO(rendered))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert sorted([round(float(box.width)), round(float(box.height))]) == [595, 842]
    assert reader.metadata.title == "Sertifikat 800/0017/BKPSDM/XI/2026"
    assert reader.metadata.author == "Pemerintah Kota Palu"


def test_fonts_are_embedded_truetype_subsets(rendered):
    fonts = pypdf.PdfReader(io.BytesIO(rendered)).pages[0]["/Resources"]["/Font"]
    assert len(fonts) >= 2  # serif regular and bold at least
    for font in fonts.values():
        font = font.get_object()
        assert re.fullmatch(r"/[A-Z]{6}\+DejaVu\w+", font["/BaseFont"])
        descendant = font["/DescendantFonts"][0].get_object()
        assert descendant["/Subtype"] == "/CIDFontType2"
        assert "/FontFile2" in descendant["/FontDescriptor"]


def test_empty_optional_fields_are_skipped():
    text = _text(render_certificate(replace(
        DOCUMENT, holder_rank="", holder_position="  ", holder_agency="", signer_nip="",
    )))
    for absent in ("Pangkat/Golongan", "Jabatan", "Instansi", "NIP. "):
        assert absent not in text
    assert "NIP : 19860926 201505 1 001" in text


def test_long_title_and_name_fit_on_one_page(rendered_long):
    assert len(pypdf.PdfReader(io.BytesIO(rendered_long)).pages) == 1
    text = _text(rendered_long)
    assert LONG_TITLE in text
    assert LONG_NAME in text
    assert "12 (dua belas) Jam Pelajaran" in text
    assert _scan_qr(rendered_long) == [VERIFY_URL]


def test_widest_text_still_fits(rendered_widest):
    assert len(pypdf.PdfReader(io.BytesIO(rendered_widest)).pages) == 1
    assert "WWWWWWWWWWWW" in _text(rendered_widest)
    assert _scan_qr(rendered_widest) == [VERIFY_URL]


@pytest.mark.parametrize("which", ["rendered", "rendered_long", "rendered_widest"])
def test_nothing_overlaps_or_leaves_the_frame(which, request):
    texts, squares = _boxes(request.getfixturevalue(which))
    assert len(squares) == 1  # the QR
    for left, bottom, right, top in texts:
        assert INNER_FRAME_PT < left and right < 842 - INNER_FRAME_PT
        assert INNER_FRAME_PT < bottom and top < 595 - INNER_FRAME_PT
    for a, b in combinations([*texts, *squares], 2):
        assert not _overlap(a, b), (a, b)


def test_emblem_slot_takes_an_image():
    emblem = Image.new("RGB", (200, 240), "white")
    ImageDraw.Draw(emblem).ellipse((40, 60, 160, 180), fill="black")
    data = render_certificate(DOCUMENT, emblem=emblem)
    assert len(pypdf.PdfReader(io.BytesIO(data)).pages) == 1
    assert _scan_qr(data) == [VERIFY_URL]
    assert data != render_certificate(DOCUMENT)


def test_same_document_same_bytes(rendered):
    assert render_certificate(DOCUMENT) == rendered


def test_other_issue_date_other_bytes(rendered):
    other = render_certificate(replace(DOCUMENT, issued_on=date(2026, 11, 28)))
    assert other != rendered
    assert "Palu, 28 November 2026" in _text(other)


@pytest.mark.parametrize(("number", "words"), [
    (0, "nol"), (1, "satu"), (8, "delapan"), (10, "sepuluh"), (11, "sebelas"),
    (12, "dua belas"), (19, "sembilan belas"), (20, "dua puluh"), (21, "dua puluh satu"),
    (99, "sembilan puluh sembilan"), (100, "seratus"), (101, "seratus satu"),
    (111, "seratus sebelas"), (200, "dua ratus"),
    (999, "sembilan ratus sembilan puluh sembilan"),
])
def test_terbilang(number, words):
    assert terbilang(number) == words


@pytest.mark.parametrize("number", [-1, 1000])
def test_terbilang_range(number):
    with pytest.raises(ValueError):
        terbilang(number)


@pytest.mark.parametrize(("day", "text"), [
    (date(2026, 1, 1), "1 Januari 2026"), (date(2026, 2, 28), "28 Februari 2026"),
    (date(2026, 5, 9), "9 Mei 2026"), (date(2026, 8, 17), "17 Agustus 2026"),
    (date(2026, 11, 27), "27 November 2026"), (date(2026, 12, 31), "31 Desember 2026"),
])
def test_indonesian_date(day, text):
    assert indonesian_date(day) == text


@pytest.mark.parametrize(("raw", "grouped"), [
    ("198609262015051001", "19860926 201505 1 001"),
    ("19860926 201505 1 001", "19860926 201505 1 001"),
    ("200012312024211001", "20001231 202421 1 001"),
    ("", ""),
    ("12345", "12345"),
])
def test_group_nip(raw, grouped):
    assert group_nip(raw) == grouped


@pytest.mark.parametrize(("mode", "phrase"), [
    ("E-learning", "secara daring (e-learning)"), ("Webinar", "secara daring melalui webinar"),
    ("", "secara daring"), ("Coaching", "dengan moda Coaching"),
])
def test_mode_phrase(mode, phrase):
    assert mode_phrase(mode) == phrase
