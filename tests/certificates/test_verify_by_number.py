"""Looking a certificate up by its number needs the holder's NIP too (issue 15).

Certificate numbers are sequential (800/0001/..., 800/0002/...): if a number alone opened the
verification page, anyone could walk them and list every holder with name, training and NIP.
These tests play that attacker: numbers without a NIP, real numbers with a wrong NIP, unknown
numbers; every miss must answer the same, and only number + right NIP (or the secret code)
shows the certificate.
"""

import re

import pytest

from tests.certificates.test_verify import (
    BIRTH_DATE_DIGITS,
    COURSE_CODE,
    COURSE_TITLE,
    GROUPED_NIP,
    HOLDER_NAME,
    MASKED_NIP,
    NUMBER,
    course_by_code,
    facts,
    issue_for,
    make_holder,
    page_text,
    page_without_token,
    verdict,
)
from tests.conftest import PNS_NIP, count_queries, csrf_token, seed_objects

OTHER_NIP = "199205152019032002"
OTHER_NAME = "Siti Rahmawati"
SECOND_NUMBER = "800/0002/BKPSDM/XI/2026"
NUMBER_MISS = ("Tidak ada sertifikat dengan nomor ini untuk NIP pemegang tersebut. Periksa "
               "kembali keduanya.")
@pytest.fixture
def certificates(app, courses, create_user):
    """Two holders, two certificates: 800/0001 (Andi, SPBE-101) and 800/0002 (Siti, KAM-201).
    A kept seed (tests/conftest.py): their PDFs are rendered once per worker."""

    def issue_both():
        first = issue_for(make_holder(create_user), course_by_code(COURSE_CODE))
        second = issue_for(create_user(nip=OTHER_NIP, name=OTHER_NAME),
                           course_by_code("KAM-201"))
        return {"first": first, "second": second}

    issued = seed_objects("verify_by_number.certificates", issue_both)
    first, second = issued["first"], issued["second"]
    assert (first.number, second.number) == (NUMBER, SECOND_NUMBER)
    return first, second


def by_number(client, number, nip):
    """Post the number form the way a browser does: open /verify, take its token, post."""
    token = csrf_token(page_text(client.get("/verify")))
    return client.post("/verify", data={"number": number, "nip": nip, "csrf_token": token})


def secrets_of(certificate):
    """Everything the public must not learn from a miss."""
    return (certificate.holder_name, certificate.course_title, certificate.verification_code,
            certificate.masked_nip, certificate.holder_nip, certificate.holder_nip[:8])


def comparable(response, *typed):
    """The response with what differs by construction taken out: the per-request CSRF token
    and the values the visitor typed (echoed back in the form)."""
    body = page_without_token(response)
    for value in typed:
        body = body.replace(value, "TYPED")
    return response.status_code, body


# --- number + NIP opens the certificate -----------------------------------------------------

@pytest.mark.parametrize(("number", "nip"), [
    (NUMBER, PNS_NIP),
    (f"  {NUMBER.lower()} ", GROUPED_NIP),          # as people type it off the paper
    (NUMBER, "19860926.201505.1.001"),
    (NUMBER, "19860926-201505-1-001"),
])
def test_number_with_the_holders_nip_opens_the_certificate(client, certificates, number, nip):
    certificate = certificates[0]
    response = by_number(client, number, nip)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/verify/{certificate.verification_code}"
    page = client.get(response.headers["Location"])
    shown = facts(page_text(page))
    assert (shown["Nomor"], shown["Nama"], shown["NIP"]) == (NUMBER, HOLDER_NAME, MASKED_NIP)
    assert verdict(page_text(page))[0] == "valid"


def test_each_number_opens_only_with_its_own_holders_nip(client, certificates):
    first, second = certificates
    assert by_number(client, SECOND_NUMBER, OTHER_NIP).headers["Location"] == (
        f"/verify/{second.verification_code}")
    # Swapped: a real number with another real holder's NIP is a miss.
    for number, nip in ((NUMBER, OTHER_NIP), (SECOND_NUMBER, PNS_NIP)):
        response = by_number(client, number, nip)
        assert response.status_code == 404
        markup = page_text(response).replace(nip, "TYPED")  # the form echoes what was typed
        for secret in secrets_of(first) + secrets_of(second):
            assert secret not in markup, (number, secret)


def test_code_alone_is_still_enough(client, certificates):
    certificate = certificates[0]
    code = certificate.verification_code
    assert client.get("/verify", query_string={"q": code.lower()}).headers["Location"] == (
        f"/verify/{code}")
    assert facts(page_text(client.get(f"/verify/{code}")))["Nama"] == HOLDER_NAME
    assert client.get(f"/verify/{code}.json").get_json()["holder"]["name"] == HOLDER_NAME


def test_a_revoked_certificate_is_found_by_number_and_nip_too(client, certificates):
    from tests.certificates.test_verify import revoke

    revoke(certificates[0])
    response = by_number(client, NUMBER, GROUPED_NIP)
    assert response.status_code == 302
    assert verdict(page_text(client.get(response.headers["Location"])))[0] == "revoked"


# --- walking numbers ------------------------------------------------------------------------

def test_walking_numbers_without_a_nip_reveals_nothing(client, certificates):
    """800/0001 and 800/0002 exist, 800/0003.. do not: typed alone, all answer the same."""
    answers = set()
    for sequence in range(1, 6):
        number = f"800/{sequence:04d}/BKPSDM/XI/2026"
        response = client.get("/verify", query_string={"q": number})
        markup = page_text(response)
        for certificate in certificates:
            for secret in secrets_of(certificate):
                assert secret not in markup, (number, secret)
        assert COURSE_TITLE not in markup and "KAM-201" not in markup
        answers.add(comparable(response, number))
    assert len(answers) == 1
    assert next(iter(answers))[0] == 404


def test_a_wrong_nip_answers_exactly_like_a_number_never_issued(client, certificates):
    wrong_nip = "199001012015011001"
    misses = {
        "real number, wrong NIP": (NUMBER, wrong_nip),
        "real number, other holder's NIP": (NUMBER, OTHER_NIP),
        "unknown number, wrong NIP": ("800/0099/BKPSDM/XI/2026", wrong_nip),
        "unknown number, holder's NIP": ("800/0099/BKPSDM/XI/2026", PNS_NIP),
        "next number, wrong NIP": ("800/0003/BKPSDM/XI/2026", wrong_nip),
    }
    answers = {}
    for name, (number, nip) in misses.items():
        response = by_number(client, number, nip)
        markup = page_text(response)
        assert NUMBER_MISS in markup, name
        for certificate in certificates:
            for secret in secrets_of(certificate)[:4]:
                assert secret not in markup, (name, secret)
        answers[name] = comparable(response, number, nip)
    assert {status for status, _body in answers.values()} == {404}
    first = next(iter(answers.values()))[1]
    differences = {name: _first_difference(first, body) for name, (_s, body) in answers.items()
                   if body != first}
    assert differences == {}, "a miss tells something about the number"


def _first_difference(one, other):
    """Where two bodies part, with some context either side (for the assertion message)."""
    at = next((i for i, (a, b) in enumerate(zip(one, other, strict=False)) if a != b),
              min(len(one), len(other)))
    return one[max(0, at - 80):at + 80], other[max(0, at - 80):at + 80]


def test_a_miss_costs_the_same_queries_whether_the_number_exists(client, certificates):
    """No early exit that an attacker could time: one query decides, for every miss."""
    token = csrf_token(page_text(client.get("/verify")))
    counts = []
    for number in (NUMBER, "800/0099/BKPSDM/XI/2026"):
        with count_queries() as queries:
            response = client.post("/verify", data={
                "number": number, "nip": "199001012015011001", "csrf_token": token})
        assert response.status_code == 404
        counts.append(queries())
    assert counts[0] == counts[1]


# --- the form itself ------------------------------------------------------------------------

@pytest.mark.parametrize(("number", "nip", "field", "message"), [
    ("", PNS_NIP, "number", "Nomor sertifikat wajib diisi."),
    (NUMBER, "", "nip", "NIP pemegang wajib diisi."),
    (NUMBER, "1986", "nip", "NIP terdiri dari 18 angka."),
    # Full-width digits look like a NIP but are refused, not silently taken for one.
    (NUMBER, "１９８６０９２６２０１５０５１００１", "nip", "NIP terdiri dari 18 angka."),
    (NUMBER, "19860926201505100X", "nip", "NIP terdiri dari 18 angka."),
    (NUMBER, "9" * 400, "nip", None),  # WTForms' own length message
])
def test_number_form_names_what_is_wrong(client, certificates, number, nip, field, message):
    response = by_number(client, number, nip)
    assert response.status_code == 200
    markup = page_text(response)
    errors = re.search(rf'<ul class="errors" id="{field}-error">(.*?)</ul>', markup, re.S)
    assert errors, markup
    if message:
        assert message in errors.group(1)
    assert 'aria-invalid="true"' in markup
    assert HOLDER_NAME not in markup


def test_number_form_needs_its_token(client, certificates):
    response = client.post("/verify", data={"number": NUMBER, "nip": PNS_NIP})
    assert response.status_code in (200, 400)
    assert "Location" not in response.headers
    assert HOLDER_NAME not in page_text(response)


def test_nip_is_not_put_in_the_address(client, certificates):
    """Posted, not a query string: the NIP stays out of access logs and browser history."""
    response = by_number(client, NUMBER, PNS_NIP)
    assert PNS_NIP not in response.headers["Location"]
    assert BIRTH_DATE_DIGITS not in response.headers["Location"]
    # A miss shows the typed NIP again in the form: no cache may keep that page.
    miss = by_number(client, "800/0099/BKPSDM/XI/2026", PNS_NIP)
    assert miss.status_code == 404
    assert "no-store" in miss.headers["Cache-Control"]


def test_control_characters_in_the_number_form_do_not_fail(client, certificates):
    # Forms drop NUL before anything else: a NUL inside the right pair still finds it.
    assert by_number(client, f"{NUMBER}\x00", f"{PNS_NIP}\x00").status_code == 302
    for number, nip in (("\x00", "\x00" * 18), ("800/\x1f\x7f", PNS_NIP),
                        (NUMBER, "\x1f" * 18)):
        response = by_number(client, number, nip)
        assert response.status_code in (200, 404), repr((number, nip))
        assert HOLDER_NAME not in page_text(response)
