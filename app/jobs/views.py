"""/admin/tugas, for admins only (every job is started by an admin or by the schedule): the
jobs, their progress and errors; retrying a failed one; a job's result file. A job's own page
refreshes itself (no JavaScript needed); with JavaScript it polls the JSON and updates in
place."""

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.admin.services import paginate
from app.auth.access import admin_required
from app.courses.forms import ActionForm, action_or_400
from app.database import utcnow
from app.extensions import db
from app.forms import whole_number_arg
from app.jobs import services
from app.jobs.models import JOB_STATES, STATE_LABELS, Job
from app.jobs.periodic import periodic_overview
from app.jobs.runner import JOB_KINDS, job_label, results_root
from app.templating import number
from app.web import one_or_404

bp = Blueprint("jobs", __name__, url_prefix="/admin/tugas", template_folder="templates")

# Seconds between refreshes of a job page that is still running.
REFRESH_SECONDS = 3


@bp.route("/")
@admin_required
def index():
    state = request.args.get("status")
    state = state if state in JOB_STATES else None
    number = max(whole_number_arg(request.args, "halaman", 1), 1)
    page = paginate(services.jobs_query(state), number)
    return render_template("jobs/index.html", page=page, state=state, states=STATE_LABELS,
                           periodic=periodic_overview(),
                           job_label=job_label, form=ActionForm(),
                           filters={"status": state} if state else {})


def _job_or_404(job_id):
    return one_or_404(select(Job).options(joinedload(Job.created_by)).where(Job.id == job_id))


def progress_text(job):
    kind = JOB_KINDS.get(job.kind)
    if kind is not None and kind.progress_text is not None:
        return kind.progress_text(job)
    if not job.progress_total:
        return ""
    return _("%(done)s dari %(total)s", done=number(job.progress_done),
             total=number(job.progress_total))


def back_link(job):
    kind = JOB_KINDS.get(job.kind)
    return kind.back_link(job.params) if kind is not None and kind.back_link else None


def summary_lines(job):
    kind = JOB_KINDS.get(job.kind)
    return kind.summary_lines(job) if kind is not None and kind.summary_lines else []


@bp.route("/<int:job_id>")
@admin_required
def show(job_id):
    job = _job_or_404(job_id)
    refresh = None if job.is_finished else REFRESH_SECONDS
    return render_template("jobs/show.html", job=job, label=job_label(job), refresh=refresh,
                           progress=progress_text(job), back=back_link(job), form=ActionForm(),
                           lines=summary_lines(job),
                           now=utcnow())


@bp.route("/<int:job_id>/status.json")
@admin_required
def show_json(job_id):
    job = _job_or_404(job_id)
    response = jsonify(id=job.id, state=job.state, state_label=str(job.state_label),
                       done=job.progress_done, total=job.progress_total, percent=job.percent,
                       progress=progress_text(job), error=job.error,
                       finished=job.is_finished,
                       download=(url_for(".download", job_id=job.id)
                                 if job.has_result_file() else None))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:job_id>/ulang", methods=["POST"])
@admin_required
def retry(job_id):
    job = _job_or_404(job_id)
    action_or_400()
    try:
        services.retry_job(job, current_user)
    except services.JobRefused as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Tugas dijalankan lagi."), "success")
    return redirect(url_for(".show", job_id=job.id))


@bp.route("/<int:job_id>/unduh")
@admin_required
def download(job_id):
    job = _job_or_404(job_id)
    kind = JOB_KINDS.get(job.kind)
    if kind is not None and kind.private_result and job.created_by_id != current_user.id:
        abort(404)  # one-time passwords: only for the admin who started the import
    if not job.has_result_file():
        flash(_("Berkas hasil tugas ini tidak tersedia lagi (sudah kedaluwarsa atau belum "
                "selesai). Jalankan ekspornya lagi."), "error")
        return redirect(url_for(".show", job_id=job.id))
    path = results_root() / job.result_path
    if not path.is_file():
        abort(404)
    # Logged-in answers are "private, no-store" (app/headers.py): no cache keeps the file.
    return send_file(path, as_attachment=True, download_name=job.result_name, max_age=0)
