"""Programmes for learners: the list, a programme's page with each step, following one, and
the dashboard's panel of mandatory and followed programmes."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from app.courses.forms import ActionForm, action_or_400
from app.courses.outline_cache import course_outline
from app.errors import LmsError
from app.extensions import db
from app.programmes import services
from app.programmes.certificates import valid_programme_certificate

CATALOGUE_PROGRAMMES = 4  # shown above the catalogue; the rest on /program

bp = Blueprint("programmes", __name__, template_folder="templates", url_prefix="/program")


def _programme_or_404(slug):
    programme = services.published_programme_or_none(slug)
    if programme is None:
        abort(404)
    return programme


def _standing(programme):
    if not current_user.is_authenticated:
        return None
    return services.standings(current_user, [programme])[0]


@bp.route("/")
def index():
    programmes = services.programmes_for(current_user)
    found = (services.standings(current_user, programmes) if current_user.is_authenticated
             else [services.Standing(p, [], False) for p in programmes])
    return render_template("programmes/index.html", standings=found, today=services.today())


@bp.route("/<slug>")
def show(slug):
    programme = _programme_or_404(slug)
    for_me = current_user.is_authenticated and services.is_for(current_user, programme)
    standing = _standing(programme)
    certificate = (valid_programme_certificate(current_user, programme)
                   if standing and standing.is_done else None)
    return render_template("programmes/show.html", programme=programme, standing=standing,
                           for_me=for_me, certificate=certificate, form=ActionForm(),
                           today=services.today())


@bp.route("/<slug>/ikuti", methods=["POST"])
@login_required
def follow(slug):
    action_or_400()
    programme = _programme_or_404(slug)
    if not services.is_for(current_user, programme):
        abort(403)
    try:
        course = services.enroll_in_programme(current_user, programme)
    except LmsError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for(".show", slug=slug))
    db.session.commit()
    if course is not None:
        flash(_("Anda mengikuti program %(title)s dan terdaftar di kursus pertamanya, "
                "%(course)s.", title=programme.title, course=course.title), "success")
        return redirect(url_for("courses.course_detail", slug=course.slug))
    flash(_("Anda mengikuti program %(title)s.", title=programme.title), "success")
    return redirect(url_for(".show", slug=slug))


def dashboard_panel(user):
    """Mandatory programmes for this person and those they follow, with progress and the next
    step: a fixed number of queries."""
    found = [standing for standing in services.standings(user, services.programmes_for(user))
             if standing.programme.mandatory or standing.enrolled]
    if not found:
        return None
    return Markup(render_template("programmes/_dashboard.html", standings=found,
                                  today=services.today()))


def course_panel(user, course, _modules, _progress):
    """On a course page: the programmes this course is a step of that the person follows or
    must take, with their progress and next step, so finishing a course leads on. No query
    for a course in no published programme (the outline knows), one when the person has none."""
    outline = course_outline(course.slug)
    if not user.is_authenticated or outline is None or not outline.parts["in_programme"]:
        return None
    found = [standing for standing in services.standings(
        user, services.programmes_with_course(user, course))
        if standing.programme.mandatory or standing.enrolled]
    if not found:
        return None
    return Markup(render_template("programmes/_course_panel.html", standings=found,
                                  today=services.today()))


def catalogue_panel(user):
    """Above the catalogue's courses: the published programmes for the visitor, mandatory
    first, with their number of steps (from the list kept per audience: no query)."""
    found = [programme for programme in services.programmes_for(user) if programme.steps]
    if not found:
        return None
    return Markup(render_template("programmes/_catalogue.html",
                                  programmes=found[:CATALOGUE_PROGRAMMES],
                                  more=len(found) > CATALOGUE_PROGRAMMES))
