"""Rate limiting of public verification: one budget per IP across the lookup forms (code, and
number + NIP), the page and the JSON, so codes and NIPs cannot be guessed in bulk; other visitors
are not affected."""

import pytest

from tests.certificates.test_verify import (
    COURSE_CODE,
    NUMBER,
    course_by_code,
    issue_for,
    make_holder,
    page_text,
)
from tests.conftest import PNS_NIP, configured_app, csrf_token

LIMIT = 5
FIRST_IP = "203.0.113.7"
SECOND_IP = "198.51.100.23"


@pytest.fixture
def app(database_url, tmp_path):
    """conftest's `app`, with VERIFY_RATE_LIMIT lowered (every fixture here builds on it)."""
    with configured_app(database_url, tmp_path, VERIFY_RATE_LIMIT=f"{LIMIT} per minute") as app:
        yield app


@pytest.fixture
def certificate(app, courses, create_user):
    return issue_for(make_holder(create_user), course_by_code(COURSE_CODE))


def from_ip(client, ip):
    def get(path, **kwargs):
        return client.get(path, environ_base={"REMOTE_ADDR": ip}, **kwargs)
    return get


def assert_too_many(response):
    assert response.status_code == 429
    if response.request.path.endswith(".json"):  # a script asked: the same words, as JSON
        assert response.mimetype == "application/json"
        markup = response.get_json()["message"]
    else:
        assert response.mimetype == "text/html"
        markup = page_text(response)
        assert "Terlalu banyak permintaan" in markup
    assert "Tunggu sebentar, lalu coba lagi." in markup
    # The limit is named, in Indonesian, so people know how long to wait.
    assert "(batas: 5 permintaan per menit)" in markup
    assert "minute" not in markup
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_app_uses_the_override(app):
    assert app.config["VERIFY_RATE_LIMIT"] == "5 per minute"


def test_sixth_lookup_across_all_routes_is_refused(app, client, certificate):
    code = certificate.verification_code
    get = from_ip(client, FIRST_IP)
    served = [
        get(f"/verify/{code}"),
        get(f"/verify/{code}.json"),
        get("/verify", query_string={"q": code}),
        get("/verify"),
        get(f"/verify/{code.lower()}"),
    ]
    assert [r.status_code for r in served] == [200, 200, 302, 200, 200]
    for sixth in (f"/verify/{code}", f"/verify/{code}.json", f"/verify?q={code}", "/verify"):
        assert_too_many(get(sixth))

    # Another visitor has a budget of their own.
    other = from_ip(app.test_client(), SECOND_IP)
    response = other(f"/verify/{code}")
    assert response.status_code == 200
    assert "SAH" in page_text(response)
    assert other(f"/verify/{code}.json").get_json()["status"] == "valid"


@pytest.mark.parametrize("route", ["page", "json", "lookup"])
def test_budget_is_shared_whichever_route_spends_it(client, certificate, route):
    code = certificate.verification_code
    get = from_ip(client, FIRST_IP)
    spend = {"page": f"/verify/{code}", "json": f"/verify/{code}.json",
             "lookup": f"/verify?q={code}"}[route]
    for _ in range(LIMIT):
        assert get(spend).status_code in (200, 302)
    assert_too_many(get(f"/verify/{code}"))
    json_refused = get(f"/verify/{code}.json")
    assert json_refused.status_code == 429
    assert_too_many(get("/verify", query_string={"q": code}))


def test_guessing_unknown_codes_spends_the_budget(client, certificate):
    get = from_ip(client, FIRST_IP)
    guesses = [get(f"/verify/GUESS{n}2345678") for n in range(3)]
    guesses.append(get("/verify/GUESS92345678.json"))
    guesses.append(get("/verify", query_string={"q": "800/9999/BKPSDM/XI/2026"}))
    assert [r.status_code for r in guesses] == [404] * 5
    # The sixth try is refused even when it is the right code.
    refused = get(f"/verify/{certificate.verification_code}")
    assert_too_many(refused)
    assert certificate.holder_name not in page_text(refused)


def test_guessing_nips_for_a_number_spends_the_budget(client, certificate):
    """Number + NIP guesses are posted: they count like every other lookup, and once over, the
    right NIP is refused too, without a word about the certificate."""
    environ = {"REMOTE_ADDR": FIRST_IP}
    token = csrf_token(page_text(client.get("/verify", environ_base=environ)))  # 1 of 5
    guesses = [client.post("/verify", environ_base=environ, data={
        "number": NUMBER, "nip": f"19860926201505100{n}", "csrf_token": token})
        for n in range(2, 6)]
    assert [r.status_code for r in guesses] == [404] * 4
    right = client.post("/verify", environ_base=environ,
                        data={"number": NUMBER, "nip": PNS_NIP, "csrf_token": token})
    assert_too_many(right)
    assert certificate.holder_name not in page_text(right)
    # Another address still gets in with the right pair.
    other = client.post("/verify", environ_base={"REMOTE_ADDR": SECOND_IP},
                        data={"number": NUMBER, "nip": PNS_NIP, "csrf_token": token})
    assert other.status_code == 302


def test_rate_limit_headers_count_down(client, certificate):
    get = from_ip(client, FIRST_IP)
    remaining = [int(get(f"/verify/{certificate.verification_code}.json")
                     .headers["X-RateLimit-Remaining"]) for _ in range(LIMIT)]
    assert remaining == [4, 3, 2, 1, 0]
    refused = get(f"/verify/{certificate.verification_code}.json")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0


@pytest.mark.parametrize(("configured", "words"), [
    ("5 per minute", "5 permintaan per menit"),
    ("30/minute;200 per 2 hours", "30 permintaan per menit, 200 permintaan per 2 jam"),
    ("1000 per day", "1000 permintaan per hari"),
])
def test_limit_is_named_in_indonesian(app, configured, words):
    from app.web import limit_text

    with app.test_request_context("/"):
        assert limit_text(configured) == words


def test_limited_visitor_can_still_use_the_rest_of_the_site(client, certificate):
    get = from_ip(client, FIRST_IP)
    for _ in range(LIMIT):
        get("/verify/ZZZZ2222ZZZZ")
    assert get("/verify/ZZZZ2222ZZZZ").status_code == 429
    assert get("/").status_code == 200
    assert get("/masuk").status_code == 200


def test_each_ip_has_its_own_budget(app, certificate):
    code = certificate.verification_code
    for ip in (FIRST_IP, SECOND_IP, "192.0.2.1"):
        get = from_ip(app.test_client(), ip)
        assert [get(f"/verify/{code}.json").status_code for _ in range(LIMIT + 1)] == (
            [200] * LIMIT + [429]), ip
