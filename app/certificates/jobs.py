"""Certificates made by background jobs: issuing to many learners at once (a course's or a
session's), and automatic issuing when a learner completes an 'auto' course.

Each certificate is rendered outside any transaction, then numbered and committed in its own
short transaction together with the job's progress. A job run again after a crash looks up who
still has no valid certificate, so nobody gets two and nobody is skipped; numbers stay
consecutive because a number is only taken by the insert that commits it.
"""

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.certificates import services
from app.certificates.models import Certificate
from app.courses.models import Course, Enrollment
from app.extensions import db
from app.jobs.runner import JobError, register_job_kind
from app.jobs.services import start_job
from app.templating import number
from app.workshops.models import SessionRegistration, WorkshopSession

ISSUE_KIND = "certificates.issue"
AUTO_KIND = "certificates.auto"
REISSUE_KIND = "certificates.reissue"
REFUSALS_KEPT = 20  # refusal messages kept on the job (the count is always complete)

# What a bulk job issues for: a course (its completed enrolments) or a session (attendance):
# the target's model, the learner's row, and the services' names (looked up when used).
TARGETS = {
    "course": (Course, Enrollment, "eligible_enrollments", "issue_certificate"),
    "session": (WorkshopSession, SessionRegistration, "eligible_registrations",
                "issue_session_certificate"),
}


def issuing_key(target_kind, target_id):
    return f"certificates:{target_kind}:{target_id}"


def _target_label(target_kind, target):
    return target.code if target_kind == "course" else target.title


def start_issuing(target_kind, target, chosen_ids, issuer):
    """Start the job that issues to the chosen eligible learners (chosen_ids None: all of
    them), or return the job already running for this course or session. Flushes; the job
    starts when the caller commits."""
    problem = services.signer_problem()
    if problem:
        raise services.CertificateError(problem)
    count = len(_pending(target_kind, target, chosen_ids))
    if count == 0:
        raise services.CertificateError(
            _("Tidak ada peserta yang menunggu sertifikat.") if chosen_ids is None
            else _("Pilih minimal satu peserta."))
    params = {"target": target_kind, "id": target.id, "label": _target_label(target_kind, target),
              "slug": getattr(target, "slug", None),
              "chosen": sorted(chosen_ids) if chosen_ids is not None else None}
    return start_job(ISSUE_KIND, params, issuer, subject_key=issuing_key(target_kind, target.id),
                     total=count)


def _pending(target_kind, target, chosen_ids):
    """Eligible learners (no valid certificate yet) among the chosen, oldest completion first."""
    eligible = getattr(services, TARGETS[target_kind][2])(target)
    if chosen_ids is None:
        return eligible
    chosen = set(chosen_ids)
    return [item for item in eligible if item.id in chosen]


def run_issuing(context):
    """The bulk job: issue to every chosen learner still without a valid certificate."""
    params = context.params
    model, item_model, _eligible, issue_name = TARGETS[params["target"]]
    issue = getattr(services, issue_name)
    target = db.session.get(model, params["id"])
    if target is None:
        raise JobError(_("Kursus atau sesi ini sudah tidak ada."))
    issuer = job_issuer(context)
    pending_ids = [item.id for item in _pending(params["target"], target, params["chosen"])]
    each_in_turn(context, item_model, pending_ids,
                  lambda item, summary: _issue_one(item, issuer, issue, summary))


def job_issuer(context):
    """The admin who started the job (None: the schedule or the command line); refuses at
    once when no certificate can be issued at all."""
    problem = services.signer_problem()
    if problem:
        raise JobError(problem)
    job = context.job
    return db.session.get(User, job.created_by_id) if job.created_by_id else None


def each_in_turn(context, model, ids, step):
    """step(object, summary) for each id, each in its own short transaction with the job's
    progress; the ids an earlier run already finished count as done."""
    total = max(context.job.progress_total, len(ids))
    done_before = total - len(ids)
    summary = context.summary
    summary.setdefault("issued", 0)
    # Skipped and refused learners stay to do, so each run counts them afresh.
    summary.update(unverified=0, refused=0, refusals=[])
    for index, object_id in enumerate(ids, start=1):
        step(db.session.get(model, object_id), summary)
        context.progress(done_before + index, total)


def note_refusal(summary, message):
    summary["refused"] += 1
    if len(summary["refusals"]) < REFUSALS_KEPT:
        summary["refusals"].append(message)


def _issue_one(item, issuer, issue, summary):
    if not item.user.is_verified:
        summary["unverified"] += 1
        return
    try:
        issue(item, issuer, short_transactions=True)
    except services.CertificateError as error:
        db.session.rollback()
        note_refusal(summary, error.message)
        return
    summary["issued"] += 1


def issuing_label(params):
    return _("Terbitkan sertifikat %(what)s", what=params.get("label", ""))


def issuing_progress(job):
    return _("%(issued)s dari %(total)s diterbitkan",
             issued=number(job.summary.get("issued", 0)), total=number(job.progress_total))


def issuing_summary(job):
    summary, lines = job.summary, []
    if summary.get("unverified"):
        lines.append(_("%(n)d peserta dilewati: akunnya mendaftar sendiri dan belum "
                       "diverifikasi admin. Verifikasi dulu di Admin › Akun menunggu "
                       "verifikasi.", n=summary["unverified"]))
    if summary.get("refused"):
        lines.append(_("%(n)d peserta tidak diterbitkan:", n=summary["refused"]))
        lines.extend(summary.get("refusals", []))
    return lines


def issuing_back_link(params):
    if "id" not in params:
        return None
    if params.get("target") == "session":
        return (url_for("certificates.admin_session", session_id=params["id"]),
                _("Kembali ke penerbitan sertifikat sesi"))
    if not params.get("slug"):
        return None
    return (url_for("certificates.admin_course", slug=params["slug"]),
            _("Kembali ke penerbitan sertifikat %(code)s", code=params.get("label", "")))


# --- automatic issuing on completion ----------------------------------------------------------

def start_auto_issue(enrollment):
    """Called by the completion listener inside the learner's request: only records the job."""
    start_job(AUTO_KIND, {"enrollment_id": enrollment.id, "label": enrollment.course.code,
                          "name": enrollment.user.name}, None,
              subject_key=f"certificates:auto:{enrollment.id}", total=1)


def run_auto_issue(context):
    """Issue the completed 'auto' course's certificate, unless that is no longer wanted (the
    policy changed, an admin issued it meanwhile, the enrolment is gone)."""
    enrollment = db.session.get(Enrollment, context.params["enrollment_id"])
    if enrollment is None or enrollment.completed_at is None:
        return
    if (enrollment.course.certificate_policy != "auto" or not enrollment.user.is_verified
            or services.valid_certificate(enrollment.user, enrollment.course)):
        return
    try:
        services.issue_certificate(enrollment, None, short_transactions=True)
    except services.CertificateError as error:
        db.session.rollback()
        if services.valid_certificate(enrollment.user, enrollment.course):
            return  # issued by someone else at the same moment: that is the outcome wanted
        # Shown on /admin/tugas; the learner also stays on the admin's list of those waiting.
        raise JobError(error.message) from None
    context.summary["issued"] = 1
    context.progress(1, 1)


def auto_label(params):
    return _("Sertifikat otomatis %(code)s untuk %(name)s", code=params.get("label", ""),
             name=params.get("name", ""))


# --- re-issuing a course's certificates in bulk -------------------------------------------------

def reissue_key(course):
    return f"certificates:reissue:{course.id}"


def start_reissuing(course, reason, public_reason, issuer):
    """Revoke every valid certificate of the course and issue each holder a new one (new
    number, today's snapshot: after a correction to the course, the signer or the holder's
    data). Flushes; the job starts when the caller commits."""
    reason = (reason or "").strip()
    if not reason:
        raise services.CertificateError(_("Alasan pencabutan wajib diisi."))
    if public_reason not in services.PUBLIC_REVOCATION_REASONS:
        raise services.CertificateError(_("Pilih alasan yang ditampilkan publik dari daftar."))
    problem = services.signer_problem()
    if problem:
        raise services.CertificateError(problem)
    count = len(_valid_of_course(course.id))
    if count == 0:
        raise services.CertificateError(_("Belum ada sertifikat berlaku untuk kursus ini."))
    params = {"id": course.id, "label": course.code, "slug": course.slug, "reason": reason,
              "public_reason": public_reason}
    return start_job(REISSUE_KIND, params, issuer, subject_key=reissue_key(course), total=count)


def _valid_of_course(course_id, issued_before=None):
    query = select(Certificate).where(Certificate.course_id == course_id,
                                      Certificate.revoked_at.is_(None))
    if issued_before is not None:
        query = query.where(Certificate.issued_at < issued_before)
    return db.session.scalars(query.order_by(Certificate.sequence)).all()


def _replaced_but_not_reissued(course_id, since):
    """Certificates this job revoked whose holder has no valid certificate yet (the job
    stopped between the two steps): their new one is still owed."""
    revoked = db.session.scalars(select(Certificate).where(
        Certificate.course_id == course_id, Certificate.issued_at < since,
        Certificate.revoked_at >= since).order_by(Certificate.sequence)).all()
    return [old for old in revoked
            if services.valid_certificate(old.holder, old.course) is None]


def run_reissuing(context):
    """Idempotent: only certificates issued before the job started are replaced, and a holder
    whose old certificate this job already revoked gets the new one it is owed."""
    params, started = context.params, context.job.created_at
    course = db.session.get(Course, params["id"])
    if course is None:
        raise JobError(_("Kursus ini sudah tidak ada."))
    issuer = job_issuer(context)
    owed = _replaced_but_not_reissued(course.id, started) + _valid_of_course(course.id, started)
    each_in_turn(context, Certificate, [certificate.id for certificate in owed],
                  lambda old, summary: _reissue_one(old, params, issuer, summary))


def _reissue_one(old, params, issuer, summary):
    enrollment = old.enrollment
    if not enrollment.user.is_verified or enrollment.completed_at is None:
        # Never revoke what cannot be replaced: the holder keeps the old certificate.
        note_refusal(summary, _("%(name)s tidak memenuhi syarat lagi; sertifikat lamanya tetap "
                            "berlaku.", name=old.holder_name))
        return
    try:
        if old.is_valid:
            services.revoke_certificate(old, params["reason"], issuer,
                                        public_reason=params["public_reason"])
        services.reissue_certificate(old, issuer, short_transactions=True)
    except services.CertificateError as error:
        db.session.rollback()
        note_refusal(summary, error.message)
        return
    summary["issued"] += 1


def reissuing_label(params):
    return _("Terbitkan ulang sertifikat %(code)s", code=params.get("label", ""))


def register_certificate_jobs():
    register_job_kind(ISSUE_KIND, run_issuing, issuing_label, progress_text=issuing_progress,
                      summary_lines=issuing_summary, back_link=issuing_back_link)
    register_job_kind(AUTO_KIND, run_auto_issue, auto_label)
    register_job_kind(REISSUE_KIND, run_reissuing, reissuing_label,
                      progress_text=issuing_progress, summary_lines=issuing_summary,
                      back_link=lambda params: issuing_back_link(dict(params, target="course")))

