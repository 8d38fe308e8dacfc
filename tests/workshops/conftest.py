"""People and browsers for the workshop tests: a trainer who schedules, learners from two OPD
(one of them in a unit), an admin, and a form filler that posts with the page's CSRF token."""

import re
from dataclasses import dataclass
from datetime import timedelta
from html import unescape

import pytest

from app.auth.models import Agency
from app.extensions import db
from app.timeutil import now_in_palu
from tests.conftest import PASSWORD, csrf_token

TRAINER = "198609262015051001"
OTHER_TRAINER = "198001012005011010"
ADMIN = "197503121998032004"
ANDI = "199105052019031007"   # learner, Diskominfo
BUDI = "198703152010012002"   # learner, a unit inside Diskominfo
CITRA = "199505052021211003"  # learner (PPPK), Disdukcapil

FLASH = re.compile(r'<p class="flash flash-(\w+)"[^>]*>(.*?)</p>', re.S)


def wita(days=10, time="09:00"):
    """A datetime-local value in WITA, `days` from today."""
    return f"{(now_in_palu() + timedelta(days=days)).date().isoformat()}T{time}"


def session_form(**changes):
    """Valid form fields for a workshop ten days ahead, 09.00–12.00 WITA."""
    fields = {"title": "Workshop SRIKANDI untuk operator OPD", "kind": "klasikal",
              "provider": "BKPSDM Kota Palu", "competency": "teknis",
              "starts_at": wita(10, "09:00"), "ends_at": wita(10, "12:00"),
              "place": "Aula BKPSDM Kota Palu", "meeting_url": "", "capacity": "30", "jp": "4",
              "course": "0", "registration_deadline": "", "audience": "all",
              "description": "## Materi\n\nTata naskah dinas elektronik."}
    fields.update(changes)
    return {key: value for key, value in fields.items() if value is not None}


def text(response, status=200):
    assert response.status_code == status, response.status_code
    return response.get_data(as_text=True)


def flashes(page, category=None):
    return [unescape(message.strip()) for kind, message in FLASH.findall(page)
            if category in (None, kind)]


def field_errors(page, field_id):
    match = re.search(rf'<ul class="errors" id="{field_id}-error">(.*?)</ul>', page, re.S)
    return [unescape(item) for item in re.findall(r"<li>(.*?)</li>", match.group(1))] \
        if match else []


def browser(app, nip=None):
    """A separate browser (own cookies), logged in when a NIP is given."""
    client = app.test_client()
    if nip:
        token = csrf_token(client.get("/masuk").get_data(as_text=True))
        response = client.post("/masuk", data={"identifier": nip, "password": PASSWORD,
                                               "csrf_token": token})
        assert response.status_code == 302, f"login failed for {nip}"
    return client


def post_form(client, page_url, data, action_url=None, follow=True):
    """Open the page, take its CSRF token, post the form (to the page or `action_url`)."""
    page = text(client.get(page_url))
    if action_url:
        assert f'action="{action_url}"' in page, f"no form posting to {action_url}"
    payload = dict(data, csrf_token=csrf_token(page))
    return client.post(action_url or page_url, data=payload, follow_redirects=follow)


@dataclass
class People:
    trainer: object
    other_trainer: object
    admin: object
    andi: object
    budi: object
    citra: object
    diskominfo: object
    disdukcapil: object


@pytest.fixture
def people(app, create_user):
    diskominfo = Agency(code="DISKOMINFO", name="Dinas Komunikasi dan Informatika")
    disdukcapil = Agency(code="DISDUKCAPIL", name="Dinas Kependudukan dan Pencatatan Sipil")
    db.session.add_all([diskominfo, disdukcapil])
    db.session.flush()
    aptika = Agency(code="APTIKA", name="Bidang Aplikasi Informatika", parent_id=diskominfo.id)
    db.session.add(aptika)
    db.session.commit()
    return People(
        trainer=create_user(nip=TRAINER, name="Pengajar Rahmat", roles=("trainer",)),
        other_trainer=create_user(nip=OTHER_TRAINER, name="Pengajar Lain", roles=("trainer",)),
        admin=create_user(nip=ADMIN, name="Admin BKPSDM", roles=("admin",)),
        andi=create_user(nip=ANDI, name="Andi Pratama", agency=diskominfo),
        budi=create_user(nip=BUDI, name="Budi Santoso", agency=aptika),
        citra=create_user(nip=CITRA, name="Citra Lestari", agency=disdukcapil),
        diskominfo=diskominfo, disdukcapil=disdukcapil)


@pytest.fixture
def trainer_browser(app, people):
    return browser(app, TRAINER)
