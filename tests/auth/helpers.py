"""Read a rendered page the way a person does: field errors, typed values, flash messages."""

import html
import re

from sqlalchemy import select

from app.auth.models import Agency, User
from app.extensions import db
from tests.conftest import PNS_NIP

NEW_PASSWORD = "kata-sandi-baru-2026"
REG_PASSWORD = "sulteng-maju-2026"


def _text(fragment):
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def field_errors(page, field_id):
    """The error messages shown under one field (the <ul id="<field>-error"> list)."""
    match = re.search(rf'<ul class="errors" id="{re.escape(field_id)}-error">(.*?)</ul>', page,
                      re.S)
    if not match:
        return []
    return [_text(item) for item in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)]


def all_field_errors(page):
    """Every field id that shows errors -> its messages."""
    return {field_id: field_errors(page, field_id)
            for field_id in re.findall(r'<ul class="errors" id="([^"]+)-error">', page)}


def input_tag(page, field_id):
    match = re.search(rf'<(?:input|select)\b[^>]*\bid="{re.escape(field_id)}"[^>]*>', page)
    assert match, f"no field {field_id} on the page"
    return match.group(0)


def input_value(page, field_id):
    """The value the page puts back in a text input (None when the input is empty)."""
    match = re.search(r'\bvalue="([^"]*)"', input_tag(page, field_id))
    return html.unescape(match.group(1)) if match else None


def flashes(page):
    return [_text(m) for m in re.findall(r'<p class="flash flash-\w+">(.*?)</p>', page, re.S)]


def text(response):
    return response.get_data(as_text=True)


def agency_id(code="BKPSDM"):
    return db.session.scalar(select(Agency.id).where(Agency.code == code))


def registration_data(**overrides):
    """A complete, valid /daftar form for a PNS in BKPSDM; override any field."""
    data = {
        "nip": PNS_NIP,
        "name": "Siti Rahmawati",
        "email": "siti.rahmawati@palukota.go.id",
        "agency_id": str(agency_id()),
        "jabatan_type": "fungsional",
        "jabatan_title": "Analis SDM Aparatur Ahli Pertama",
        "golongan": "III/a",
        "password": REG_PASSWORD,
        "password_confirm": REG_PASSWORD,
    }
    data.update(overrides)
    return data


def user_count():
    db.session.expire_all()
    return len(db.session.scalars(select(User.id)).all())


def user_by_nip(nip):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.nip == nip))


def is_logged_in(client):
    """True when /beranda opens for this client (a logged-out client is sent to /masuk)."""
    response = client.get("/beranda")
    if response.status_code == 200:
        return True
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/masuk")
    return False
