"""The paper leads to the page: the QR code on the stored PDF opens the verification page of
that certificate, on the configured public address, and keeps doing so after a revocation (on
the stamped copy too)."""

import io
from urllib.parse import urlsplit

import pypdf
import pypdfium2 as pdfium
import pytest
import zxingcpp

from app.extensions import db
from app.settings import set_setting
from tests.certificates.test_verify import (
    COURSE_CODE,
    GROUPED_NIP,
    HOLDER_NAME,
    NUMBER,
    course_by_code,
    facts,
    issue_for,
    make_holder,
    page_text,
    revoke,
    verdict,
)
from tests.conftest import PASSWORD, PNS_NIP, submit

BASE_URL = "https://kompeten.palukota.go.id"


def scan_qr(data):
    """Every QR code zxing-cpp finds on page 1, rendered like a phone camera would see it."""
    document = pdfium.PdfDocument(data)
    try:
        image = document[0].render(scale=3).to_pil()
    finally:
        document.close()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)
            if barcode.format == zxingcpp.BarcodeFormat.QRCode]


def pdf_text(data):
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(reader.pages[0].extract_text().split())


@pytest.fixture
def issued(app, courses, create_user):
    set_setting("base_url", BASE_URL)
    db.session.commit()
    holder = make_holder(create_user)
    return issue_for(holder, course_by_code(COURSE_CODE))


@pytest.fixture
def holder_pdf(issued, client, login):
    """The PDF exactly as the holder downloads it."""
    login(PNS_NIP)
    response = client.get(f"/sertifikat/{issued.id}/unduh")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    return response.data


def test_qr_opens_the_verify_page_of_this_certificate(app, issued, holder_pdf):
    urls = scan_qr(holder_pdf)
    assert len(urls) == 1
    url = urls[0]
    assert url.startswith(f"{BASE_URL}/verify/")
    assert url == f"{BASE_URL}/verify/{issued.verification_code}"
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("https", "kompeten.palukota.go.id")
    assert not parts.query and not parts.fragment

    reviewer = app.test_client()  # whoever scans the paper is not logged in
    response = reviewer.get(parts.path)
    assert response.status_code == 200
    markup = page_text(response)
    kind, banner = verdict(markup)
    assert kind == "valid" and banner.startswith("SAH")
    shown = facts(markup)
    assert shown["Nomor"] == NUMBER
    assert shown["Nama"] == HOLDER_NAME

    json_response = reviewer.get(f"{parts.path}.json")
    assert json_response.get_json()["status"] == "valid"


def test_pdf_text_carries_the_number_and_holder(issued, holder_pdf):
    text = pdf_text(holder_pdf)
    assert NUMBER in text
    assert HOLDER_NAME in text
    assert GROUPED_NIP in text  # the paper is the holder's own: the full NIP belongs there
    assert issued.verification_code in text
    assert f"{BASE_URL}/verify/{issued.verification_code}" in text


def test_download_is_the_stored_pdf_byte_for_byte(issued, holder_pdf):
    db.session.expire(issued)
    assert holder_pdf == issued.pdf


def test_after_revocation_the_same_qr_shows_dicabut(app, issued, holder_pdf, client):
    path = urlsplit(scan_qr(holder_pdf)[0]).path
    revoke(issued)

    reviewer = app.test_client()
    response = reviewer.get(path)
    assert response.status_code == 200
    kind, banner = verdict(page_text(response))
    assert kind == "revoked"
    assert banner.startswith("DICABUT")
    assert "2 Desember 2026" in banner
    assert reviewer.get(f"{path}.json").get_json()["status"] == "revoked"

    # The holder's download now says DICABUT on its face (tests/certificates/
    # test_revoked_pdf.py), and its QR code still opens the same page.
    again = client.get(f"/sertifikat/{issued.id}/unduh")
    assert again.status_code == 200
    assert again.data != holder_pdf
    assert scan_qr(again.data) == [f"{BASE_URL}{path}"]


def test_qr_keeps_the_address_it_was_issued_with(app, issued, holder_pdf):
    """Moving the site later does not rewrite issued PDFs (their bytes are stored once)."""
    set_setting("base_url", "https://lms.example.go.id")
    db.session.commit()
    assert scan_qr(holder_pdf) == [f"{BASE_URL}/verify/{issued.verification_code}"]
    assert app.test_client().get(urlsplit(scan_qr(holder_pdf)[0]).path).status_code == 200


def test_someone_else_cannot_download_the_pdf(app, issued, create_user):
    stranger_nip = "199205152019032002"
    create_user(nip=stranger_nip)
    stranger = app.test_client()
    submit(stranger, "/masuk", {"identifier": stranger_nip, "password": PASSWORD})
    assert stranger.get("/sertifikat").status_code == 200  # logged in, just not the holder
    response = stranger.get(f"/sertifikat/{issued.id}/unduh")
    assert response.status_code == 404
    assert not response.data.startswith(b"%PDF")
    anonymous = app.test_client().get(f"/sertifikat/{issued.id}/unduh")
    assert anonymous.status_code == 302
    assert "/masuk" in anonymous.headers["Location"]
