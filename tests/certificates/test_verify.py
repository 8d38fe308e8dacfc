"""Public certificate verification: the page a reviewer opens from the QR code, its JSON twin,
the lookup form, link previews and what the page must never give away.

Shared helpers (used by test_verify_qr.py and test_verify_limits.py too) live at the top.
"""

import html
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.certificates.models import Certificate
from app.certificates.services import issue_certificate, revoke_certificate
from app.courses.models import Course, Enrollment
from app.extensions import db
from tests.conftest import PNS_NIP, seed_once

HOLDER_NAME = "Andi Lamadjido"
# PNS_NIP = 19860926 201505 1 001: publicly only the last three digits (the serial) show.
MASKED_NIP = "******** ****** * 001"
BIRTH_DATE_DIGITS = PNS_NIP[:8]  # "19860926": personal data (UU 27/2022), never public
HIDDEN_NIP_DIGITS = PNS_NIP[8:15]  # "2015051": TMT and gender, never shown
GROUPED_NIP = "19860926 201505 1 001"
COURSE_CODE = "SPBE-101"
COURSE_TITLE = "Dasar-Dasar Sistem Pemerintahan Berbasis Elektronik"
ISSUER_UNIT = "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia Daerah"
INSTITUTION = "Pemerintah Kota Palu"

# 16 Aug 2026 22:30 UTC is 17 Aug 2026 06:30 in Palu (WITA, UTC+8).
COMPLETED_AT = datetime(2026, 8, 16, 22, 30, tzinfo=UTC)
# 31 Oct 2026 16:30 UTC is 1 Nov 2026 00:30 WITA: issued in November, so numbered XI.
ISSUED_AT = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)
NUMBER = "800/0001/BKPSDM/XI/2026"
# 1 Dec 2026 17:30 UTC is 2 Dec 2026 01:30 WITA.
REVOKED_AT = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
# The admin's internal note (never public) and the public reason chosen from the list.
REVOCATION_REASON = "Nilai ujian akhir terbukti hasil perjokian."
PUBLIC_REASON, PUBLIC_REASON_LABEL = "pelanggaran_ketentuan", "Pelanggaran ketentuan pelatihan"

CODE_MISS = ("Tidak ada sertifikat dengan kode tersebut. Untuk mencari dengan nomor sertifikat, "
             "isi nomor dan NIP pemegang di bawah.")

JSON_KEYS = {"valid", "status", "number", "holder", "course", "jp", "completed_on", "issued_on",
             "revoked_on", "revocation_reason", "issuer"}


def course_by_code(code):
    return db.session.scalar(select(Course).where(Course.code == code))


def issue_for(user, course, completed_at=COMPLETED_AT, now=ISSUED_AT, issuer=None):
    """A completed enrolment and its certificate, committed."""
    enrollment = Enrollment(user_id=user.id, course_id=course.id, completed_at=completed_at)
    db.session.add(enrollment)
    db.session.flush()
    certificate = issue_certificate(enrollment, issuer, now=now)
    db.session.commit()
    return certificate


def revoke(certificate, reason=REVOCATION_REASON, by=None, now=REVOKED_AT,
           public_reason=PUBLIC_REASON):
    revoke_certificate(certificate, reason, by, now=now, public_reason=public_reason)
    db.session.commit()
    return certificate


def page_text(response):
    return response.get_data(as_text=True)


# Every CSRF token on the page (the forms' and the language switch's), whatever the attribute
# order: a token is signed with the current second, so two pages a second apart differ there.
CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*(")')


def page_without_token(response):
    """The page with its CSRF tokens' values taken out: what two requests must show alike."""
    return CSRF_VALUE.sub(r"\1TOKEN\2", page_text(response))


def visible_text(markup):
    """Tags stripped, entities decoded, whitespace folded: what a reader sees."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def verdict(markup):
    """(kind, text) of the status banner at the top of the verify page."""
    match = re.search(r'<p class="verdict-banner verdict-(\w+)" role="status">(.*?)</p>',
                      markup, re.S)
    assert match, "no verdict banner on the page"
    return match.group(1), visible_text(match.group(2))


def facts(markup):
    """The <dl> of certificate facts as {label: value}."""
    pairs = re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", markup, re.S)
    return {visible_text(label): visible_text(value) for label, value in pairs}


def meta_tags(markup):
    """{property or name: content} of every <meta> in the page."""
    tags = {}
    for attrs in re.findall(r"<meta\s([^>]*)>", markup):
        fields = dict(re.findall(r'([\w:-]+)="([^"]*)"', attrs))
        key = fields.get("property") or fields.get("name")
        if key:
            tags[key] = html.unescape(fields.get("content", ""))
    return tags


def make_holder(create_user, nip=PNS_NIP, name=HOLDER_NAME):
    return create_user(nip=nip, name=name)


@pytest.fixture
def certificate(app, courses, create_user):
    def seed():
        holder = make_holder(create_user)
        admin = create_user(roles=("admin",))
        return issue_for(holder, course_by_code(COURSE_CODE), issuer=admin).id

    # Kept once per worker (tests/conftest.py): issuing renders the PDF, most of this setup.
    return db.session.get(Certificate, seed_once("verify.certificate", seed))


@pytest.fixture
def revoked(certificate):
    return revoke(certificate)


# --- the page -------------------------------------------------------------------------------

def test_valid_certificate_page_needs_no_login(client, certificate):
    response = client.get(f"/verify/{certificate.verification_code}")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    markup = page_text(response)
    kind, banner = verdict(markup)
    assert kind == "valid"
    assert banner.startswith("SAH")
    assert "asli dan berlaku" in banner
    assert "DICABUT" not in markup
    assert 'href="/masuk' in markup  # an anonymous visitor: the menu offers to log in


def test_page_shows_the_certificate_facts(client, certificate):
    markup = page_text(client.get(f"/verify/{certificate.verification_code}"))
    shown = facts(markup)
    assert shown["Nomor"] == NUMBER
    assert shown["Nama"] == HOLDER_NAME
    assert shown["NIP"] == MASKED_NIP
    assert shown["Pelatihan"] == f"{COURSE_TITLE} ({COURSE_CODE})"
    assert shown["Jam pelajaran"] == "12 JP"
    assert shown["Selesai"] == "17 Agustus 2026"       # WITA date, Indonesian month
    assert shown["Diterbitkan"] == "1 November 2026"   # issued 31 Oct 16:30 UTC = 1 Nov WITA
    assert shown["Penerbit"] == f"{ISSUER_UNIT}, {INSTITUTION}"
    assert shown["Kode verifikasi"] == certificate.verification_code
    assert "31 Oktober 2026" not in markup and "16 Agustus 2026" not in markup


def test_nip_is_masked_except_the_last_three_digits(client, certificate):
    markup = page_text(client.get(f"/verify/{certificate.verification_code}"))
    assert MASKED_NIP in markup
    assert HIDDEN_NIP_DIGITS not in markup
    for hidden in (BIRTH_DATE_DIGITS, "201505", PNS_NIP, GROUPED_NIP):
        assert hidden not in markup


def test_revoked_certificate_says_dicabut_with_wita_date_and_public_reason(client, revoked):
    response = client.get(f"/verify/{revoked.verification_code}")
    assert response.status_code == 200
    markup = page_text(response)
    kind, banner = verdict(markup)
    assert kind == "revoked"
    assert banner.startswith("DICABUT")
    # Revoked at 1 Dec 17:30 UTC: 2 Dec in Palu.
    assert "dicabut pada 2 Desember 2026" in banner
    assert banner.endswith(f"Alasan: {PUBLIC_REASON_LABEL}")
    # The admin's free-text note is internal: not on the page, nor any word of it.
    assert REVOCATION_REASON not in markup and "perjokian" not in markup
    assert "1 Desember 2026" not in markup
    assert ">SAH<" not in markup and "asli dan berlaku" not in markup
    # The record itself is still shown in full.
    assert facts(markup)["Nomor"] == NUMBER


def test_internal_revocation_note_never_reaches_the_public(client, certificate):
    revoke(certificate, reason='<script>alert("x")</script> catatan-rahasia & lainnya',
           public_reason="kesalahan_data")
    code = certificate.verification_code
    for path in (f"/verify/{code}", f"/verify/{code}.json"):
        body = page_text(client.get(path))
        assert "catatan-rahasia" not in body and "alert" not in body, path
    assert verdict(page_text(client.get(f"/verify/{code}")))[1].endswith(
        "Alasan: Kesalahan data")
    assert client.get(f"/verify/{code}.json").get_json()["revocation_reason"] == "kesalahan_data"


def test_revoked_before_public_reasons_existed_shows_a_neutral_reason(client, certificate):
    """Rows revoked before migration 0009 (or written without a public reason) say "Lainnya",
    never their old free text."""
    certificate.revoked_at, certificate.revoked_reason = REVOKED_AT, "Teks lama yang internal"
    db.session.commit()
    markup = page_text(client.get(f"/verify/{certificate.verification_code}"))
    assert verdict(markup)[1].endswith("Alasan: Lainnya")
    assert "Teks lama" not in markup
    data = client.get(f"/verify/{certificate.verification_code}.json").get_json()
    assert data["revocation_reason"] == "lainnya"


@pytest.mark.parametrize("typed", [
    "{code}", "{lower}", "{dashed}", "{spaced}", "{lower_dashed}",
])
def test_code_typed_loosely_still_finds_it(client, certificate, typed):
    code = certificate.verification_code
    variants = {
        "code": code,
        "lower": code.lower(),
        "dashed": f"{code[:4]}-{code[4:8]}-{code[8:]}",
        "spaced": f"{code[:4]}%20{code[4:8]}%20{code[8:]}",  # what a browser sends for spaces
        "lower_dashed": f"{code[:6].lower()}-{code[6:].lower()}",
    }
    path = typed.format(**variants)
    response = client.get(f"/verify/{path}")
    assert response.status_code == 200
    assert facts(page_text(response))["Nomor"] == NUMBER
    data = client.get(f"/verify/{path}.json").get_json()
    assert data["number"] == NUMBER


def test_each_code_shows_its_own_certificate(client, certificate, create_user):
    other_holder = create_user(name="Siti Rahmawati")
    other = issue_for(other_holder, course_by_code("KAM-201"))
    assert other.number == "800/0002/BKPSDM/XI/2026"
    shown = facts(page_text(client.get(f"/verify/{other.verification_code}")))
    assert shown["Nama"] == "Siti Rahmawati"
    assert shown["Pelatihan"] == "Keamanan Informasi dan Pelindungan Data Pribadi (KAM-201)"
    assert facts(page_text(client.get(f"/verify/{certificate.verification_code}")))[
        "Nama"] == HOLDER_NAME


def test_page_shows_the_snapshot_not_todays_profile(client, certificate):
    """Renaming the learner or the course later does not change what was certified."""
    certificate.holder.name = "Nama Baru Setelah Terbit"
    certificate.course.title = "Judul Baru"
    db.session.commit()
    markup = page_text(client.get(f"/verify/{certificate.verification_code}"))
    shown = facts(markup)
    assert shown["Nama"] == HOLDER_NAME
    assert shown["Pelatihan"] == f"{COURSE_TITLE} ({COURSE_CODE})"
    assert "Nama Baru" not in markup and "Judul Baru" not in markup


# --- JSON -----------------------------------------------------------------------------------

def test_json_contract_for_a_valid_certificate(client, certificate):
    response = client.get(f"/verify/{certificate.verification_code}.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    data = response.get_json()
    assert set(data) == JSON_KEYS
    assert data == {
        "valid": True,
        "status": "valid",
        "number": NUMBER,
        "holder": {"name": HOLDER_NAME, "nip": MASKED_NIP},
        "course": {"title": COURSE_TITLE, "code": COURSE_CODE},
        "jp": 12,
        "completed_on": "2026-08-17",
        "issued_on": "2026-11-01",
        "revoked_on": None,
        "revocation_reason": None,
        "issuer": ISSUER_UNIT,
    }
    raw = page_text(response)
    assert '"revoked_on":null' in raw.replace(" ", "")
    assert '"revocation_reason":null' in raw.replace(" ", "")


def test_json_contract_for_a_revoked_certificate(client, revoked):
    response = client.get(f"/verify/{revoked.verification_code}.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    data = response.get_json()
    assert set(data) == JSON_KEYS
    assert data["valid"] is False
    assert data["status"] == "revoked"
    assert data["revoked_on"] == "2026-12-02"  # the WITA date, not the UTC one
    assert data["revocation_reason"] == PUBLIC_REASON  # the key of the public reason only
    assert REVOCATION_REASON not in page_text(response)
    assert data["number"] == NUMBER
    assert data["holder"] == {"name": HOLDER_NAME, "nip": MASKED_NIP}
    assert data["issued_on"] == "2026-11-01"


def test_json_types_are_plain(client, certificate):
    data = client.get(f"/verify/{certificate.verification_code}.json").get_json()
    assert isinstance(data["valid"], bool)
    assert isinstance(data["jp"], int) and not isinstance(data["jp"], bool)
    for key in ("completed_on", "issued_on"):
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data[key])
    assert set(data["holder"]) == {"name", "nip"}
    assert set(data["course"]) == {"title", "code"}


def test_unknown_code_json_is_404_not_found(client, certificate):
    response = client.get("/verify/ZZZZ2222ZZZZ.json")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.get_json() == {"valid": False, "status": "not_found"}


def _near_miss(code):
    """The real code with its last character changed: the kind of typo people make."""
    return code[:-1] + ("2" if code[-1] != "2" else "3")


def test_unknown_code_page_says_not_found_and_gives_nothing_away(client, certificate):
    code = certificate.verification_code
    first = client.get("/verify/ZZZZ2222ZZZZ")
    second = client.get(f"/verify/{_near_miss(code)}")
    third = client.get("/verify/x")
    for response in (first, second, third):
        assert response.status_code == 404
        assert response.mimetype == "text/html"
    body = page_without_token(first)
    assert "Sertifikat tidak ditemukan" in body
    assert "Tidak ada sertifikat dengan kode ini" in body
    # The same answer for a random code, a near miss of a real one and a one-letter code:
    assert page_without_token(second) == body
    assert page_without_token(third) == body
    for secret in (code, code[:6], NUMBER, HOLDER_NAME, COURSE_TITLE, MASKED_NIP, "ZZZZ2222ZZZZ"):
        assert secret not in body


def test_unknown_code_json_is_identical_for_any_unknown_code(client, certificate):
    code = certificate.verification_code
    bodies = {client.get(f"/verify/{unknown}.json").get_data()
              for unknown in ("ZZZZ2222ZZZZ", _near_miss(code), "abc", code + "2")}
    assert bodies == {client.get("/verify/ZZZZ2222ZZZZ.json").get_data()}
    assert code.encode() not in next(iter(bodies))


def test_unknown_code_with_no_certificates_at_all_is_the_same_answer(app, client, courses):
    empty = client.get("/verify/ZZZZ2222ZZZZ")
    assert empty.status_code == 404
    assert "Sertifikat tidak ditemukan" in page_text(empty)


# --- the lookup form ------------------------------------------------------------------------

def test_lookup_form_is_public(client):
    response = client.get("/verify")
    assert response.status_code == 200
    markup = page_text(response)
    assert "Cek keaslian sertifikat" in markup
    assert re.search(r'<input type="text" id="q" name="q" value="" maxlength="120"', markup)
    # The second way in: number and the holder's NIP, posted with the form's token.
    assert re.search(r'<form method="post" action="/verify" novalidate>', markup)
    for name in ("number", "nip", "csrf_token"):
        assert f'name="{name}"' in markup, name
    assert "Tidak ada sertifikat" not in markup
    assert 'aria-invalid' not in markup


@pytest.mark.parametrize("typed", [
    NUMBER,
    f"  {NUMBER}  ",
    NUMBER.lower(),
    "800/0001/bkpsdm/Xi/2026",
])
def test_lookup_by_number_alone_finds_nothing(client, certificate, typed):
    """The number is sequential: typed alone into the code box it is just an unknown code."""
    response = client.get("/verify", query_string={"q": typed})
    assert response.status_code == 404
    markup = page_text(response)
    assert CODE_MISS in visible_text(markup)
    assert certificate.verification_code not in markup and HOLDER_NAME not in markup


@pytest.mark.parametrize("shape", ["exact", "lower", "spaced", "dashed", "padded"])
def test_lookup_by_code_redirects(client, certificate, shape):
    code = certificate.verification_code
    typed = {
        "exact": code, "lower": code.lower(), "spaced": f"{code[:4]} {code[4:8]} {code[8:]}",
        "dashed": f"{code[:4]}-{code[4:8]}-{code[8:]}", "padded": f"\t {code.lower()} \n",
    }[shape]
    response = client.get("/verify", query_string={"q": typed})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/verify/{code}"


def test_lookup_redirect_lands_on_the_verify_page(client, certificate):
    response = client.get("/verify", query_string={"q": f" {certificate.verification_code} "},
                          follow_redirects=True)
    assert response.status_code == 200
    assert verdict(page_text(response))[0] == "valid"
    assert response.request.path == f"/verify/{certificate.verification_code}"


def test_lookup_finds_a_revoked_certificate_too(client, revoked):
    response = client.get("/verify", query_string={"q": revoked.verification_code},
                          follow_redirects=True)
    assert response.status_code == 200
    assert verdict(page_text(response))[0] == "revoked"


@pytest.mark.parametrize("typed", [
    "800/0002/BKPSDM/XI/2026",   # the next number, not issued
    "800/0001/BKPSDM/XI/2025",   # another year
    "800/0001/BKPSDM/XI",        # a prefix of a real number
    "ZZZZ2222ZZZZ",
    "---",                        # nothing left once spaces and dashes go
])
def test_lookup_unknown_is_404_with_message_on_the_field(client, certificate, typed):
    response = client.get("/verify", query_string={"q": typed})
    assert response.status_code == 404
    markup = page_text(response)
    assert re.search(r'<div class="field field-error">', markup)
    assert 'aria-invalid="true" aria-describedby="q-error"' in markup
    assert f'<ul class="errors" id="q-error"><li>{CODE_MISS}</li></ul>' in markup
    assert f'value="{html.escape(typed)}"' in markup  # what was typed stays in the box
    assert certificate.verification_code not in markup
    assert HOLDER_NAME not in markup


def test_lookup_by_number_prefix_or_part_of_code_finds_nothing(client, certificate):
    code = certificate.verification_code
    for partial in (code[:-1], code[1:], "800", "BKPSDM", "%"):
        response = client.get("/verify", query_string={"q": partial})
        assert response.status_code == 404, partial


def test_lookup_blank_query_shows_the_form(client, certificate):
    response = client.get("/verify", query_string={"q": "   "})
    assert response.status_code == 200
    assert "Tidak ada sertifikat" not in page_text(response)


@pytest.mark.parametrize("typed", [
    "A" * 5000,
    "800/0001/BKPSDM/XI/2026" + "/X" * 2000,
    "<script>alert(1)</script>" * 50,
    "ÄÖÜ ✓ 証明書 " * 100,
])
def test_lookup_over_long_input_does_not_fail(client, certificate, typed):
    response = client.get("/verify", query_string={"q": typed})
    assert response.status_code == 404
    markup = page_text(response)
    assert CODE_MISS in markup
    assert "<script>alert(1)" not in markup
    echoed = re.search(r'id="q" name="q" value="([^"]*)"', markup).group(1)
    assert len(html.unescape(echoed)) <= 120


def test_lookup_with_a_real_code_past_the_length_cap_is_not_found(client, certificate):
    """Input is cut to 120 characters: a code hidden behind padding is not dug out."""
    response = client.get("/verify", query_string={"q": "-" * 130 + certificate.verification_code})
    assert response.status_code == 404


def test_lookup_control_characters_do_not_fail(client, certificate):
    for typed in ("\x00", f"{NUMBER}\x00", "a\x00b", "\x1f\x7f"):
        response = client.get("/verify", query_string={"q": typed})
        assert response.status_code == 404, repr(typed)
        assert "Tidak ada sertifikat" in page_text(response)


def test_over_long_code_in_the_path_does_not_fail(client, certificate):
    long_code = "A" * 3000
    page = client.get(f"/verify/{long_code}")
    assert page.status_code == 404
    assert "Sertifikat tidak ditemukan" in page_text(page)
    data = client.get(f"/verify/{long_code}.json")
    assert data.status_code == 404
    assert data.get_json() == {"valid": False, "status": "not_found"}
    nul = client.get("/verify/%00.json")
    assert nul.status_code == 404
    assert nul.get_json() == {"valid": False, "status": "not_found"}


# --- link previews --------------------------------------------------------------------------

def test_link_preview_tags_for_a_valid_certificate(client, certificate):
    markup = page_text(client.get(f"/verify/{certificate.verification_code}"))
    tags = meta_tags(markup)
    assert "SAH" in tags["og:title"] and COURSE_TITLE in tags["og:title"]
    assert "DICABUT" not in tags["og:title"]
    description = tags["og:description"]
    assert HOLDER_NAME in description
    assert "12 JP" in description
    assert NUMBER in description
    # The default base URL from the configuration.
    assert tags["og:url"] == f"http://127.0.0.1:5000/verify/{certificate.verification_code}"
    assert tags["og:site_name"] == f"Kompeten · {INSTITUTION}"
    assert tags["og:type"] == "website"
    assert tags["robots"] == "noindex"
    for content in tags.values():
        assert HIDDEN_NIP_DIGITS not in content


def test_link_preview_for_a_revoked_certificate_says_dicabut(client, revoked):
    tags = meta_tags(page_text(client.get(f"/verify/{revoked.verification_code}")))
    assert "DICABUT" in tags["og:title"] and COURSE_TITLE in tags["og:title"]
    assert "SAH" not in tags["og:title"]
    assert tags["robots"] == "noindex"


def test_og_url_follows_the_base_url_setting(client, certificate):
    from app.settings import set_setting

    set_setting("base_url", "https://kompeten.palukota.go.id/")  # trailing slash is tolerated
    db.session.commit()
    tags = meta_tags(page_text(client.get(f"/verify/{certificate.verification_code.lower()}")))
    # Canonical: the configured host and the code as issued, whatever case was typed.
    assert tags["og:url"] == (
        f"https://kompeten.palukota.go.id/verify/{certificate.verification_code}")


def test_link_preview_text_is_escaped(client, create_user, courses):
    holder = create_user(name='Andi "Ochan" <b>Lamadjido</b>')
    certificate = issue_for(holder, course_by_code(COURSE_CODE))
    markup = page_text(client.get(f"/verify/{certificate.verification_code}"))
    assert "<b>Lamadjido" not in markup
    assert 'Andi "Ochan" <b>Lamadjido</b>' in meta_tags(markup)["og:description"]


# --- headers and privacy --------------------------------------------------------------------

def _assert_security_headers(response, name=""):
    csp = response.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp, name
    assert "default-src 'self'" in csp, name
    assert response.headers.get("X-Content-Type-Options") == "nosniff", name


def test_security_headers_on_every_verify_response(client, certificate):
    code = certificate.verification_code
    responses = {
        "page": client.get(f"/verify/{code}"),
        "json": client.get(f"/verify/{code}.json"),
        "form": client.get("/verify"),
        "redirect": client.get("/verify", query_string={"q": code}),
        "lookup-miss": client.get("/verify", query_string={"q": "tidak-ada"}),
        "page-miss": client.get("/verify/ZZZZ2222ZZZZ"),
        "json-miss": client.get("/verify/ZZZZ2222ZZZZ.json"),
    }
    assert [r.status_code for r in responses.values()] == [200, 200, 200, 302, 404, 404, 404]
    for name, response in responses.items():
        _assert_security_headers(response, name)


@pytest.mark.parametrize("revoked_too", [False, True])
def test_full_nip_never_leaves_the_server(client, certificate, revoked_too):
    if revoked_too:
        revoke(certificate)
    code = certificate.verification_code
    for path in (f"/verify/{code}", f"/verify/{code}.json", f"/verify/{code.lower()}.json"):
        body = client.get(path).get_data(as_text=True)
        for leak in (PNS_NIP, GROUPED_NIP, HIDDEN_NIP_DIGITS, BIRTH_DATE_DIGITS):
            assert leak not in body, (path, leak)
    data = client.get(f"/verify/{code}.json").get_json()
    assert data["holder"]["nip"] == MASKED_NIP


def test_pppk_nip_is_masked_the_same_way(client, create_user, courses):
    from tests.conftest import PPPK_NIP  # 20001231 202421 1 001

    holder = create_user(nip=PPPK_NIP, name="Rina Pratiwi")
    certificate = issue_for(holder, course_by_code("DUK-201"))
    code = certificate.verification_code
    markup = page_text(client.get(f"/verify/{code}"))
    data = client.get(f"/verify/{code}.json").get_json()
    assert facts(markup)["NIP"] == "******** ****** * 001" == data["holder"]["nip"]
    for body in (markup, client.get(f"/verify/{code}.json").get_data(as_text=True)):
        assert PPPK_NIP[:8] not in body  # the birth date
        assert PPPK_NIP[8:15] not in body
        assert PPPK_NIP not in body
