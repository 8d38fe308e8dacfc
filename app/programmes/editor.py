"""Programmes written in the browser, by admins and by the trainers an admin allowed
(User.programme_author). The form's values become the same ProgrammeSpec a file gives, applied
by the same code (files.apply_spec), so a programme saved here exports as a file that imports
back unchanged, and the reverse."""

from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.audit import record_event
from app.courses.models import Course
from app.database import utcnow
from app.extensions import db
from app.programmes import files
from app.programmes.forms import ProgrammeForm, steps_text
from app.programmes.models import PROGRAMME_STATUSES, Programme
from app.programmes.services import PROGRAMME_OPTIONS
from app.web import one_or_404
from app.workshops.models import WorkshopSession

bp = Blueprint("programme_editor", __name__, template_folder="templates",
               url_prefix="/pengajar/program")


def may_author_programmes(user):
    return user.is_authenticated and (user.is_admin or (user.is_trainer
                                                         and user.programme_author))


@bp.before_request
@login_required
def _programme_authors_only():
    """Every page here: log in first, then be an admin or an allowed trainer."""
    if not may_author_programmes(current_user):
        abort(403)


def _spec(form, slug):
    return files.ProgrammeSpec(
        slug=slug, path=Path(f"{files.FOLDER}/{slug}.md"),
        fields={"title": form.title.data, "provider": form.provider.data,
                "summary": form.summary.data or "", "mandatory": bool(form.mandatory.data),
                "due_on": form.due_on.data, "status": form.status.data},
        steps=form.target_steps, agencies=sorted(form.agencies.data or []),
        jabatan=sorted(form.jabatan.data or []), description=form.description.data or "")


def save_programme(programme, form, actor):
    """Create (programme None) or update a programme from the form; audited. Flushes."""
    created = programme is None
    if created:
        programme = Programme(slug=form.slug.data, description_html="")
        db.session.add(programme)
    changed = files.apply_spec(programme, _spec(form, programme.slug))
    if changed or created:
        programme.updated_at = utcnow()
        db.session.flush()
        record_event(actor, "programme.create" if created else "programme.update",
                     "programme", programme.id, slug=programme.slug,
                     changed=[] if created else changed)
    return programme


def _helper_lists():
    """What the steps may name: the courses by code, and the sessions to come by number."""
    courses = db.session.execute(select(Course.code, Course.title)
                                 .where(Course.status != "archived")
                                 .order_by(Course.code)).all()
    sessions = db.session.scalars(select(WorkshopSession).where(
        WorkshopSession.starts_at >= utcnow(), WorkshopSession.status == "scheduled")
        .order_by(WorkshopSession.starts_at).limit(30)).all()
    return {"course_choices": courses, "session_choices": sessions}


def _form_data(programme):
    """The form's fields from a programme (not obj=: its steps and agencies are objects)."""
    return {"title": programme.title, "slug": programme.slug, "provider": programme.provider,
            "summary": programme.summary, "description": programme.description_source,
            "steps": steps_text(programme),
            "agencies": [agency.code for agency in programme.agencies],
            "jabatan": programme.jabatan_types, "mandatory": programme.mandatory,
            "due_on": programme.due_on, "status": programme.status}


def _programme_or_404(slug):
    return one_or_404(select(Programme).options(*PROGRAMME_OPTIONS)
                      .where(Programme.slug == slug))


@bp.route("/")
def index():
    programmes = db.session.scalars(select(Programme).order_by(
        Programme.status, Programme.title)).all()
    return render_template("programmes/editor_index.html", programmes=programmes,
                           statuses=PROGRAMME_STATUSES)


@bp.route("/baru", methods=["GET", "POST"])
def new():
    form = ProgrammeForm()
    if form.validate_on_submit():
        programme = save_programme(None, form, current_user)
        db.session.commit()
        flash(_("Program %(title)s dibuat.", title=programme.title), "success")
        return redirect(url_for(".index"))
    return render_template("programmes/editor_form.html", form=form, programme=None,
                           **_helper_lists())


@bp.route("/<slug>/ubah", methods=["GET", "POST"])
def edit(slug):
    programme = _programme_or_404(slug)
    form = ProgrammeForm(programme=programme, data=_form_data(programme)
                         if request.method == "GET" else None)
    form.slug.data = programme.slug  # the address stays: links and certificates point at it
    if form.validate_on_submit():
        save_programme(programme, form, current_user)
        db.session.commit()
        flash(_("Perubahan program disimpan."), "success")
        return redirect(url_for(".index"))
    return render_template("programmes/editor_form.html", form=form, programme=programme,
                           **_helper_lists())


@bp.route("/<slug>/unduh")
def download(slug):
    """The programme as its file, programmes/<slug>.md, for git or another installation."""
    programme = _programme_or_404(slug)
    return files.programme_document(programme), 200, {
        "Content-Type": "text/markdown; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{programme.slug}.md"'}
