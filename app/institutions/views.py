"""Providers: the public page of each (/penyelenggara/<slug>) with its logo, and the admin's
list and form (/admin/penyelenggara)."""

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import undefer

from app.auth.access import admin_required
from app.courses.forms import ActionForm, action_or_400
from app.database import utcnow
from app.extensions import db
from app.institutions import services
from app.institutions.forms import InstitutionForm, LogoForm
from app.institutions.models import Institution
from app.web import one_or_404

bp = Blueprint("institutions", __name__, template_folder="templates",
               url_prefix="/penyelenggara")
admin_bp = Blueprint("institution_admin", __name__, template_folder="templates",
                     url_prefix="/admin/penyelenggara")


@bp.route("/<slug>")
def show(slug):
    institution = one_or_404(select(Institution).where(Institution.slug == slug))
    courses, sessions, programmes = services.provided_by(institution, utcnow())
    return render_template("institutions/show.html", institution=institution,
                           courses=courses, sessions=sessions, programmes=programmes)


@bp.route("/<slug>/logo")
def logo(slug):
    institution = one_or_404(select(Institution).options(undefer(Institution.logo))
                             .where(Institution.slug == slug))
    if institution.logo is None:
        abort(404)
    response = make_response(institution.logo)
    response.headers["Content-Type"] = institution.logo_mime
    response.headers["X-Content-Type-Options"] = "nosniff"
    # The address carries ?v=<logo_version>: a new logo is a new address.
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


# --- admin --------------------------------------------------------------------------------------

@admin_bp.before_request
@admin_required
def _admins_only():
    """Every route here: log in first, then be an admin."""


@admin_bp.route("/")
def index():
    return render_template("institutions/admin_index.html",
                           institutions=services.institutions(),
                           counts=services.usage_counts())


def _save(institution, form):
    try:
        saved = services.save_institution(institution, form.data, current_user)
    except services.InstitutionError as error:
        db.session.rollback()
        form.name.errors.append(error.message)
        return None
    db.session.commit()
    flash(_("Penyelenggara %(name)s disimpan.", name=saved.name), "success")
    return redirect(url_for(".edit", institution_id=saved.id))


@admin_bp.route("/baru", methods=["GET", "POST"])
def new():
    form = InstitutionForm()
    if form.validate_on_submit():
        done = _save(None, form)
        if done:
            return done
    return render_template("institutions/admin_form.html", form=form, institution=None)


@admin_bp.route("/<int:institution_id>", methods=["GET", "POST"])
def edit(institution_id):
    institution = one_or_404(select(Institution).where(Institution.id == institution_id))
    form = InstitutionForm(obj=institution)
    if form.validate_on_submit():
        done = _save(institution, form)
        if done:
            return done
    return render_template("institutions/admin_form.html", form=form, institution=institution,
                           logo_form=LogoForm(), action_form=ActionForm())


@admin_bp.route("/<int:institution_id>/logo", methods=["POST"])
def upload_logo(institution_id):
    institution = one_or_404(select(Institution).where(Institution.id == institution_id))
    form = LogoForm()
    back = redirect(url_for(".edit", institution_id=institution.id))
    if not form.validate_on_submit():
        for error in form.logo.errors or [_("Unggahan gagal: muat ulang halaman.")]:
            flash(error, "error")
        return back
    try:
        services.set_logo(institution, form.logo.data.read(), current_user)
    except services.InstitutionError as error:
        db.session.rollback()
        flash(error.message, "error")
        return back
    db.session.commit()
    flash(_("Logo %(name)s disimpan.", name=institution.name), "success")
    return back


@admin_bp.route("/<int:institution_id>/logo/hapus", methods=["POST"])
def delete_logo(institution_id):
    action_or_400()
    institution = one_or_404(select(Institution).where(Institution.id == institution_id))
    services.remove_logo(institution, current_user)
    db.session.commit()
    flash(_("Logo %(name)s dihapus.", name=institution.name), "success")
    return redirect(url_for(".edit", institution_id=institution.id))
