"""Admin pages: people, agencies, settings and the audit log. Admins only, every route."""

from flask import Blueprint, render_template

from app.auth.access import admin_required

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")


@bp.before_request
@admin_required
def _admins_only():
    """Every route of this blueprint: log in first, then be an admin."""


@bp.route("/")
def index():
    return render_template("admin/index.html")
