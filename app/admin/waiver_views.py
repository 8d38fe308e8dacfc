"""Waiving a course's prerequisites for one learner: the person's page shows their waivers,
a page of its own gives and takes them back. The routes sit on the admin blueprint (admins
only); app/courses/prerequisites.py holds the rule and audits each change."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from app.admin.views import _person_or_404, bp
from app.admin.waiver_forms import WaiverForm
from app.courses import prerequisites
from app.courses.forms import ActionForm, action_or_400
from app.courses.models import Course
from app.errors import LmsError
from app.extensions import db
from app.web import one_or_404


def _to_waivers(user):
    return redirect(url_for(".prerequisite_waivers", user_id=user.id))


def _course_or_404(course_id):
    course = db.session.get(Course, course_id)
    if course is None:
        abort(404)
    return course


@bp.route("/pengguna/<int:user_id>/prasyarat", methods=["GET", "POST"])
def prerequisite_waivers(user_id):
    user = _person_or_404(user_id)
    form = WaiverForm()
    if form.validate_on_submit():
        course = one_or_404(select(Course).where(Course.code == form.course.data))
        try:
            prerequisites.waive_prerequisites(user, course, current_user, form.reason.data)
        except LmsError as error:
            db.session.rollback()
            form.course.errors.append(error.message)
        else:
            db.session.commit()
            flash(_("Prasyarat %(code)s dibebaskan untuk %(name)s: ia kini dapat mendaftar.",
                    code=course.code, name=user.name), "success")
            return _to_waivers(user)
    return render_template("admin/prerequisite_waivers.html", user=user, form=form,
                           waivers=prerequisites.waivers_of(user), action_form=ActionForm())


@bp.route("/pengguna/<int:user_id>/prasyarat/<int:course_id>/hapus", methods=["POST"])
def remove_prerequisite_waiver(user_id, course_id):
    user, course = _person_or_404(user_id), _course_or_404(course_id)
    action_or_400()
    try:
        prerequisites.remove_waiver(user, course, current_user)
    except LmsError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Pembebasan prasyarat %(code)s untuk %(name)s dicabut. Pendaftaran yang sudah "
                "ada tetap berlaku.", code=course.code, name=user.name), "success")
    return _to_waivers(user)


def person_waiver_section(user):
    """A person's admin page: their prerequisite waivers (one query) and where to give one."""
    return Markup(render_template("admin/_waiver_section.html", user=user,
                                  waivers=prerequisites.waivers_of(user)))
