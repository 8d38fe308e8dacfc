"""Open Badges 3.0: a certificate's holder downloads it as a signed VC-JWT, and verifiers the
project did not write accept it, or refuse it when it should be refused.

Two independent paths check every credential: openbadgeslib's OB3Verifier (resolves the
did:web issuer through /.well-known/did.json, picks the key the JWT's kid names, checks the
OB 3.0 structure, then fetches the status list and checks its signature and the bit), and
PyJWT with the key taken from /.well-known/jwks.json. The status list is also decoded by hand
(base64url, then gzip). Kompeten signs with joserfc; neither verifier shares code with it.
Every fetch goes through Flask's test client, with no network."""

import base64
import gzip
import hashlib
import json
import os
import stat
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask_migrate import upgrade
from openbadgeslib.ob3 import OB3VerificationError, OB3Verifier
from sqlalchemy import inspect, select, text

from app.audit import AuditEvent
from app.certificates import badge_keys, badges, status_list
from app.certificates.models import STATUS_LIST_SIZE, Certificate
from app.certificates.services import issue_session_certificate, revoke_certificate
from app.extensions import db
from app.search.models import FULL_TEXT_TABLES
from app.settings import set_setting
from tests.certificates import issuing_helpers as h
from tests.conftest import run_together, seed_objects, seed_once, seeds_first
from tests.test_migrations import (
    MIGRATIONS,
    _certificate_row,
    _migrations_app,
    _reflected_metadata,
    _seed_empty_tables,
    empty_database_url,  # noqa: F401  (a fixture)
)
from tests.workshops.helpers import attend, make_session

BASE_URL = "https://kompeten.example"
DID = "did:web:kompeten.example"
HOLDER_NIP = "199105052019031007"
OTHER_NIP = "198703152010012002"


@pytest.fixture
def site(app):
    """The public address verifiers reach Kompeten at (did:web needs https)."""

    def set_base_url():
        set_setting("base_url", BASE_URL)
        db.session.commit()

    seed_once("open_badges.site", set_base_url)


@pytest.fixture
def admin(create_user):
    return seed_objects("open_badges.admin", lambda: create_user(
        nip=h.ADMIN_NIP, roles=("admin",), name="Admin BKPSDM"))


@pytest.fixture
def holder(courses, create_user):
    return seed_objects("open_badges.holder", lambda: create_user(
        nip=HOLDER_NIP, name="Andi Lamadjido"))


@pytest.fixture
def certificate(site, holder, admin):
    """Kept (tests/conftest.py seed_objects): its PDF is rendered once per worker."""
    return seed_objects("open_badges.certificate", lambda: h.issue(
        h.enrol(holder, h.course("spbe-101")), admin))


@pytest.fixture
def holder_client(app, holder, request):
    seeds_first(request, "certificate")
    return h.login_as(app, HOLDER_NIP)


def fetcher(app):
    """What a verifier's HTTPS GET would answer, served by the app (anonymous, no network)."""
    client = app.test_client()

    def download(url):
        assert url.startswith(BASE_URL + "/"), url
        response = client.get(url[len(BASE_URL):])
        if response.status_code != 200:
            raise OSError(f"{url}: HTTP {response.status_code}")
        return response.get_data()

    return download


def download_jwt(client, certificate_id):
    response = client.get(f"/sertifikat/{certificate_id}/open-badge.jwt")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def verify_with_openbadgeslib(app, token, check_status=True):
    download = fetcher(app)
    verifier = OB3Verifier.for_issuer_did(DID, download=download)
    return verifier.verify(token, check_status=check_status, download=download)


def verify_with_pyjwt(app, token):
    """The payload, checked against the key the header's kid names in the published JWKS."""
    keys = jwt.PyJWKSet.from_dict(json.loads(fetcher(app)(f"{BASE_URL}/.well-known/jwks.json")))
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(item for item in keys.keys if item.key_id == kid)
    return jwt.decode(token, key.key, algorithms=["EdDSA"])


def b64url_json(segment):
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def b64url(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def status_bits(app, url):
    """The bitstring of a status list, its signature checked with PyJWT and decoded by hand."""
    payload = verify_with_pyjwt(app, fetcher(app)(url).decode())
    subject = payload["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    encoded = subject["encodedList"]
    assert encoded.startswith("u")  # multibase base64url
    data = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def bit(bits, index):
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


# --- issuing and verifying ------------------------------------------------------------------

def test_the_holders_open_badge_passes_an_independent_verifier(app, certificate,
                                                               holder_client):
    response = holder_client.get(f"/sertifikat/{certificate.id}/open-badge.jwt")
    assert response.status_code == 200
    assert response.mimetype == "application/vc+jwt"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="open-badge-{certificate.verification_code}.jwt"')
    token = response.get_data(as_text=True)

    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["typ"] == "vc+jwt"
    assert header["kid"].startswith(f"{DID}#")

    verified = verify_with_openbadgeslib(app, token)
    assert verified.issuer.id == DID
    assert verified.achievement.name == certificate.course_title
    assert verify_with_pyjwt(app, token)["jti"] == verified.id


def test_the_credential_says_what_the_certificate_says(app, certificate, holder_client):
    payload = verify_with_pyjwt(app, download_jwt(holder_client, certificate.id))
    assert payload["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                   "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert payload["id"].startswith("urn:uuid:") and payload["jti"] == payload["id"]
    assert payload["issuer"] == {"id": DID, "type": ["Profile"], "name": "Pemerintah Kota Palu",
                                 "url": f"{BASE_URL}/",
                                 "description": certificate.issuer_unit}
    assert payload["iss"] == DID
    assert payload["validFrom"] == certificate.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert payload["nbf"] == int(certificate.issued_at.replace(microsecond=0).timestamp())
    assert "exp" not in payload and "sub" not in payload and "vc" not in payload

    achievement = payload["credentialSubject"]["achievement"]
    assert achievement["id"] == f"{BASE_URL}/kursus/spbe-101"
    assert achievement["type"] == ["Achievement"]
    assert achievement["achievementType"] == "Course"
    assert achievement["name"] == certificate.course_title
    assert achievement["humanCode"] == "SPBE-101"
    assert achievement["creditsAvailable"] == certificate.jp
    assert f"{certificate.jp} JP" in achievement["description"]
    assert certificate.competency in achievement["description"]
    assert achievement["criteria"]["narrative"].startswith("Menyelesaikan seluruh modul")
    assert payload["credentialSubject"]["type"] == ["AchievementSubject"]
    assert payload["credentialSubject"]["creditsEarned"] == certificate.jp

    assert payload["evidence"][0]["id"] == f"{BASE_URL}/verify/{certificate.verification_code}"
    assert payload["credentialStatus"] == {
        "id": f"{BASE_URL}/credentials/status/1#{certificate.status_index}",
        "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
        "statusListIndex": str(certificate.status_index),
        "statusListCredential": f"{BASE_URL}/credentials/status/1"}


def test_the_holder_is_a_salted_hash_of_the_nip_never_the_nip(app, certificate,
                                                              holder_client):
    token = download_jwt(holder_client, certificate.id)
    header, payload, _signature = token.split(".")
    decoded = json.dumps([b64url_json(header), b64url_json(payload)])
    json_view = holder_client.get(f"/sertifikat/{certificate.id}/open-badge.json")
    for shown in (token, decoded, json_view.get_data(as_text=True)):
        assert HOLDER_NIP not in shown
        assert HOLDER_NIP[:8] not in shown  # not even the birth date

    (identity,) = b64url_json(payload)["credentialSubject"]["identifier"]
    assert identity["type"] == "IdentityObject" and identity["hashed"] is True
    assert identity["identityType"] == "ext:NIP"
    assert len(identity["salt"]) == 32
    assert identity["identityHash"] == (
        "sha256$" + hashlib.sha256((HOLDER_NIP + identity["salt"]).encode()).hexdigest())


def test_the_json_view_is_the_signed_credential_and_downloads_repeat(app, certificate,
                                                                     holder_client):
    token = download_jwt(holder_client, certificate.id)
    response = holder_client.get(f"/sertifikat/{certificate.id}/open-badge.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    payload = verify_with_pyjwt(app, token)
    claims = {key: payload.pop(key) for key in ("iss", "nbf", "jti")}
    assert response.get_json() == payload
    assert claims["jti"] == payload["id"]
    # Built from the certificate's snapshot and signed deterministically (Ed25519).
    assert download_jwt(holder_client, certificate.id) == token


def test_a_tampered_payload_fails_both_verifiers(app, certificate, holder_client):
    header, payload, signature = download_jwt(holder_client, certificate.id).split(".")
    changed = b64url_json(payload)
    changed["credentialSubject"]["achievement"]["creditsAvailable"] = 120
    changed["credentialSubject"]["creditsEarned"] = 120
    forged = ".".join([header, b64url(changed), signature])

    with pytest.raises(jwt.InvalidSignatureError):
        verify_with_pyjwt(app, forged)
    with pytest.raises(OB3VerificationError, match="Invalid signature"):
        verify_with_openbadgeslib(app, forged)


def test_a_credential_signed_with_another_key_fails(app, certificate, holder_client):
    token = download_jwt(holder_client, certificate.id)
    header = jwt.get_unverified_header(token)
    payload = b64url_json(token.split(".")[1])
    impostor = Ed25519PrivateKey.generate()

    # The same credential and the issuer's kid, but not the issuer's key.
    forged = jwt.encode(payload, impostor, algorithm="EdDSA", headers=header)
    with pytest.raises(jwt.InvalidSignatureError):
        verify_with_pyjwt(app, forged)
    with pytest.raises(OB3VerificationError, match="Invalid signature"):
        verify_with_openbadgeslib(app, forged)

    # Naming a key the issuer never published does not help either.
    unknown = jwt.encode(payload, impostor, algorithm="EdDSA",
                         headers=dict(header, kid=f"{DID}#bukan-kunci-penerbit"))
    with pytest.raises(OB3VerificationError, match="no verificationMethod"):
        verify_with_openbadgeslib(app, unknown)


# --- revocation ---------------------------------------------------------------------------

def test_revoking_sets_the_bit_in_the_next_status_list_fetched(app, certificate, admin,
                                                               holder_client):
    token = download_jwt(holder_client, certificate.id)
    entry = verify_with_pyjwt(app, token)["credentialStatus"]
    url, index = entry["statusListCredential"], int(entry["statusListIndex"])

    before = status_bits(app, url)
    assert len(before) * 8 == STATUS_LIST_SIZE >= 131_072  # the spec's minimum, 16 KB
    assert not bit(before, index)
    verify_with_openbadgeslib(app, token)  # valid, status checked

    revoke_certificate(certificate, "Data ganda", admin, public_reason="diterbitkan_ganda")
    db.session.commit()

    after = status_bits(app, url)
    assert bit(after, index)
    assert [i for i in range(STATUS_LIST_SIZE) if bit(after, i)] == [index]
    with pytest.raises(OB3VerificationError, match="'revocation' is set"):
        verify_with_openbadgeslib(app, token)
    # The signature itself is still the issuer's: only the status says no.
    verify_with_openbadgeslib(app, token, check_status=False)


def test_the_status_list_is_a_signed_bitstring_status_list_credential(app, certificate):
    payload = verify_with_pyjwt(app, fetcher(app)(f"{BASE_URL}/credentials/status/1").decode())
    assert payload["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert payload["id"] == payload["jti"] == f"{BASE_URL}/credentials/status/1"
    assert payload["issuer"] == payload["iss"] == DID
    assert payload["credentialSubject"]["id"] == f"{BASE_URL}/credentials/status/1#list"
    assert payload["exp"] > payload["nbf"]


def test_a_revoked_certificate_offers_no_open_badge(app, certificate, admin, holder_client):
    page = h.html(holder_client, "/sertifikat")
    assert "Unduh Open Badge" in page
    assert f"/sertifikat/{certificate.id}/open-badge.jwt" in page
    assert f"/sertifikat/{certificate.id}/open-badge.json" in page

    revoke_certificate(certificate, "Salah data", admin, public_reason="kesalahan_data")
    db.session.commit()
    page = h.html(holder_client, "/sertifikat")
    assert "open-badge" not in page and "Unduh Open Badge" not in page
    for suffix in ("jwt", "json"):
        assert holder_client.get(
            f"/sertifikat/{certificate.id}/open-badge.{suffix}").status_code == 404


def test_only_the_holder_and_admins_get_the_open_badge(app, certificate, create_user):
    create_user(nip=OTHER_NIP)
    other = h.login_as(app, OTHER_NIP)
    admin = h.login_as(app, h.ADMIN_NIP)
    anonymous = app.test_client()
    for suffix in ("jwt", "json"):
        url = f"/sertifikat/{certificate.id}/open-badge.{suffix}"
        assert other.get(url).status_code == 404
        assert other.get(f"/sertifikat/999999/open-badge.{suffix}").status_code == 404
        assert admin.get(url).status_code == 200
        response = anonymous.get(url)
        assert response.status_code == 302 and "/masuk" in response.headers["Location"]


# --- keys ---------------------------------------------------------------------------------

def test_rotation_keeps_credentials_signed_before_it_verifiable(app, certificate,
                                                                holder_client):
    old_token = download_jwt(holder_client, certificate.id)
    old_kid = jwt.get_unverified_header(old_token)["kid"]

    result = app.test_cli_runner().invoke(args=["certificates", "rotate-badge-key"])
    assert result.exit_code == 0, result.output
    new_token = download_jwt(holder_client, certificate.id)
    new_kid = jwt.get_unverified_header(new_token)["kid"]
    assert new_kid != old_kid and new_kid.split("#")[1] in result.output

    published = [key["kid"] for key in json.loads(
        fetcher(app)(f"{BASE_URL}/.well-known/jwks.json"))["keys"]]
    assert published == [new_kid, old_kid]  # the signing key first
    did_document = json.loads(fetcher(app)(f"{BASE_URL}/.well-known/did.json"))
    assert [m["id"] for m in did_document["verificationMethod"]] == [new_kid, old_kid]
    assert did_document["assertionMethod"] == [new_kid, old_kid]

    for token in (old_token, new_token):
        verify_with_openbadgeslib(app, token)
        assert verify_with_pyjwt(app, token)["jti"] == verify_with_pyjwt(app, new_token)["jti"]

    # Only the current private key is kept; every public key stays.
    folder = Path(app.instance_path) / "badge_keys"
    old, new = old_kid.split("#")[1], new_kid.split("#")[1]
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        ["current", f"{new}.key.pem", f"{new}.pub.pem", f"{old}.pub.pem"])
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "certificate.badge_key_rotate"))
    assert event.object_id == new and json.loads(event.details_json)["previous"] == old


def test_keys_are_made_on_first_use_readable_by_the_service_account_only(app, certificate,
                                                                         holder_client):
    folder = Path(app.instance_path) / "badge_keys"
    assert not folder.exists()
    previous = os.umask(0)  # a careless umask: the modes must not depend on it
    try:
        download_jwt(holder_client, certificate.id)
        app.test_cli_runner().invoke(args=["certificates", "rotate-badge-key"])
    finally:
        os.umask(previous)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = list(folder.iterdir())
    assert len(files) == 4  # current, one private key, two public keys
    assert {stat.S_IMODE(path.stat().st_mode) for path in files} == {0o600}


def test_workers_starting_at_once_agree_on_one_first_key(app):
    def first_use(index, barrier):
        barrier.wait()
        return badge_keys.signing_key().kid

    kids = run_together(app, first_use, 6)
    assert len(set(kids)) == 1
    folder = Path(app.instance_path) / "badge_keys"
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        ["current", f"{kids[0]}.key.pem", f"{kids[0]}.pub.pem"])


def test_a_current_key_whose_public_key_is_gone_signs_nothing(app):
    """What it signed no verifier could check; a rotation is the way out."""
    kid = badge_keys.signing_key().kid
    (Path(app.instance_path) / "badge_keys" / f"{kid}.pub.pem").unlink()
    with pytest.raises(badge_keys.BadgeKeyError, match="not published"):
        badge_keys.signing_key()
    result = app.test_cli_runner().invoke(args=["certificates", "rotate-badge-key"])
    assert result.exit_code == 0, result.output
    assert badge_keys.signing_key().kid not in (None, kid)
    assert [item.kid for item in badge_keys.published_keys()] == [
        badge_keys.signing_key().kid]


def test_the_published_keys_are_public_keys_only(app, site):
    download = fetcher(app)
    for url in (f"{BASE_URL}/.well-known/jwks.json", f"{BASE_URL}/.well-known/did.json"):
        text = download(url).decode()
        assert '"d"' not in text and "PRIVATE" not in text
    (key,) = json.loads(download(f"{BASE_URL}/.well-known/jwks.json"))["keys"]
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519" and key["alg"] == "EdDSA"
    assert set(key) == {"kty", "crv", "x", "kid", "alg", "use"}


# --- sessions, lists, the public pages --------------------------------------------------

def test_a_workshop_certificate_is_an_open_badge_too(app, site, holder, admin,
                                                     holder_client):
    session = make_session(admin, title="Workshop SRIKANDI", jp=4)
    certificate = issue_session_certificate(attend(session, holder), admin)
    db.session.commit()
    token = download_jwt(holder_client, certificate.id)
    verified = verify_with_openbadgeslib(app, token)
    achievement = verified.raw["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "CertificateOfCompletion"
    assert achievement["id"] == f"{BASE_URL}/agenda/{session.id}"
    assert achievement["name"] == "Workshop SRIKANDI" and achievement["creditsAvailable"] == 4
    assert "humanCode" not in achievement


def test_each_certificate_has_its_own_status_position(app, courses, site, admin,
                                                       create_user):
    certificates = [h.issue(h.enrol(create_user(), h.course("spbe-101")), admin)
                    for _ in range(5)]
    indexes = [certificate.status_index for certificate in certificates]
    assert len(set(indexes)) == 5
    assert all(0 <= index < STATUS_LIST_SIZE for index in indexes)
    # A draw never returns a position in use.
    taken = set(indexes)
    assert all(status_list.new_status_index() not in taken for _ in range(50))
    bulk = status_list.new_status_indexes(5_000)  # the benchmark's seeding
    assert len(set(bulk)) == 5_000 and not taken & set(bulk)
    assert bulk != sorted(bulk)  # in random order, not in order of issue


def test_a_status_list_that_holds_no_certificate_is_not_found(app, certificate):
    client = app.test_client()
    assert client.get("/credentials/status/1").status_code == 200
    assert client.get("/credentials/status/2").status_code == 404
    assert client.get("/credentials/status/0").status_code == 404
    # Once a certificate sits in list 2, list 2 exists.
    db.session.execute(Certificate.__table__.update().where(Certificate.id == certificate.id)
                       .values(status_index=STATUS_LIST_SIZE + 7))
    db.session.commit()
    assert client.get("/credentials/status/2").status_code == 200


def test_public_routes_take_a_fixed_number_of_queries(app, courses, site, admin, create_user,
                                                      queries):
    def counts():
        client = app.test_client()
        client.get("/.well-known/did.json")  # the first request after a settings change reads them
        found = {}
        for url in ("/.well-known/jwks.json", "/.well-known/did.json",
                    "/credentials/status/1"):
            with queries() as count:
                assert client.get(url).status_code == 200
            found[url] = count()
        return found

    issued = [h.issue(h.enrol(create_user(), h.course("spbe-101")), admin) for _ in range(2)]
    revoke_certificate(issued[0], "Uji", admin)
    db.session.commit()
    few = counts()
    more = [h.issue(h.enrol(create_user(), h.course("spbe-101")), admin) for _ in range(4)]
    for certificate in more:
        revoke_certificate(certificate, "Uji", admin)
    db.session.commit()
    assert counts() == few
    # The settings are the worker's copy (app/settings.py); the status list reads its rows.
    assert few == {"/.well-known/jwks.json": 0, "/.well-known/did.json": 0,
                   "/credentials/status/1": 1}


def test_the_verify_page_says_how_to_check_the_open_badge(app, certificate):
    page = h.html(app.test_client(), f"/verify/{certificate.verification_code}")
    assert "Memeriksa Open Badge" in page
    assert 'href="/.well-known/jwks.json"' in page
    assert 'href="/.well-known/did.json"' in page
    assert 'href="/credentials/status/1"' in page


def test_the_issuer_did_follows_the_base_url(app):
    for base_url, did in (("https://kompeten.palukota.go.id", "did:web:kompeten.palukota.go.id"),
                          ("https://kompeten.example:8443/", "did:web:kompeten.example%3A8443"),
                          ("https://pemkot.example/lms", "did:web:pemkot.example:lms")):
        set_setting("base_url", base_url)
        assert badges.issuer_did() == did


# --- certificates issued before Open Badges -----------------------------------------------

def test_migration_0018_gives_certificates_already_issued_a_position_and_a_salt(
        empty_database_url, tmp_path):  # noqa: F811
    app = _migrations_app(empty_database_url, tmp_path)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0017_notifications")
        with db.engine.begin() as conn:
            # The search index's full-text parts take no seeded rows (see test_migrations).
            present = inspect(conn).get_table_names()
            _seed_empty_tables(conn, _reflected_metadata(conn, leave_out=[
                "certificate", "search_document",
                *(name for name in FULL_TEXT_TABLES if name in present)]))
        rows = [_certificate_row(f"800/000{n}", n, revoked=n != 2) for n in (1, 2, 3)]
        columns = ", ".join(rows[0])
        values = ", ".join(f":{name}" for name in rows[0])
        with db.engine.begin() as conn:
            conn.execute(text(f"INSERT INTO certificate ({columns}) VALUES ({values})"), rows)
        upgrade(directory=MIGRATIONS, revision="0018_open_badges")
        with db.engine.connect() as conn:
            stored = conn.execute(text("SELECT status_index, identity_salt FROM certificate")
                                  ).all()
        db.engine.dispose()
    indexes, salts = {row[0] for row in stored}, {row[1] for row in stored}
    assert len(indexes) == len(salts) == 3
    assert all(0 <= index < STATUS_LIST_SIZE for index in indexes)
    assert all(len(salt) == 32 for salt in salts)
