"""The endpoints bench/run.py measures, built from the seeder's fixtures and the logged-in
cookies; and the quiz-submit scenario, which every bench learner runs exactly once."""

import random
import urllib.parse

from client import GRADED_FLASH, USER_AGENT, burst, fetch
from load import Scenario, figures, percentile
from sqlalchemy import create_engine, text

SHUFFLE_SEED = 7  # the same request order in every run


def get(path, cookie=None):
    headers = {"User-Agent": USER_AGENT}
    if cookie:
        headers["Cookie"] = cookie
    return {"method": "GET", "path": path, "headers": headers, "body": None}


def shuffled(requests):
    random.Random(SHUFFLE_SEED).shuffle(requests)
    return requests


def baseline(connections):
    return Scenario("baseline", "Baseline /ping", [get("/ping")], connections)


def catalogue(connections):
    return Scenario("catalogue", "Catalogue / (visitor)", [get("/")], connections)


def learner_catalogue(fixtures, cookies, connections):
    """The catalogue as learners see it (their programmes above the courses): issue 19's
    target names the logged-in catalogue."""
    return Scenario("catalogue_learner", "Catalogue / (logged in)", shuffled([
        get("/", cookies[learner["nip"]]) for learner in fixtures["learners"]]), connections)


def course_page(fixtures, cookies, connections):
    return Scenario("course", "Course page (logged in)", shuffled([
        get(f"/kursus/{slug}", cookies[learner["nip"]])
        for learner in fixtures["learners"] for slug in learner["courses"]]), connections)


def module_page(fixtures, cookies, connections):
    return Scenario("module", "Module page (logged in)", shuffled([
        get(f"/kursus/{slug}/modul/{module}", cookies[learner["nip"]])
        for learner in fixtures["learners"] for slug in learner["courses"]
        for module in fixtures["courses"][slug]]), connections)


def dashboard(fixtures, cookies, connections):
    return Scenario("dashboard", "Dashboard /beranda", shuffled([
        get("/beranda", cookies[learner["nip"]]) for learner in fixtures["learners"]]),
        connections)


def answers_form(learner, token, action=None):
    """The attempt form as the browser sends it: every answer, the CSRF token, the button."""
    form = [(name, value) for name, value in learner["fields"]] + [("csrf_token", token)]
    if action:
        form.append(("aksi", action))
    return form


def autosave(fixtures, cookies, tokens, connections):
    """What quiz.js posts: the whole form, with the token also in X-CSRFToken."""
    requests = []
    for learner in fixtures["learners"]:
        token = tokens[learner["nip"]]
        requests.append({
            "method": "POST", "path": f"/percobaan/{learner['attempt_id']}/autosimpan",
            "headers": {"User-Agent": USER_AGENT, "Cookie": cookies[learner["nip"]],
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Accept": "application/json", "X-CSRFToken": token},
            "body": urllib.parse.urlencode(answers_form(learner, token))})
    return Scenario("autosave", "Quiz autosave (POST)", shuffled(requests), connections)


def verification(fixtures, connections):
    return Scenario("verify", "Public verification /verify/<code>", [
        get(f"/verify/{code}") for code in fixtures["verification_codes"]], connections)


def admin_report(fixtures, cookies, connections):
    return Scenario("admin_opd", "Admin OPD report /admin/laporan/opd",
                    [get("/admin/laporan/opd", cookies[fixtures["admin_nip"]])], connections)


def admin_ledger(fixtures, cookies, connections):
    """The JP ledger's first page and a page deep in the "below target" list."""
    cookie = cookies[fixtures["admin_nip"]]
    return Scenario("admin_ledger", "Admin JP ledger /admin/laporan/jp",
                    [get("/admin/laporan/jp", cookie),
                     get("/admin/laporan/jp?below=y&page=30", cookie)], connections)


def endpoint_scenarios(fixtures, cookies, tokens, connections, admin_connections):
    return [catalogue(connections), learner_catalogue(fixtures, cookies, connections),
            course_page(fixtures, cookies, connections),
            module_page(fixtures, cookies, connections), dashboard(fixtures, cookies, connections),
            autosave(fixtures, cookies, tokens, connections),
            verification(fixtures, connections),
            admin_report(fixtures, cookies, admin_connections),
            admin_ledger(fixtures, cookies, admin_connections)]


def sanity_check(port, scenario, samples=3):
    """A few requests by hand before wrk: wrong answers (a redirect to the login page, a
    400) would otherwise be counted as fast successes. Returns notes for the report."""
    notes = []
    for request in scenario.requests[:samples]:
        body = request["body"]
        reply = fetch(port, request["method"], request["path"],
                      headers={k: v for k, v in request["headers"].items() if k != "User-Agent"},
                      form=urllib.parse.parse_qsl(body) if body else None)
        if reply.status != scenario.expected_status:
            raise RuntimeError(f"{scenario.label}: {request['method']} {request['path']} gave "
                               f"HTTP {reply.status} (expected {scenario.expected_status})")
        if scenario.key == "autosave" and '"ok":true' not in reply.body.replace(" ", ""):
            raise RuntimeError(f"autosave refused: {reply.body[:200]}")
        if reply.cookie and "Cookie" in request["headers"]:
            notes.append("responses set a new session cookie")
    return sorted(set(notes))


# --- quiz submit: every bench learner exactly once -------------------------------------------

def _burst_figures(result, expected, cpu_used):
    replies = result.replies
    statuses = {}
    for reply in replies:
        statuses[str(reply.status)] = statuses.get(str(reply.status), 0) + 1
    failed = sum(1 for r in replies if r.status == 0 or r.status >= 400)
    unexpected = sum(1 for r in replies if not expected(r))
    latencies = [r.seconds * 1000 for r in replies]
    latency_ms = {name: round(percentile(latencies, share), 2) for name, share in (
        ("p50", 50), ("p90", 90), ("p95", 95), ("p99", 99), ("max", 100))}
    latency_ms["mean"] = round(sum(latencies) / len(latencies), 2)
    return figures(len(replies), result.wall_seconds, latency_ms, {"failed": failed},
                   unexpected, statuses, result.client_cpu_seconds, cpu_used)


def measured_burst(jobs, expected, meters):
    before = meters.read()
    result = burst(jobs)
    return result, _burst_figures(result, expected, meters.used(before, meters.read()))


def _submit_job(port, learner, cookie, token):
    path = f"/percobaan/{learner['attempt_id']}"
    form = answers_form(learner, token, action="kirim")
    return lambda: fetch(port, "POST", path, cookie=cookie, form=form)


def _lands_on_result(learner):
    return lambda reply: (reply.status == 302 and reply.location.endswith(
        f"/percobaan/{learner['attempt_id']}/hasil"))


def _graded_now(port, learner, reply):
    """Did this submit grade the attempt? Its redirect carries the "graded" flash."""
    if reply.status != 302 or not reply.cookie:
        return False
    page = fetch(port, "GET", f"/percobaan/{learner['attempt_id']}/hasil", cookie=reply.cookie)
    return GRADED_FLASH in page.body


def submit_round(port, learners, cookies, tokens, meters):
    jobs = [_submit_job(port, learner, cookies[learner["nip"]], tokens[learner["nip"]])
            for learner in learners]
    checks = {learner["attempt_id"]: _lands_on_result(learner) for learner in learners}
    ids = [learner["attempt_id"] for learner in learners]
    result, numbers = measured_burst(
        jobs, lambda reply: any(check(reply) for check in checks.values()), meters)
    graded = [_graded_now(port, learner, reply)
              for learner, reply in zip(learners, result.replies, strict=True)]
    return numbers, dict(zip(ids, graded, strict=True))


def ping_burst(port, count, meters):
    jobs = [lambda: fetch(port, "GET", "/ping") for _ in range(count)]
    _result, numbers = measured_burst(jobs, lambda reply: reply.status == 200, meters)
    return numbers


def check_attempts_in_database(url, learners, graded_first, graded_again):
    """Every bench attempt submitted exactly once, graded, with the score its answers earn."""
    engine = create_engine(url)
    ids = [learner["attempt_id"] for learner in learners]
    with engine.connect() as connection:
        rows = {row.id: row for row in connection.execute(text(
            "SELECT a.id, a.state, a.score, a.passed, a.submitted_at, "
            "(SELECT count(*) FROM attempt b WHERE b.user_id = a.user_id "
            " AND b.quiz_id = a.quiz_id) AS attempts, "
            "(SELECT count(*) FROM attempt_question s WHERE s.attempt_id = a.id "
            " AND s.score IS NULL) AS ungraded_slots "
            "FROM attempt a WHERE a.id IN (" + ", ".join(str(i) for i in ids) + ")"))}
    engine.dispose()
    problems = {"missing": [], "not_submitted": [], "ungraded": [], "wrong_score": [],
                "extra_attempts": [], "graded_twice": [], "never_graded_by_a_request": []}
    for learner in learners:
        attempt_id = learner["attempt_id"]
        row = rows.get(attempt_id)
        if row is None:
            problems["missing"].append(attempt_id)
            continue
        if row.state != "submitted" or row.submitted_at is None:
            problems["not_submitted"].append(attempt_id)
        if row.score is None or row.passed is None or row.ungraded_slots:
            problems["ungraded"].append(attempt_id)
        elif abs(row.score - learner["expected_score"]) > 0.01:
            problems["wrong_score"].append(attempt_id)
        if row.attempts != 1:
            problems["extra_attempts"].append(attempt_id)
        if graded_first[attempt_id] and graded_again[attempt_id]:
            problems["graded_twice"].append(attempt_id)
        if not graded_first[attempt_id] and not graded_again[attempt_id]:
            problems["never_graded_by_a_request"].append(attempt_id)
    return {"attempts": len(ids), **{name: len(found) for name, found in problems.items()},
            "examples": {name: found[:5] for name, found in problems.items() if found}}
