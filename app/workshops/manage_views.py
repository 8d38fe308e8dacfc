"""Trainers and admins schedule sessions, follow registrations, record attendance and reveal
the check-in code, under /pengajar/sesi."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.authoring.access import require_author
from app.courses.forms import ActionForm, action_or_400
from app.database import utcnow
from app.extensions import db
from app.forms import whole_numbers
from app.workshops import attendance as presence
from app.workshops import queries, services
from app.workshops.access import managed_session_or_404
from app.workshops.forms import SessionForm, session_form_data

bp = Blueprint("workshop_manage", __name__, template_folder="templates",
               url_prefix="/pengajar/sesi")


@bp.before_request
@login_required
def _authors_only():
    require_author()


def _to_session(session, anchor=None):
    return redirect(url_for(".detail", session_id=session.id, _anchor=anchor))


def _fail(error, session, anchor=None):
    db.session.rollback()
    flash(error.message, "error")
    return _to_session(session, anchor)



@bp.route("/")
def index():
    return render_template("workshops/manage/index.html",
                           sessions=queries.managed_sessions(current_user), now=utcnow())


def _saved(form, save):
    """(True, result) when the save went through; (False, None) when the form is to be shown
    again, with scheduling problems found only now (a racing registration) on its fields."""
    try:
        return True, save(form.values())
    except services.ScheduleProblems as error:
        db.session.rollback()
        form.show_problems(error.problems)
    except services.WorkshopError as error:
        db.session.rollback()
        flash(error.message, "error")
    return False, None


@bp.route("/baru", methods=["GET", "POST"])
def new():
    form = SessionForm(user=current_user)
    if form.validate_on_submit():
        saved, session = _saved(form, lambda values: services.create_session(values,
                                                                             current_user))
        if saved:
            db.session.commit()
            flash(_("Sesi \u201c%(title)s\u201d dijadwalkan.", title=session.title), "success")
            return _to_session(session)
    return render_template("workshops/manage/form.html", form=form, session=None)


@bp.route("/<int:session_id>/ubah", methods=["GET", "POST"])
def edit(session_id):
    session = managed_session_or_404(session_id)
    form = SessionForm(user=current_user, session=session,
                       data=session_form_data(session) if request.method == "GET" else None)
    if form.validate_on_submit():
        saved, promoted = _saved(form, lambda values: services.update_session(
            session, values, current_user))
        if saved:
            db.session.commit()
            flash(_("Perubahan sesi disimpan."), "success")
            if promoted:
                flash(_("%(n)d peserta dari daftar tunggu mendapat kursi.", n=len(promoted)),
                      "info")
            return _to_session(session)
    return render_template("workshops/manage/form.html", form=form, session=session)


@bp.route("/<int:session_id>")
def detail(session_id):
    session = managed_session_or_404(session_id)
    registered, waiting = queries.participants(session)
    now = utcnow()
    return render_template(
        "workshops/manage/session.html", session=session, registered=registered,
        waiting=waiting, action_form=ActionForm(), now=now,
        checkin_open=presence.is_checkin_open(session, now),
        checkin_window=presence.checkin_window(session),
        attended=sum(1 for r in registered if r.has_attended))


@bp.route("/<int:session_id>/kehadiran", methods=["POST"])
def attendance(session_id):
    session = managed_session_or_404(session_id)
    action_or_400()
    registered, _waiting = queries.participants(session)
    if request.form.get("aksi") == "semua":
        ticked = {r.id for r in registered}
    else:
        ticked = whole_numbers(request.form.getlist("hadir"))
    try:
        change = presence.record_attendance(session, registered, ticked, current_user)
    except services.WorkshopError as error:
        return _fail(error, session, "peserta")
    db.session.commit()
    flash(_("Kehadiran disimpan: %(marked)d ditandai hadir, %(unmarked)d tidak hadir.",
            marked=len(change.marked), unmarked=len(change.unmarked)), "success")
    for registration in change.locked:
        flash(_("Kehadiran %(name)s tetap tercatat: sertifikatnya sudah terbit. Minta admin "
                "mencabut sertifikat itu terlebih dahulu.", name=registration.user.name),
              "error")
    return _to_session(session, "peserta")


@bp.route("/<int:session_id>/kode", methods=["POST"])
def reveal_code(session_id):
    session = managed_session_or_404(session_id)
    action_or_400()
    replace = request.form.get("aksi") == "baru"
    try:
        presence.reveal_code(session, current_user, replace=replace)
    except services.WorkshopError as error:
        return _fail(error, session, "kode")
    db.session.commit()
    if replace:
        flash(_("Kode presensi baru dibuat; kode lama tidak berlaku lagi. Tampilkan kepada "
                "peserta."), "success")
    return _to_session(session, "kode")


@bp.route("/<int:session_id>/batalkan", methods=["POST"])
def cancel(session_id):
    session = managed_session_or_404(session_id)
    action_or_400()
    try:
        services.cancel_session(session, current_user)
    except services.WorkshopError as error:
        return _fail(error, session)
    db.session.commit()
    flash(_("Sesi \u201c%(title)s\u201d dibatalkan.", title=session.title), "success")
    return _to_session(session)
