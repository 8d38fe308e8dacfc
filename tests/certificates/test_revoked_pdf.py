"""A revoked certificate's PDF cannot be reused as if valid (issue 15).

Before: the holder still downloaded the stored PDF byte for byte after a revocation, and could
print or forward it as a valid certificate. Now the download is a copy stamped DICABUT on every
page (date and public reason across the top); the stored bytes are never altered, and admins can
still fetch the original for the audit trail.
"""

import io

import pypdf
import pytest

from app.certificates.stamp import stamp_revoked
from app.extensions import db
from tests.certificates import issuing_helpers as h
from tests.certificates.test_verify import (
    COURSE_CODE,
    NUMBER,
    REVOCATION_REASON,
    course_by_code,
    issue_for,
    make_holder,
    revoke,
)
from tests.conftest import PNS_NIP, seed_objects

ADMIN_NIP = "197503121998032004"  # PNS_NIP is the holder's


def page_texts(data):
    """The text pypdf extracts from each page, whitespace folded."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


@pytest.fixture
def issued(app, courses, create_user):
    return seed_objects("revoked_pdf.issued", lambda: issue_for(
        make_holder(create_user), course_by_code(COURSE_CODE)))


@pytest.fixture
def holder(app, issued):
    return h.login_as(app, PNS_NIP)


def download(client, certificate):
    response = client.get(f"/sertifikat/{certificate.id}/unduh")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    return response


def test_valid_certificate_downloads_the_stored_bytes(holder, issued):
    response = download(holder, issued)
    assert response.data == h.stored_row(issued.id)["pdf"]
    assert all("DICABUT" not in text for text in page_texts(response.data))


def test_after_revocation_every_page_says_dicabut_and_the_original_is_kept(holder, issued):
    original = download(holder, issued).data
    revoke(issued)

    response = download(holder, issued)
    stamped = response.data
    assert stamped != original
    assert stamped.startswith(b"%PDF-")
    assert f"sertifikat-{issued.verification_code}-dicabut.pdf" in (
        response.headers["Content-Disposition"])
    texts = page_texts(stamped)
    assert len(texts) == len(page_texts(original))
    for text in texts:
        assert "DICABUT" in text
        # Date (1 Dec 17:30 UTC is 2 Dec in Palu) and the public reason, never the note.
        assert ("DICABUT pada 2 Desember 2026: sertifikat ini tidak berlaku lagi. "
                "Alasan: Pelanggaran ketentuan pelatihan.") in text
        assert REVOCATION_REASON not in text
        assert NUMBER in text  # the certificate underneath is still there to read
    # The stored original is untouched: the audit record of what was issued.
    assert h.stored_row(issued.id)["pdf"] == original


def test_admin_gets_the_stamped_copy_too_and_the_original_from_the_admin_page(
        app, holder, issued, create_user):
    original = download(holder, issued).data
    create_user(nip=ADMIN_NIP, roles=("admin",))
    admin = h.login_as(app, ADMIN_NIP)
    revoke(issued)
    assert download(admin, issued).data != original
    page = h.html(admin, "/admin/sertifikat/spbe-101")
    link = f"/admin/sertifikat/terbitan/{issued.id}/pdf-asli"
    assert f'href="{link}"' in page
    assert "Pelanggaran ketentuan pelatihan" in page and REVOCATION_REASON in page
    response = admin.get(link)
    assert response.status_code == 200
    assert response.data == original
    # The holder (a learner) has no way to the unstamped bytes.
    assert holder.get(link).status_code == 403


def test_a_multi_page_pdf_is_stamped_on_every_page():
    writer = pypdf.PdfWriter()
    for width, height in ((842, 595), (595, 842), (300, 200)):
        writer.add_blank_page(width, height)
    source = io.BytesIO()
    writer.write(source)
    stamped = stamp_revoked(source.getvalue(), "DICABUT pada 2 Desember 2026")
    reader = pypdf.PdfReader(io.BytesIO(stamped))
    assert [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages] == [
        (842, 595), (595, 842), (300, 200)]
    assert all("DICABUT pada 2 Desember 2026" in text for text in page_texts(stamped))


def test_stamping_happens_at_download_and_changes_no_row(holder, issued):
    revoke(issued)
    before = h.stored_row(issued.id)
    download(holder, issued)
    download(holder, issued)
    db.session.expire_all()
    assert h.stored_row(issued.id) == before
