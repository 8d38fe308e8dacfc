"""Certificates: public verification, the learner's list and downloads, admin issuing."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import undefer

from app.auth.access import admin_required
from app.certificates import jobs as issuing_jobs
from app.certificates import services
from app.certificates.forms import CertificateSettingsForm, RevokeForm, VerifyByNumberForm
from app.certificates.models import Certificate
from app.courses.forms import ActionForm, action_or_400
from app.courses.models import Course
from app.extensions import db, limiter
from app.forms import whole_numbers
from app.jobs import services as job_services
from app.settings import get_setting, save_settings
from app.timeutil import PALU_TZ
from app.web import limit_text, one_or_404
from app.workshops.models import WorkshopSession

bp = Blueprint("certificates", __name__, template_folder="templates")


def _verify_limit():
    return current_app.config["VERIFY_RATE_LIMIT"]


# One budget per IP across every way of looking a certificate up (code, number and NIP, JSON),
# failed guesses included.
verify_limit = limiter.shared_limit(_verify_limit, scope="verify",
                                    error_message=lambda: limit_text(_verify_limit()))


# --- public verification ------------------------------------------------------------------

def certificate_json(certificate):
    data = {
        "valid": certificate.is_valid,
        "status": "valid" if certificate.is_valid else "revoked",
        "number": certificate.number,
        "holder": {"name": certificate.holder_name, "nip": certificate.masked_nip},
        "course": {"title": certificate.course_title, "code": certificate.course_code},
        "jp": certificate.jp,
        "completed_on": certificate.completed_on.isoformat(),
        "issued_on": certificate.issued_on.isoformat(),
        "issuer": certificate.issuer_unit,
        "revoked_on": (certificate.revoked_at.astimezone(PALU_TZ).date().isoformat()
                       if certificate.revoked_at else None),
        # The public reason's key (PUBLIC_REVOCATION_REASONS); the admin's note stays internal.
        "revocation_reason": certificate.public_revocation_reason,
    }
    if certificate.is_for_session:
        first_day = certificate.started_on or certificate.completed_on
        data["session"] = {"title": certificate.course_title,
                           "first_day": first_day.isoformat(),
                           "last_day": certificate.completed_on.isoformat()}
    if certificate.provider_name:
        data["provider"] = certificate.provider_name
    if certificate.is_for_programme:
        data["programme"] = {"title": certificate.course_title,
                             "steps": certificate.components}
    return data


def _not_found_page():
    return render_template("certificates/not_found.html"), 404


LOOKUP_MAX = 120


@bp.route("/verify", methods=["GET", "POST"])
@verify_limit
def lookup():
    """Look a certificate up by its verification code alone (?q=), or by its number together
    with the holder's NIP (the second form, posted). A number alone finds nothing: numbers are
    sequential, and would let anyone list every holder with name and training."""
    form = VerifyByNumberForm()
    if request.method == "POST":
        return _lookup_by_number(form)
    query = (request.args.get("q") or "").strip()[:LOOKUP_MAX]
    if not query:
        return render_template("certificates/lookup.html", query="", form=form)
    # PostgreSQL refuses NUL in text; no code has one, so it is simply not found.
    certificate = None if "\x00" in query else services.find_by_code(query)
    if certificate is None:
        return render_template("certificates/lookup.html", query=query, form=form,
                               code_not_found=True), 404
    return redirect(url_for(".verify", code=certificate.verification_code))


def _lookup_by_number(form):
    """A wrong NIP with a real number answers exactly like a number that was never issued:
    same text, same status, same single query. The answer echoes the typed NIP, so no cache
    may keep it."""
    if not form.validate_on_submit():
        return _no_store(render_template("certificates/lookup.html", query="", form=form))
    certificate = services.find_by_number_and_nip(form.number.data, form.nip.data)
    if certificate is None:
        form.number.errors = [_("Tidak ada sertifikat dengan nomor ini untuk NIP pemegang "
                                "tersebut. Periksa kembali keduanya.")]
        return _no_store(render_template("certificates/lookup.html", query="", form=form), 404)
    return redirect(url_for(".verify", code=certificate.verification_code))


def _no_store(body, status=200):
    return body, status, {"Cache-Control": "no-store"}


@bp.route("/verify/<code>.json")
@verify_limit
def verify_json(code):
    certificate = services.find_by_code(code)
    if certificate is None:
        return jsonify(valid=False, status="not_found"), 404
    return jsonify(certificate_json(certificate))


@bp.route("/verify/<code>")
@verify_limit
def verify(code):
    certificate = services.find_by_code(code)
    if certificate is None:
        return _not_found_page()
    return render_template("certificates/verify.html", certificate=certificate,
                           page_url=services.verify_url(certificate.verification_code))


# --- learner ----------------------------------------------------------------------------------

@bp.route("/sertifikat")
@login_required
def mine():
    return render_template("certificates/mine.html",
                           certificates=services.certificates_of(current_user),
                           verify_url=services.verify_url)


@bp.route("/sertifikat/<int:certificate_id>/unduh")
@login_required
def download(certificate_id):
    """The stored PDF, byte for byte as issued, while the certificate is valid; once revoked, a
    copy stamped DICABUT on every page (the stored bytes stay as issued). Holder and admins."""
    certificate = _certificate_with_pdf_or_404(certificate_id)
    if certificate.user_id != current_user.id and not current_user.is_admin:
        abort(404)
    code = certificate.verification_code
    if certificate.is_valid:
        return _pdf_response(certificate.pdf, f"sertifikat-{code}.pdf")
    return _pdf_response(services.revoked_pdf(certificate), f"sertifikat-{code}-dicabut.pdf")


def _certificate_with_pdf_or_404(certificate_id):
    return one_or_404(select(Certificate).options(undefer(Certificate.pdf))
                      .where(Certificate.id == certificate_id))


def _pdf_response(data, filename):
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, max-age=0",
    })


# --- admin ------------------------------------------------------------------------------------

@bp.route("/admin/sertifikat")
@admin_required
def admin_courses():
    counts = services.eligible_counts()
    courses = db.session.scalars(select(Course).order_by(Course.code)).all()
    return render_template("certificates/admin_courses.html", courses=courses, counts=counts,
                           sessions=services.sessions_with_attendance())


def _chosen_ids(box):
    """The ticked learners' ids, or None for everyone eligible ("Terbitkan untuk semua")."""
    if request.form.get("aksi") == "semua":
        return None
    return whole_numbers(request.form.getlist(box))


def _start_issuing(target_kind, target, box):
    """Start the issuing job and show its progress; the PDFs are made by the job consumer."""
    try:
        job = issuing_jobs.start_issuing(target_kind, target, _chosen_ids(box), current_user)
    except services.CertificateError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(request.path)
    started = job.state == "queued" and job.progress_done == 0
    db.session.commit()
    if not started:
        flash(_("Penerbitan untuk ini sudah berjalan; kemajuannya di bawah. Peserta lain dapat "
                "diterbitkan setelah selesai."), "info")
    return redirect(url_for("jobs.show", job_id=job.id))


def _issuing(target_kind, target, eligible, box, template, **context):
    """An issuing page: the form starts a job for the ticked (or all) eligible learners; a job
    already running for this course or session is shown with its progress."""
    form = ActionForm()
    if form.validate_on_submit():
        return _start_issuing(target_kind, target, box)
    key = issuing_jobs.issuing_key(target_kind, target.id)
    return render_template(template, eligible=eligible, form=form,
                           job=job_services.latest_job(key), **context)


@bp.route("/admin/sertifikat/<slug>", methods=["GET", "POST"])
@admin_required
def admin_course(slug):
    course = one_or_404(select(Course).where(Course.slug == slug))
    return _issuing("course", course, services.eligible_enrollments(course), "enrollment",
                    "certificates/admin_course.html", course=course,
                    issued=services.issued_for_course(course))


@bp.route("/admin/sertifikat/<slug>/terbitkan-ulang-semua", methods=["GET", "POST"])
@admin_required
def reissue_all(slug):
    """Revoke every valid certificate of a course and issue new ones, as a background job."""
    course = one_or_404(select(Course).where(Course.slug == slug))
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            job = issuing_jobs.start_reissuing(course, form.reason.data, form.public_reason.data,
                                               current_user)
        except services.CertificateError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            return redirect(url_for("jobs.show", job_id=job.id))
    return render_template("certificates/reissue_all.html", course=course, form=form,
                           valid_count=services.valid_count_for_course(course))


@bp.route("/admin/sertifikat/sesi/<int:session_id>", methods=["GET", "POST"])
@admin_required
def admin_session(session_id):
    """Certificates for a workshop or webinar: eligible = attendance recorded."""
    session = one_or_404(select(WorkshopSession).where(WorkshopSession.id == session_id))
    return _issuing("session", session, services.eligible_registrations(session),
                    "registration", "certificates/admin_session.html", session=session,
                    issued=services.issued_for_session(session))


def _issuing_page(certificate):
    """The admin page a certificate was issued from: its course's, session's or programme's."""
    if certificate.is_for_session:
        return redirect(url_for(".admin_session", session_id=certificate.session_id))
    if certificate.is_for_programme:
        return redirect(url_for("programme_reports.certificates",
                                slug=certificate.programme.slug))
    return redirect(url_for(".admin_course", slug=certificate.course.slug))


def _certificate_or_404(certificate_id):
    return one_or_404(select(Certificate).where(Certificate.id == certificate_id))


@bp.route("/admin/sertifikat/terbitan/<int:certificate_id>/cabut", methods=["GET", "POST"])
@admin_required
def revoke(certificate_id):
    certificate = _certificate_or_404(certificate_id)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke_certificate(certificate, form.reason.data, current_user,
                                        public_reason=form.public_reason.data)
        except services.CertificateError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            flash(_("Sertifikat %(number)s dicabut.", number=certificate.number), "success")
        return _issuing_page(certificate)
    return render_template("certificates/revoke.html", certificate=certificate, form=form)


@bp.route("/admin/sertifikat/terbitan/<int:certificate_id>/pdf-asli")
@admin_required
def original_pdf(certificate_id):
    """The stored PDF exactly as issued, also after a revocation (for the audit trail): only
    admins get a revoked certificate without the DICABUT stamp."""
    certificate = _certificate_with_pdf_or_404(certificate_id)
    return _pdf_response(certificate.pdf,
                         f"sertifikat-{certificate.verification_code}-asli.pdf")


@bp.route("/admin/sertifikat/terbitan/<int:certificate_id>/terbitkan-ulang", methods=["POST"])
@admin_required
def reissue(certificate_id):
    certificate = _certificate_or_404(certificate_id)
    action_or_400()
    try:
        new = services.reissue_certificate(certificate, current_user)
    except services.CertificateError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Sertifikat baru %(number)s diterbitkan.", number=new.number), "success")
    return _issuing_page(certificate)


SETTING_FIELDS = {
    "institution_name": "institution_name",
    "issuer_unit": "certificate.issuer_unit",
    "number_template": "certificate.number_template",
    "signer_name": "certificate.signer_name",
    "signer_title": "certificate.signer_title",
    "signer_nip": "certificate.signer_nip",
    "place": "certificate.place",
    "base_url": "base_url",
}


@bp.route("/admin/pengaturan/sertifikat", methods=["GET", "POST"])
@admin_required
def settings():
    form = CertificateSettingsForm(data={field: get_setting(key)
                                         for field, key in SETTING_FIELDS.items()})
    if form.validate_on_submit():
        save_settings({key: (getattr(form, field).data or "").strip()
                       for field, key in SETTING_FIELDS.items()}, current_user)
        db.session.commit()
        flash(_("Pengaturan sertifikat disimpan. Sertifikat yang sudah terbit tidak berubah."),
              "success")
        return redirect(url_for(".settings"))
    return render_template("certificates/settings.html", form=form)


# --- sections on other pages ---------------------------------------------------------------

def course_certificate_read(user, course, _modules):
    """The certificate the course page's panel reads, read with the learner's progress (asked
    of every learner: the progress is not known yet, and one more branch of the same statement
    costs next to nothing)."""
    return services.certificate_summary_read(user, course)


def course_certificate_section(user, course, _modules, progress):
    """The learner's certificate of the course. Only a completed enrolment has one (issuing
    requires the completion, which is never undone): shown to no one else. Its read is part of
    the course page's one statement (course_certificate_read)."""
    if progress is None or not progress.is_complete:
        return None
    certificate = services.valid_certificate_summary(user, course)
    if certificate is None:
        return None
    return Markup(render_template("certificates/_course_section.html", certificate=certificate))


def session_certificate_section(user, session, registration):
    """On a session's page: the learner's certificate for it, once issued."""
    if registration is None or not registration.has_attended:
        return None
    certificate = services.valid_session_certificate(user, session)
    if certificate is None:
        return None
    return Markup(render_template("certificates/_course_section.html", certificate=certificate))


def dashboard_certificate_section(user, progress):
    course_ids = [p.enrollment.course_id for p in progress if p.enrollment.is_completed]
    certificates = services.valid_certificates_by_course(user, course_ids)
    waiting = [p for p in progress
               if p.enrollment.is_completed and p.enrollment.course_id not in certificates]
    if not certificates and not waiting:
        return None
    return Markup(render_template("certificates/_dashboard_section.html",
                                  certificates=list(certificates.values()), waiting=waiting))


def person_certificate_section(user):
    """A person's admin page: every certificate they hold or held (one query)."""
    return Markup(render_template("certificates/_person_section.html",
                                  certificates=services.certificates_of(user)))
