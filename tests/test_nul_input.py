"""NUL characters in anything a user types never reach the database (PostgreSQL refuses them
with an error, which would be a 500)."""

from sqlalchemy import select

from app.auth.models import Agency, User
from app.extensions import db
from tests.conftest import PASSWORD, submit


def test_search_boxes_ignore_nul(client, courses):
    assert client.get("/?q=%00spbe").status_code == 200


def test_text_fields_drop_nul_before_saving(client, agencies):
    agency_id = db.session.scalar(select(Agency.id).where(Agency.code == "DISKOMINFO"))
    response = submit(client, "/daftar", {
        "nip": "198609262015051001", "name": "Budi\x00 Santoso", "email": "",
        "password": PASSWORD, "password_confirm": PASSWORD, "agency_id": str(agency_id),
        "jabatan_type": "pelaksana", "jabatan_title": "Staf\x00", "golongan": ""})
    assert response.status_code == 200
    user = db.session.scalar(select(User))
    assert (user.name, user.jabatan_title) == ("Budi Santoso", "Staf")


def test_typed_quiz_answers_drop_nul():
    from app.quizzes.services import clean_response
    assert clean_response({"type": "essay"}, {"text": "Jawa\x00ban"}) == {"text": "Jawaban"}
    assert clean_response({"type": "shortanswer"}, {"text": "\x00"}) is None
