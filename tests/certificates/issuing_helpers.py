"""Plain helpers for the certificate-issuing tests (test_issuing*.py).

Functions, not fixtures: the verification tests in this folder are written alongside and keep
their own fixtures, so nothing here can clash with them.
"""

import re
from datetime import UTC, datetime
from html import unescape

from flask import g
from sqlalchemy import select

from app.audit import AuditEvent
from app.certificates import services
from app.certificates.models import Certificate
from app.courses.models import Course, Enrollment, Module
from app.extensions import db
from app.settings import get_setting
from tests.conftest import (
    PASSWORD,
    csrf_token,
    run_together,  # noqa: F401  (tests call h.run_together)
    submit,
)

ADMIN_NIP = "198609262015051001"
# 3 Nov 2026 10.00 WITA: a completion well inside November 2026.
COMPLETED = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")

FLASH = re.compile(r'<p class="flash flash-(\w+)">(.*?)</p>', re.S)
ENROLLMENT_BOX = re.compile(r'name="enrollment" value="(\d+)"')


def course(slug="spbe-101"):
    return db.session.scalar(select(Course).where(Course.slug == slug))


def modules(course_obj):
    return db.session.scalars(select(Module).where(Module.course_id == course_obj.id,
                                                   Module.retired_at.is_(None))
                              .order_by(Module.position)).all()


def login_as(app, nip, password=PASSWORD):
    """A separate browser (own cookies) logged in as this user."""
    client = app.test_client()
    page = submit(client, "/masuk", {"identifier": nip, "password": password})
    assert page.status_code == 200
    assert "Keluar" in page.get_data(as_text=True), "login failed"
    return client


def html(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def flashes(page, category=None):
    return [unescape(text.strip()) for kind, text in FLASH.findall(page)
            if category in (None, kind)]


def field_errors(page, field_id):
    """The error messages shown under one form field."""
    match = re.search(rf'<ul class="errors" id="{field_id}-error">(.*?)</ul>', page, re.S)
    return [unescape(item) for item in re.findall(r"<li>(.*?)</li>", match.group(1))] \
        if match else []


def post_button(client, page_url, action_url, **data):
    """Press a form on a page: the CSRF token comes from that page; no redirect followed."""
    page = html(client, page_url)
    assert f'action="{action_url}"' in page, f"no form posting to {action_url} on {page_url}"
    return client.post(action_url, data=dict(data, csrf_token=csrf_token(page)))


def token_from(client, url="/beranda"):
    return csrf_token(html(client, url))


def enrol(user, course_obj, completed_at=COMPLETED):
    """An enrolment made directly (completed unless completed_at=None)."""
    enrollment = Enrollment(user_id=user.id, course_id=course_obj.id,
                            enrolled_at=datetime(2026, 10, 1, tzinfo=UTC),
                            started_at=datetime(2026, 10, 1, tzinfo=UTC),
                            completed_at=completed_at)
    db.session.add(enrollment)
    db.session.commit()
    return enrollment


def issue(enrollment, issuer=None, now=None):
    certificate = services.issue_certificate(enrollment, issuer, now)
    db.session.commit()
    return certificate


def all_certificates():
    db.session.expire_all()
    return db.session.scalars(select(Certificate).order_by(Certificate.id)).all()


def certificates_of(user):
    db.session.expire_all()
    return db.session.scalars(select(Certificate).where(Certificate.user_id == user.id)
                              .order_by(Certificate.id)).all()


def events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


def stored_row(certificate_id):
    """Every column of a certificate as stored, PDF bytes included."""
    table = Certificate.__table__
    return dict(db.session.execute(select(table).where(table.c.id == certificate_id))
                .mappings().one())


def current_setting(key):
    """A setting as stored now (the per-request cache in `g` is dropped first)."""
    g.pop("_settings", None)
    return get_setting(key)


def expected_number(sequence, issued_on, prefix="800", unit="BKPSDM"):
    return f"{prefix}/{sequence:04d}/{unit}/{ROMAN[issued_on.month - 1]}/{issued_on.year}"


