"""Who may open what: every route in app.url_map, for six kinds of user, against one table.

A small world (a published course with an enrolled learner, that learner's quiz attempt,
certificate and JP credit evidence, a course file, a draft course) gives every URL real ids.
Each endpoint is declared with a rule ("public", "login", "owner", "admin", "own", ...) and the
status each persona must get follows from it. A route missing from ROUTES fails the test: a new
route cannot ship without someone deciding who may open it.
"""

import io
import json
import re
from datetime import date, timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from app.auth.models import Agency
from app.authoring import services as authoring
from app.certificates.services import issue_certificate
from app.courses.models import CourseFile
from app.courses.services import enroll_learner
from app.database import utcnow
from app.discussion import services as discussion
from app.extensions import db
from app.jobs.models import Job
from app.notifications.announcement_services import create_announcement
from app.notifications.models import Notification
from app.programmes.models import Programme, ProgrammeStep
from app.quizzes.models import AttemptQuestion
from app.quizzes.services import start_attempt, submit_attempt
from app.reports.credit_services import add_jp_credit
from app.settings import set_setting
from app.workshops.services import register_learner
from tests.conftest import PASSWORD, csrf_token, seed_once
from tests.content.test_media import tiny_png
from tests.workshops.helpers import make_session

ADMIN, TRAINER, OTHER_TRAINER = "197503121998032004", "198609262015051001", "198001012005011010"
LEARNER, OTHER_LEARNER = "199105052019031007", "198703152010012002"
PERSONAS = {"anonymous": None, "learner": LEARNER, "other_learner": OTHER_LEARNER,
            "trainer": TRAINER, "other_trainer": OTHER_TRAINER, "admin": ADMIN}
PDF = b"%PDF-1.4\n%%EOF\n"
COURSE = {"code": "SEC-101", "title": "Keamanan", "summary": "", "description": "Isi.", "jp": 2,
          "competency": "teknis", "mode": "e-learning", "provider": "BKPSDM",
          "certificate_policy": "manual"}
QUIZ = {"title": "Kuis", "kind": "graded", "pass_mark": 70, "time_limit_minutes": 0,
        "max_attempts": 0, "grading_method": "highest", "draw_count": 0,
        "shuffle_answers": False, "review_policy": "full"}
GIFT = "::Q1::Ibu kota Sulawesi Tengah?{=Palu ~Poso}\n\n::Esai::Jelaskan SPBE.{}\n"

# Who gets in, per rule. "ok" = the page answers (200, a redirect other than to /masuk, or a 400
# for an empty form: the access check has passed); a number = exactly that status.
#   public        anyone, logged in or not
#   login         any logged-in user (anonymous users are sent to /masuk)
#   author        trainers and admins
#   grader        trainers and admins (a trainer sees only their own courses' work)
#   owner         the session's own trainer and admins; other trainers 403
#   editor        the course's own trainers and admins; other trainers 404, as for a course
#                 that does not exist (not theirs to know)
#   course-grader the course's own trainers and admins; other trainers 404 (not theirs to know)
#   programme-author  admins and the trainers an admin allowed (TRAINER, not OTHER_TRAINER)
#   admin         admins only
#   own           the learner the object belongs to; everyone else 404 (IDOR), admins too
#   own-or-admin  the learner the object belongs to and admins; everyone else 404
#   token         a secret link: a wrong token is 404 for everyone
#   participant   a course's discussion: its enrolled learners, its trainers and admins; a
#                 trainer of another course 403 (the course is public, its discussion is not)
#   moderator     a course discussion's moderation: its trainers and admins; learners 403
#   post-author   a discussion post's own author (LEARNER's question); everyone else 403
LOGIN = 302
RULES = {
    "public": dict.fromkeys(PERSONAS, "ok"),
    "login": {**dict.fromkeys(PERSONAS, "ok"), "anonymous": LOGIN},
    "author": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "trainer": "ok",
               "other_trainer": "ok", "admin": "ok"},
    "grader": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "trainer": "ok",
               "other_trainer": "ok", "admin": "ok"},
    "owner": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "trainer": "ok",
              "other_trainer": 403, "admin": "ok"},
    "editor": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "trainer": "ok",
               "other_trainer": 404, "admin": "ok"},
    "course-grader": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "trainer": "ok",
                      "other_trainer": 404, "admin": "ok"},
    "programme-author": {**dict.fromkeys(PERSONAS, 403), "anonymous": LOGIN, "trainer": "ok",
                         "admin": "ok"},
    "admin": {**dict.fromkeys(PERSONAS, 403), "anonymous": LOGIN, "admin": "ok"},
    "own": {**dict.fromkeys(PERSONAS, 404), "anonymous": LOGIN, "learner": "ok"},
    "own-or-admin": {**dict.fromkeys(PERSONAS, 404), "anonymous": LOGIN, "learner": "ok",
                     "admin": "ok"},
    "token": dict.fromkeys(PERSONAS, 404),
    "participant": {**dict.fromkeys(PERSONAS, "ok"), "anonymous": LOGIN, "other_trainer": 403},
    "moderator": {"anonymous": LOGIN, "learner": 403, "other_learner": 403, "trainer": "ok",
                  "other_trainer": 403, "admin": "ok"},
    "post-author": {**dict.fromkeys(PERSONAS, 403), "anonymous": LOGIN, "learner": "ok"},
}

# endpoint -> rule. Order matters: routes that take away what others work on come last.
ROUTES = {
    # operations
    "operations.healthz": "public",
    "operations.ping": "public",
    # auth
    "auth.login": "public",
    "auth.register": "public",
    "auth.setup_admin": "token",
    "auth.change_password": "login",
    "auth.profile": "login",
    "auth.forgot_password": "public",
    "auth.reset_password": "token",  # a signed link from a mail; a wrong one is 404
    "auth.confirm_email": "token",
    "auth.resend_confirmation": "login",
    # display preferences (language, larger text): anyone, kept on the account or a cookie
    "preferences.set_language": "public",
    "preferences.set_large_text": "public",
    # courses (learner side)
    "courses.catalogue": "public",
    "search.results": "public",
    "courses.course_detail": "public",
    "courses.course_media": "public",
    # course discussion (LEARNER asked, TRAINER answered; OTHER_TRAINER teaches elsewhere,
    # and is not enrolled until courses.enroll below enrols them)
    "discussion.index": "participant",
    "discussion.new_thread": "participant",
    "discussion.thread": "participant",
    "discussion.reply": "participant",
    "discussion.media": "participant",
    "discussion.report_post": "participant",
    "discussion.edit_post": "post-author",
    "discussion.mark_answer": "moderator",
    "discussion.pin": "moderator",
    "discussion.lock": "moderator",
    "discussion.reports": "moderator",
    "discussion.export": "moderator",
    "discussion.dismiss_reports": "moderator",
    "discussion.unhide_post": "moderator",
    "discussion.hide_post": "moderator",
    "courses.dashboard": "login",
    "courses.enroll": "login",
    "courses.resume": "login",
    "courses.module_page": "login",
    "courses.download_modules": "login",  # the module pages' rule: enrolled or an editor
    "courses.complete_module": "login",
    # quizzes
    "quizzes.overview": "public",
    "quizzes.start": "login",
    "quizzes.take": "own",
    "quizzes.autosave": "own",
    "quizzes.check_before_submit": "own",
    "quizzes.submit_saved": "own",
    "quizzes.result": "own",
    "quizzes.pending_essays": "grader",
    "quizzes.grade": "course-grader",
    # certificates
    "certificates.lookup": "public",
    "certificates.verify": "public",
    "certificates.verify_json": "public",
    "certificates.mine": "login",
    "certificates.download": "own-or-admin",
    # Open Badges: the holder's signed credential; what any verifier fetches
    "open_badges.credential_jwt": "own-or-admin",
    "open_badges.credential_json": "own-or-admin",
    "open_badges.jwks": "public",
    "open_badges.did_document": "public",
    "open_badges.status_list": "public",
    "certificates.admin_courses": "admin",
    "certificates.admin_course": "admin",
    "certificates.revoke": "admin",
    "certificates.settings": "admin",
    "certificates.reissue": "admin",
    "certificates.original_pdf": "admin",
    "certificates.reissue_all": "admin",
    "jobs.index": "admin",
    "jobs.show": "admin",
    "jobs.show_json": "admin",
    "jobs.retry": "admin",
    "jobs.download": "admin",
    # reports
    "reports.my_ledger": "login",
    "reports.credit_evidence": "own-or-admin",
    "reports.index": "admin",
    "reports.jp_ledger": "admin",
    "reports.opd_summary": "admin",
    "reports.course_funnel": "admin",
    "reports.course_funnel_by_opd": "admin",
    "reports.history": "admin",
    "reports.history_all_csv": "admin",
    "reports.credit_form": "admin",
    # admin
    "admin.index": "admin",
    "admin.people": "admin",
    "admin.new_person": "admin",
    "admin.edit_person": "admin",
    "admin.import_people": "admin",
    "admin.imported_passwords": "admin",
    "admin.people_import_template": "admin",
    "admin.confirm_people_import": "admin",
    "admin.cancel_people_import": "admin",
    "admin.reset_password": "admin",
    "admin.set_person_active": "admin",
    "admin.prerequisite_waivers": "admin",
    "admin.remove_prerequisite_waiver": "admin",
    "admin.agencies": "admin",
    "admin.new_agency": "admin",
    "admin.edit_agency": "admin",
    "admin.settings": "admin",
    "admin.audit": "admin",
    "admin.content_import": "admin",
    # notifications (LEARNER's certificate notification: nobody else may open or mark it)
    "notifications.index": "login",
    "notifications.open_notification": "own",
    "notifications.mark_read": "own",
    "notifications.mark_all_read": "login",
    "notifications.preferences": "login",
    "notifications.unsubscribe": "token",  # a signed link from a mail
    "notifications_admin.index": "admin",
    "notifications_admin.send_test": "admin",
    "notifications_admin.retry_failed": "admin",
    # programmes (the world's is for everyone)
    "programmes.index": "public",
    "programmes.show": "public",
    "programmes.follow": "login",
    "programme_reports.index": "admin",
    "programme_reports.report": "admin",
    "programme_reports.certificates": "admin",
    "programme_editor.index": "programme-author",
    "programme_editor.new": "programme-author",
    "programme_editor.edit": "programme-author",
    "programme_editor.download": "programme-author",
    # providers
    "institutions.show": "public",
    "institutions.logo": "public",
    "institution_admin.index": "admin",
    "institution_admin.new": "admin",
    "institution_admin.edit": "admin",
    "institution_admin.upload_logo": "admin",
    "institution_admin.delete_logo": "admin",
    # announcements (the world's is for everyone)
    "announcements.show": "login",
    "announcement_admin.index": "admin",
    "announcement_admin.new": "admin",
    # authoring
    "authoring.index": "author",
    "authoring.new_course": "author",
    "authoring.course": "editor",
    "authoring.edit_course": "editor",
    "authoring.course_status": "editor",
    "authoring.preview": "editor",
    "authoring.download": "editor",
    "authoring.new_module": "editor",
    "authoring.edit_module": "editor",
    "authoring.move_module": "editor",
    "authoring.restore_module": "editor",
    "authoring.upload": "editor",
    "authoring.new_quiz": "editor",
    "authoring.edit_quiz": "editor",
    "authoring.preview_quiz": "editor",
    "authoring.learners": "editor",
    "authoring.gradebook": "editor",
    "authoring.new_question": "editor",
    "authoring.edit_question": "editor",
    "authoring.item_analysis": "editor",
    "authoring.add_owner": "admin",
    # workshops and webinars (TRAINER organizes the session)
    "workshops.agenda": "public",
    "workshops.session_page": "public",
    "workshops.session_ics": "public",
    "workshops.register": "login",
    "workshops.cancel": "login",
    "workshops.check_in": "login",
    "workshops.mine": "login",
    "workshops.regenerate_feed": "login",
    "workshops.feed": "token",
    "workshop_manage.index": "author",
    "workshop_manage.new": "author",
    "workshop_manage.detail": "owner",
    "workshop_manage.edit": "owner",
    "workshop_manage.attendance": "owner",
    "workshop_manage.reveal_code": "owner",
    "certificates.admin_session": "admin",
    "admin.verify_accounts": "admin",
    # Last: these take away what the routes above work on.
    "admin.hand_over_nip": "admin",
    "reports.credit_delete": "admin",
    "admin.delete_agency": "admin",
    "authoring.remove_module": "editor",
    "authoring.delete_file": "editor",
    "authoring.remove_quiz": "editor",
    "authoring.remove_owner": "admin",
    "workshop_manage.cancel": "owner",
    "announcement_admin.withdraw": "admin",
    "auth.logout": "login",
}
# What a POST carries besides its CSRF token (harmless values: nothing is published or
# un-published, nobody is deactivated by accident).
FORM = {"status": "published", "arah": "down", "nip": OTHER_TRAINER, "source": "x"}


@pytest.fixture
def world(app, create_user):
    """The people, one published course of TRAINER with an enrolled learner who has an attempt,
    a certificate and JP evidence, and OTHER_TRAINER's own course: a kept seed
    (tests/conftest.py seed_once), the certificate's PDF rendered once per worker."""
    def seed():
        set_setting("registration", "open-with-verification")
        trainer = create_user(nip=TRAINER, roles=("trainer",))
        trainer.programme_author = True  # may write programmes; OTHER_TRAINER may not
        other_trainer = create_user(nip=OTHER_TRAINER, roles=("trainer",))
        learner = create_user(nip=LEARNER)
        other_learner = create_user(nip=OTHER_LEARNER)
        admin = create_user(nip=ADMIN, roles=("admin",))
        course = authoring.create_course(COURSE, trainer)
        module = authoring.create_module(course, {"title": "Satu", "minutes": 5, "body": "Isi."},
                                         trainer)
        quiz = authoring.save_quiz(course, None, "kuis", QUIZ, GIFT, None, trainer)
        authoring.upload_file(course, "skema.png", tiny_png(), trainer)
        authoring.set_course_status(course, "published", trainer)
        draft = authoring.create_course(dict(COURSE, code="LAIN-101"), other_trainer)
        authoring.create_module(draft, {"title": "Rahasia", "minutes": 5, "body": "x"},
                                other_trainer)
        authoring.upload_file(draft, "rahasia.png", tiny_png(), other_trainer)
        authoring.save_quiz(draft, None, "rahasia", QUIZ, GIFT, None, other_trainer)
        db.session.commit()
        enrollment = enroll_learner(learner, course)
        enroll_learner(other_learner, course)
        attempt = start_attempt(learner, quiz)
        submit_attempt(attempt)
        enrollment.completed_at = utcnow()
        certificate = issue_certificate(enrollment, None)
        agency = Agency(code="UJI-HAPUS", name="OPD tanpa pegawai")
        db.session.add(agency)
        credit = add_jp_credit(learner, earned_on=date(2026, 5, 6), jp=2, title="Seminar SPBE",
                               evidence=("bukti.pdf", PDF))
        workshop = make_session(trainer)
        register_learner(workshop, learner)
        job = Job(kind="certificates.issue", state="failed", error="Gagal.",
                  params_json=json.dumps({"target": "course", "id": course.id, "label": course.code,
                                          "slug": course.slug, "chosen": []}))
        db.session.add(job)
        db.session.add(Programme(slug="jalur-keamanan", title="Jalur Keamanan", provider="BKPSDM",
                                 steps=[ProgrammeStep(position=1, course=course)]))
        announcement, _sent = create_announcement(
            {"title": "Info", "body": "Isi.", "agencies": [],
             "ends_at": utcnow() + timedelta(days=7)}, admin)
        question = discussion.start_thread(
            course, learner, discussion.Standing(True, False), "Pertanyaan", "Isi.", module,
            discussion.check_pictures([("foto.png", tiny_png())]))
        answer = discussion.reply_to(question, course, trainer, discussion.Standing(False, True),
                                     "Jawaban.")
        db.session.commit()
        provider = course.institution  # linked from the course's provider text
        provider.logo, provider.logo_mime = tiny_png(), "image/png"
        db.session.commit()
        essay = db.session.scalar(select(AttemptQuestion.id).where(
            AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.question_type == "essay"))
        draft_module = draft.modules[0]
        return {
            "draft": {"slug": draft.slug, "module_slug": draft_module.slug,
                      "module_id": draft_module.id, "quiz_slug": "rahasia", "name": "rahasia.png",
                      "number": 1,
                      "file_id": db.session.scalar(select(CourseFile.id).where(
                          CourseFile.course_id == draft.id))},
            "slug": course.slug, "module_slug": module.slug, "module_id": module.id,
            "quiz_slug": "kuis", "number": 1, "attempt_id": attempt.id, "slot_id": essay,
            "certificate_id": certificate.id, "code": certificate.verification_code,
            "credit_id": credit.id, "file_id": db.session.scalar(select(CourseFile.id)),
            "name": "skema.png", "user_id": other_learner.id, "agency_id": agency.id,
            "course_id": course.id,
            "token": "bukan-token-yang-benar", "filename": "x", "session_id": workshop.id,
            "job_id": job.id, "announcement_id": announcement.id,
            "notification_id": db.session.scalar(select(Notification.id).where(
                Notification.user_id == learner.id).limit(1)),
            "programmes.show": {"slug": "jalur-keamanan"},
            "programmes.follow": {"slug": "jalur-keamanan"},
            "programme_reports.report": {"slug": "jalur-keamanan"},
            "programme_reports.certificates": {"slug": "jalur-keamanan"},
            "programme_editor.edit": {"slug": "jalur-keamanan"},
            "programme_editor.download": {"slug": "jalur-keamanan"},
            "institutions.show": {"slug": provider.slug},
            "institutions.logo": {"slug": provider.slug},
            "institution_id": provider.id,
            # An owner of the course, for the one route that takes away an owner.
            "authoring.remove_owner": {"user_id": trainer.id},
            "thread_id": question.id, "post_id": question.opening.id,
            "image_id": question.opening.images[0].id,
            "discussion.media": {"name": question.opening.images[0].name},
            "discussion.mark_answer": {"post_id": answer.id},
        }

    return seed_once("authorization.world", seed)


def client_for(app, persona):
    client = app.test_client()
    nip = PERSONAS[persona]
    if nip:
        token = csrf_token(client.get("/masuk").get_data(as_text=True))
        response = client.post("/masuk", data={"identifier": nip, "password": PASSWORD,
                                               "csrf_token": token})
        assert response.status_code == 302, persona
    return client


def rules_by_endpoint(app):
    return {rule.endpoint: rule for rule in app.url_map.iter_rules()
            if rule.endpoint != "static"}


def request_route(app, client, rule, ids):
    with app.test_request_context():
        ids = dict(ids, **ids.get(rule.endpoint, {}))
        url = url_for(rule.endpoint, **{name: ids[name] for name in rule.arguments})
    if "GET" in rule.methods:
        return "GET", _closed(client.get(url))
    # A valid token for this browser (the login form's, or the logout button's once logged
    # in), so it is the access check that answers, not CSRF.
    page = _closed(client.get("/masuk"))
    if page.status_code != 200:
        page = _closed(client.get("/"))
    data = dict(FORM, csrf_token=csrf_token(page.get_data(as_text=True)),
                file=(io.BytesIO(tiny_png()), "lain.png"))
    return "POST", _closed(client.post(url, data=data, content_type="multipart/form-data"))


def _closed(response):
    """The response with its file (a sent course file or evidence) closed."""
    response.close()
    return response


def verdict(expected, response):
    """None when the response is what the rule says, else what was wrong."""
    status = response.status_code
    location = response.headers.get("Location", "")
    if expected == "ok":
        refused = status in (401, 403, 404) or (status == 302 and "/masuk" in location)
        return f"refused with {status} {location}".strip() if refused else None
    if expected == LOGIN:
        return None if status == 302 and "/masuk" in location else f"{status} {location}"
    return None if status == expected else f"{status} {location}".strip()


def test_every_route_has_an_expectation(app):
    missing = [f"{endpoint} ({rule.rule})" for endpoint, rule in rules_by_endpoint(app).items()
               if endpoint not in ROUTES]
    assert not missing, ("routes with no access expectation; add each to ROUTES in "
                         f"tests/security/test_authorization_matrix.py: {missing}")
    stale = set(ROUTES) - set(rules_by_endpoint(app))
    assert not stale, f"ROUTES names endpoints that no longer exist: {stale}"
    assert set(ROUTES.values()) <= set(RULES)


def test_every_admin_address_is_for_admins_only(app):
    for endpoint, rule in rules_by_endpoint(app).items():
        if re.match(r"^/admin(/|$)", rule.rule):
            assert ROUTES.get(endpoint) == "admin", f"{rule.rule} must be admins-only"


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_route_admits_exactly_whom_its_rule_says(app, world, persona):
    rules = rules_by_endpoint(app)
    missing = set(rules) - set(ROUTES)
    assert not missing, f"add these endpoints to ROUTES: {sorted(missing)}"
    client = client_for(app, persona)
    wrong = {}
    for endpoint, rule_name in ROUTES.items():
        expected = RULES[rule_name][persona]
        method, response = request_route(app, client, rules[endpoint], world)
        problem = verdict(expected, response)
        if problem:
            wrong[f"{method} {endpoint} [{rule_name}]"] = f"expected {expected}, got {problem}"
    assert wrong == {}, f"{persona}: {wrong}"


def test_the_matrix_covers_six_personas_and_every_route(app):
    assert len(PERSONAS) == 6
    assert len(ROUTES) == len(rules_by_endpoint(app))


# A draft is seen by its own trainers and admins only; to everyone else it does not exist.
DRAFT_URLS = ("/kursus/lain-101", "/kursus/lain-101/modul/rahasia", "/media/lain-101/rahasia.png")
DRAFT_SEEN_BY = {"other_trainer", "admin"}  # OTHER_TRAINER owns the draft


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_draft_course_and_its_files_are_hidden_from_all_but_its_editors(app, world, persona):
    client = client_for(app, persona)
    statuses = {url: _closed(client.get(url)).status_code for url in DRAFT_URLS}
    if persona in DRAFT_SEEN_BY:
        assert set(statuses.values()) == {200}, statuses
    elif persona == "anonymous":
        # The module page asks to log in first; the course and its file are simply not there.
        assert statuses == {DRAFT_URLS[0]: 404, DRAFT_URLS[1]: 302, DRAFT_URLS[2]: 404}
    else:
        assert set(statuses.values()) == {404}, statuses


# Every route that takes a course slug answers a trainer asking for another trainer's draft
# exactly as for a course that does not exist: 404 (admins-only routes refuse by role first).
MISSING = {"slug": "tidak-ada", "module_slug": "tidak-ada", "quiz_slug": "tidak-ada",
           "name": "tidak-ada.png", "module_id": 999_999, "file_id": 999_999, "number": 1}


def slug_routes(app):
    """Routes whose slug is a course's (a programme's and a provider's name those)."""
    return {endpoint: rule for endpoint, rule in rules_by_endpoint(app).items()
            if "slug" in rule.arguments
            and not endpoint.startswith(("programme", "institutions."))}


def test_another_trainers_draft_is_not_found_on_every_course_route(app, world):
    client = client_for(app, "trainer")
    answers = {}
    for endpoint, rule in slug_routes(app).items():
        ids = dict(world, **world["draft"])
        draft = request_route(app, client, rule, ids)[1].status_code
        missing = request_route(app, client, rule, dict(ids, **MISSING))[1].status_code
        answers[endpoint] = (draft, missing)
    assert {endpoint: draft for endpoint, (draft, missing) in answers.items()
            if draft != missing} == {}
    # Admins-only course routes may refuse by role (403) before looking the course up.
    assert {endpoint: draft for endpoint, (draft, _missing) in answers.items()
            if draft != 404 and not (ROUTES[endpoint] == "admin" and draft == 403)} == {}
    assert len(answers) > 25  # every authoring route and the learner side's course routes
