"""Real HTTP requests with the standard library (bench/run.py): log in like a browser, read CSRF
tokens, and fire bursts of concurrent requests from threads (the quiz-submit scenario, which
must send each learner's submit exactly once, something wrk cannot promise)."""

import http.client
import re
import resource
import threading
import time
import urllib.parse
from dataclasses import dataclass

# Flask-Login's session protection hashes the client address and User-Agent into the session;
# sending the same agent from every client (wrk too) keeps logged-in cookies unchanged.
USER_AGENT = "kompeten-bench/1"
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
GRADED_FLASH = "Jawaban Anda sudah dikirim dan dinilai."


@dataclass
class Reply:
    status: int
    location: str
    cookie: str | None  # the session cookie the response sets, if it sets one
    body: str
    seconds: float


def session_cookie(response):
    for header in response.headers.get_all("Set-Cookie") or []:
        pair = header.split(";", 1)[0]
        if pair.startswith("session="):
            return pair
    return None


def fetch(port, method, path, cookie=None, form=None, headers=None):
    """One request on a fresh connection (gunicorn's sync workers close it after each)."""
    sent = {"User-Agent": USER_AGENT, **(headers or {})}
    body = None
    if cookie:
        sent["Cookie"] = cookie
    if form is not None:
        body = urllib.parse.urlencode(form)
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    try:
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
        return Reply(response.status, response.getheader("Location") or "",
                     session_cookie(response), data.decode("utf-8", "replace"), elapsed)
    finally:
        connection.close()


def csrf_token(html):
    match = CSRF_FIELD.search(html)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


def log_in(port, nip, password):
    """The session cookie of a logged-in user, after the welcome flash has been shown (so the
    cookie no longer changes from one page to the next)."""
    page = fetch(port, "GET", "/masuk")
    form = {"identifier": nip, "password": password, "next": "",
            "csrf_token": csrf_token(page.body)}
    reply = fetch(port, "POST", "/masuk", cookie=page.cookie, form=form)
    if reply.status != 302 or not reply.cookie:
        raise RuntimeError(f"login of {nip} failed: HTTP {reply.status}")
    dashboard = fetch(port, "GET", "/beranda", cookie=reply.cookie)
    if dashboard.status != 200:
        raise RuntimeError(f"dashboard after login of {nip}: HTTP {dashboard.status}")
    return dashboard.cookie or reply.cookie


def log_in_all(port, nips, password, threads=2):
    """{nip: cookie}; two at a time (each login is an argon2 verify on the server)."""
    cookies, errors, queue = {}, [], list(nips)
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                nip = queue.pop()
            try:
                cookie = log_in(port, nip, password)
                with lock:
                    cookies[nip] = cookie
            except Exception as error:  # reported after all threads finish
                errors.append(error)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if errors:
        raise errors[0]
    return cookies


@dataclass
class Burst:
    replies: list
    wall_seconds: float
    client_cpu_seconds: float


def burst(jobs):
    """Run every job (a function returning a Reply) in its own thread, all released at once
    by a barrier; the wall time runs from the release to the last reply."""
    barrier = threading.Barrier(len(jobs) + 1)
    replies = [None] * len(jobs)

    def run(index, job):
        barrier.wait()
        try:
            replies[index] = job()
        except Exception as error:  # a failed request is a result, not a crash
            replies[index] = Reply(0, "", None, repr(error), 0.0)

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return Burst(replies, wall, cpu)
