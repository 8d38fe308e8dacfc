"""Programme certificates: when every step of a programme is done, its person gets a
certificate through the same machinery as a course's (number, snapshot, PDF, QR, /verify,
Open Badge, revocation).

Its JP are the sum of the steps' JP, printed with each step on the certificate's second page.
They are not counted again: the JP ledger keeps counting the courses and sessions themselves
(app/reports/queries.py reads enrolments, attendance and credits, never certificates).

Issuing happens in a background job, never in a request: when a course completes or an
attendance is recorded for a step of a published programme (listeners below), and when an
admin issues to everyone waiting from the programme's report.
"""

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select

from app.auth.models import User
from app.certificates import jobs as certificate_jobs
from app.certificates import services as certificates
from app.certificates.badges import AchievementKind, register_achievement_kind
from app.certificates.document import PROGRAMME_KIND
from app.certificates.models import Certificate
from app.courses.models import Enrollment
from app.extensions import db
from app.jobs.runner import register_job_kind
from app.jobs.services import start_job
from app.programmes.models import Programme, ProgrammeStep
from app.programmes.reminders import in_audience, step_missing
from app.programmes.services import PROGRAMME_OPTIONS, is_for
from app.templating import number
from app.timeutil import palu_date
from app.web import external_url
from app.workshops.models import SessionRegistration, WorkshopSession

JOB_KIND = "programmes.certificates"


def _attended_sessions(user):
    return db.session.scalars(
        select(WorkshopSession).join(SessionRegistration,
                                     SessionRegistration.session_id == WorkshopSession.id)
        .where(SessionRegistration.user_id == user.id,
               SessionRegistration.attended_at.is_not(None))
        .order_by(WorkshopSession.starts_at)).all()


def _session_for(step, attended, used):
    """The attended session that fulfils a session step: that session, or the first of its
    kind not already listed for another step (one webinar may serve two steps)."""
    matching = [session for session in attended
                if (session.id == step.session_id if step.session_id
                    else session.kind == step.session_kind)]
    return next((s for s in matching if s.id not in used), matching[0] if matching else None)


def components_of(user, programme):
    """The steps as done, [(code, title, jp, done_at)] in order, or None while one is still to
    do. Two queries."""
    course_ids = [step.course_id for step in programme.steps if step.course_id]
    completed = dict(db.session.execute(select(Enrollment.course_id, Enrollment.completed_at)
                                        .where(Enrollment.user_id == user.id,
                                               Enrollment.course_id.in_(course_ids),
                                               Enrollment.completed_at.is_not(None))).all())
    attended = _attended_sessions(user) if len(course_ids) < len(programme.steps) else []
    components, used = [], set()
    for step in programme.steps:
        if step.course_id:
            if step.course_id not in completed:
                return None
            course = step.course
            components.append((course.code, course.title, course.jp, completed[step.course_id]))
            continue
        session = _session_for(step, attended, used)
        if session is None:
            return None
        used.add(session.id)
        components.append(("", session.title, session.jp, session.ends_at))
    return components


def programme_subject(user, programme, components):
    return certificates.Subject(
        user=user, links={"programme_id": programme.id}, title=programme.title, code="",
        jp=sum(jp for _code, _title, jp, _at in components), competency="", mode_label="",
        completed_at=max(at for *_rest, at in components),
        duplicate_message=_("%(name)s sudah memiliki sertifikat yang berlaku untuk program "
                            "ini.", name=user.name),
        components=tuple((code, title, jp, palu_date(at))
                         for code, title, jp, at in components),
        institution=programme.institution)


def issue_programme_certificate(user, programme, issuer, now=None, short_transactions=False):
    """Issue the certificate of a programme whose every step this person has done."""
    if programme.status == "draft":
        raise certificates.CertificateError(_("Program %(title)s masih draf.",
                                              title=programme.title))
    if not is_for(user, programme):
        raise certificates.CertificateError(_("Program %(title)s bukan untuk %(name)s.",
                                              title=programme.title, name=user.name))
    components = components_of(user, programme)
    if components is None:
        raise certificates.CertificateError(_("%(name)s belum menyelesaikan semua langkah "
                                              "program ini.", name=user.name))
    return certificates.issue_for_subject(
        programme_subject(user, programme, components), issuer, now, short_transactions,
        programme=programme.slug)


def reissue_programme_certificate(old, issuer, now=None, short_transactions=False):
    return issue_programme_certificate(old.holder, old.programme, issuer, now,
                                       short_transactions)


def valid_programme_certificate(user, programme):
    return db.session.scalar(select(Certificate).where(
        Certificate.user_id == user.id, Certificate.programme_id == programme.id,
        Certificate.revoked_at.is_(None)))


def _without_valid_certificate(programme):
    return ~exists().where(Certificate.user_id == User.id,
                           Certificate.programme_id == programme.id,
                           Certificate.revoked_at.is_(None))


def _waiting(programme):
    """SQL on User: in the audience, every step done, no valid certificate of the programme."""
    return (in_audience(programme), _without_valid_certificate(programme),
            *[~step_missing(step) for step in programme.steps])


def waiting_ids(programme):
    """Ids of the people waiting for the programme's certificate: one query."""
    if not programme.steps:
        return []
    return db.session.scalars(select(User.id).where(*_waiting(programme))
                              .order_by(User.id)).all()


def waiting_count(programme):
    """How many wait (the admin's page and the job's total): one counting query, so a city's
    audience is never loaded to be counted."""
    if not programme.steps:
        return 0
    return db.session.scalar(select(func.count()).select_from(User).where(
        *_waiting(programme)))


# --- the job ----------------------------------------------------------------------------------

def issuing_key(programme):
    return f"programmes:certificates:{programme.id}"


def start_issuing(programme, issuer):
    """The admin's button: issue to everyone waiting (a job; flushes, starts at commit)."""
    problem = certificates.signer_problem()
    if problem:
        raise certificates.CertificateError(problem)
    count = waiting_count(programme)
    if count == 0:
        raise certificates.CertificateError(_("Tidak ada peserta yang menunggu sertifikat."))
    return start_job(JOB_KIND, {"programme_id": programme.id, "label": programme.title,
                                "slug": programme.slug}, issuer,
                     subject_key=issuing_key(programme), total=count)


def start_checking(user_ids):
    """After a course completes or attendance is recorded: see, in a job, whether these
    people have now finished a programme. Flushes; the job starts at commit."""
    return start_job(JOB_KIND, {"user_ids": sorted(user_ids)}, None, total=len(user_ids))


def run_issuing(context):
    params = context.params
    issuer = certificate_jobs.job_issuer(context)
    if params.get("programme_id"):
        programme = db.session.get(Programme, params["programme_id"])
        if programme is None:
            return
        certificate_jobs.each_in_turn(
            context, User, waiting_ids(programme),
            lambda user, summary: _issue_one(user, programme, issuer, summary))
        return
    certificate_jobs.each_in_turn(context, User, params.get("user_ids", []),
                                  lambda user, summary: _check_one(user, issuer, summary))


def _issue_one(user, programme, issuer, summary):
    if user is None:
        return
    if not user.is_verified:
        summary["unverified"] += 1
        return
    try:
        issue_programme_certificate(user, programme, issuer, short_transactions=True)
    except certificates.CertificateError as error:
        db.session.rollback()
        certificate_jobs.note_refusal(summary, error.message)
        return
    summary["issued"] += 1


def _check_one(user, issuer, summary):
    """Issue every published programme certificate this person has newly earned."""
    if user is None or not user.is_verified or not user.is_learner:
        return
    earned = db.session.scalars(
        select(Programme).options(*PROGRAMME_OPTIONS)
        .where(Programme.status == "published",
               ~exists().where(Certificate.user_id == user.id,
                               Certificate.programme_id == Programme.id,
                               Certificate.revoked_at.is_(None)))).unique().all()
    for programme in earned:
        if programme.steps and components_of(user, programme) is not None \
                and is_for(user, programme):
            _issue_one(user, programme, issuer, summary)


def job_label(params):
    if params.get("programme_id"):
        return _("Terbitkan sertifikat program %(title)s", title=params.get("label", ""))
    return _("Periksa sertifikat program untuk %(n)s orang",
             n=number(len(params.get("user_ids", []))))


def job_back_link(params):
    if not params.get("slug"):
        return None
    return (url_for("programme_reports.report", slug=params["slug"]),
            _("Kembali ke laporan program %(title)s", title=params.get("label", "")))


# --- when a step is done ----------------------------------------------------------------------

def _programmes_with(condition):
    return db.session.scalar(select(ProgrammeStep.id).join(Programme).where(
        Programme.status == "published", condition).limit(1)) is not None


def on_course_completed(enrollment):
    """Completion listener: a course that is a step of a published programme may finish it."""
    if enrollment.user.is_verified and _programmes_with(
            ProgrammeStep.course_id == enrollment.course_id):
        start_checking([enrollment.user_id])


def on_attendance(session, user_ids):
    """Attendance listener: the same for an attended session."""
    if user_ids and _programmes_with(or_(ProgrammeStep.session_id == session.id,
                                         ProgrammeStep.session_kind == session.kind)):
        start_checking(user_ids)


def register_programme_certificates():
    from app.courses.services import register_completion_listener
    from app.workshops.attendance import register_attendance_listener

    register_completion_listener(on_course_completed)
    register_attendance_listener(on_attendance)
    certificates.REISSUERS[PROGRAMME_KIND] = reissue_programme_certificate
    register_job_kind(JOB_KIND, run_issuing, job_label,
                      progress_text=certificate_jobs.issuing_progress,
                      summary_lines=certificate_jobs.issuing_summary, back_link=job_back_link)


register_achievement_kind(PROGRAMME_KIND, AchievementKind(
    achievement_type="LearningProgram",
    page=lambda c: external_url("programmes.show", slug=c.programme.slug),
    description=lambda c: (
        f"Program {c.course_title} di Kompeten, LMS {c.institution_name}: "
        + "; ".join(f"{item['code'] or item['title']} ({item['jp']} JP)"
                    for item in c.components)
        + f". Jumlah {c.jp} JP (jam pelajaran)."),
    criteria=lambda c: ("Menyelesaikan setiap langkah program (kursus selesai, sesi dihadiri) "
                        "di Kompeten; sertifikat diterbitkan "
                        f"{c.issuer_unit or c.institution_name}."),
))
