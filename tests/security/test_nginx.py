"""Kompeten behind a real nginx, configured exactly as docs/operations.md prints it: each
client is itself. Clients connect from different loopback addresses (127.0.0.2, 127.0.0.3);
nginx terminates HTTPS and forwards to a real WSGI server running the app with
LMS_PROXY_COUNT=1.

Skipped, saying why, where nginx or openssl is missing: `make test` installs Debian's nginx
package (LMS_NGINX names another binary)."""

import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import flask
import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from app import create_app
from app.audit import AuditEvent
from app.auth import services
from app.extensions import db
from app.operations.security_check import check_proxy
from tests.conftest import BUNDLED_COURSES, PASSWORD, PNS_NIP, PPPK_NIP, ROOT, csrf_token

NGINX = os.environ.get("LMS_NGINX", shutil.which("nginx") or "/usr/sbin/nginx")
HOST = "kompeten.palukota.go.id"
ANI, BAYU = "127.0.0.2", "127.0.0.3"
WRONG = "salah-sekali-99"


def documented_nginx_config():
    """The ```nginx block of docs/operations.md: the configuration under test."""
    text = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```nginx\n(.*?)```", text, re.S)
    assert len(blocks) == 1, "docs/operations.md must print one nginx configuration"
    return blocks[0]


def local_config(documented, *, http_port, https_port, app_port, cert, key):
    """The documented server blocks with this machine's ports and certificate; nothing else
    changes (every proxy_set_header line is the documented one)."""
    replacements = [
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"),
        (r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};"),
        (r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};"),
        (r"proxy_pass http://127\.0\.0\.1:8000;", f"proxy_pass http://127.0.0.1:{app_port};"),
    ]
    for pattern, replacement in replacements:
        documented, count = re.subn(pattern, replacement, documented)
        assert count == 1, f"docs/operations.md nginx block: no {pattern!r}"
    return documented


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def needs(tool_path, what):
    if not (tool_path and os.access(tool_path, os.X_OK)):
        pytest.skip(f"{what} not found: `make test` installs Debian's {what} package "
                    f"(apt-get install {what}); LMS_NGINX may name the nginx binary.")


def self_signed_certificate(folder):
    openssl = shutil.which("openssl")
    needs(openssl, "openssl")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", f"/CN={HOST}", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def wait_for_port(port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port}")


@pytest.fixture
def proxied_app(app, database_url, tmp_path):
    """The app as `make serve` would run it behind nginx (the test `app` made the tables)."""
    services.seed_agencies()
    for nip, name in ((PNS_NIP, "Siti Rahmawati"), (PPPK_NIP, "Budi Santoso")):
        services.create_user(nip=nip, name=name, password=PASSWORD, roles=("learner",))
    db.session.commit()
    served = create_app("config.TestConfig", {
        "SQLALCHEMY_DATABASE_URI": database_url, "INSTANCE_PATH": str(tmp_path / "served"),
        "SECRET_KEY": "test-secret-key", "COURSES_DIR": str(BUNDLED_COURSES),
        "PROXY_COUNT": 1, "LOGIN_FAILURES_PER_IP": 3, "HTTPS": True,
        "SESSION_COOKIE_SECURE": True, "REMEMBER_COOKIE_SECURE": True,
    })
    yield served
    with served.app_context():
        db.engine.dispose()


@pytest.fixture
def site(proxied_app, tmp_path):
    """nginx on a random HTTPS port in front of a threaded WSGI server on another."""
    needs(NGINX, "nginx")
    cert, key = self_signed_certificate(tmp_path)
    server = make_server("127.0.0.1", 0, proxied_app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    https_port = free_port()
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    servers = local_config(documented_nginx_config(), http_port=free_port(),
                           https_port=https_port, app_port=server.server_port, cert=cert, key=key)
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read this temp folder
    (prefix / "nginx.conf").write_text(
        f"{user}daemon off;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log;\n"
        "events {}\nhttp {\n"
        f"  access_log {prefix}/access.log;\n"
        f"  client_body_temp_path {prefix}/body;\n  proxy_temp_path {prefix}/proxy;\n"
        f"  fastcgi_temp_path {prefix}/fastcgi;\n  uwsgi_temp_path {prefix}/uwsgi;\n"
        f"  scgi_temp_path {prefix}/scgi;\n{servers}\n}}\n")
    nginx = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                             stderr=subprocess.DEVNULL)
    try:
        wait_for_port(https_port)
        yield https_port
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        server.shutdown()
        server.server_close()


class Browser:
    """A minimal HTTPS client bound to one source address, keeping its cookies."""

    def __init__(self, port, source):
        self.port, self.source, self.cookies = port, source, SimpleCookie()

    def request(self, method, path, form=None, headers=None):
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=context,
                                                 source_address=(self.source, 0), timeout=10)
        sent = {"Host": HOST, "User-Agent": "Mozilla/5.0 (test)",
                "Referer": f"https://{HOST}/masuk", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        connection.close()
        return response.status, text

    def log_in(self, nip, password, headers=None):
        status, page = self.request("GET", "/masuk", headers=headers)
        assert status == 200, status
        form = {"identifier": nip, "password": password, "csrf_token": csrf_token(page)}
        return self.request("POST", "/masuk", form=form, headers=headers)


def audited(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


def test_behind_nginx_each_client_is_itself(app, proxied_app, site):
    ani, bayu = Browser(site, ANI), Browser(site, BAYU)
    # Ani fails three times over three accounts: her address is refused, Bayu's is not.
    for nip in (PNS_NIP, PPPK_NIP, "199001012015011999"):
        assert ani.log_in(nip, WRONG)[0] == 200
    status, page = ani.log_in(PPPK_NIP, PASSWORD)
    assert status == 429 and "dari jaringan ini" in page
    assert bayu.log_in(PPPK_NIP, PASSWORD)[0] == 302
    assert bayu.request("GET", "/beranda")[0] == 200
    # The audit log shows each client's own address, not nginx's 127.0.0.1.
    db.session.expire_all()
    assert {event.address for event in audited("auth.login_failed")} == {ANI}
    assert [event.address for event in audited("auth.login")] == [BAYU]


def test_behind_nginx_a_client_cannot_choose_its_address(app, proxied_app, site):
    """nginx appends the real address to whatever X-Forwarded-For the client sent; only that
    last entry is trusted."""
    Browser(site, ANI).log_in(PNS_NIP, WRONG, headers={"X-Forwarded-For": "10.1.2.3"})
    db.session.expire_all()
    assert [event.address for event in audited("auth.login_failed")] == [ANI]


def test_behind_nginx_https_and_the_host_reach_generated_links(app, proxied_app, site):
    seen = []

    def look(sender, **extra):
        seen.append((flask.request.remote_addr, flask.request.scheme, flask.request.host,
                     flask.url_for("courses.catalogue", _external=True)))

    with flask.request_started.connected_to(look, proxied_app):
        status, _page = Browser(site, BAYU).request("GET", "/")
    assert status == 200
    assert seen == [(BAYU, "https", HOST, f"https://{HOST}/")]
    # The app knows it is served over HTTPS to this host: Flask-WTF's strict Referer check
    # (HTTPS only) refuses a login form posted from another site.
    browser = Browser(site, BAYU)
    status, page = browser.request("GET", "/masuk")
    status, _page = browser.request("POST", "/masuk", headers={"Referer": "https://evil.example/"},
                                    form={"identifier": PNS_NIP, "password": PASSWORD,
                                          "csrf_token": csrf_token(page)})
    assert status == 400
    with proxied_app.app_context():
        assert check_proxy(proxied_app.config).level == "OK"
