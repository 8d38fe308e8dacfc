"""Announcements: admins publish and withdraw them under /admin/pengumuman; a person in the
audience reads one at /pengumuman/<id> (the notification's link) and sees the current ones at
the top of their dashboard."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup

from app.admin.services import paginate
from app.auth.access import admin_required
from app.courses.forms import ActionForm, action_or_400
from app.database import utcnow
from app.extensions import db
from app.forms import whole_number_arg
from app.notifications import announcement_services as services
from app.notifications.announcement_forms import AnnouncementForm
from app.notifications.models import Announcement

bp = Blueprint("announcements", __name__, template_folder="templates")
admin_bp = Blueprint("announcement_admin", __name__, template_folder="templates",
                     url_prefix="/admin/pengumuman")

PER_PAGE = 30


# --- for everyone in the audience ------------------------------------------------------------

@bp.route("/pengumuman/<int:announcement_id>")
@login_required
def show(announcement_id):
    announcement = services.readable_announcement(current_user, announcement_id)
    if announcement is None:
        abort(404)
    return render_template("announcements/show.html", announcement=announcement,
                           status=services.status_of(announcement), statuses=services.STATUSES)


def dashboard_notice(user):
    """The current announcements at the top of the dashboard (kept per agency), or nothing."""
    announcements = services.current_for(user)
    if not announcements:
        return None
    return Markup(render_template("announcements/_dashboard.html",
                                  announcements=announcements))


# --- for admins -------------------------------------------------------------------------------

@admin_bp.before_request
@admin_required
def _admins_only():
    """Every route of this blueprint: log in first, then be an admin."""


@admin_bp.route("")
def index():
    number = max(whole_number_arg(request.args, "halaman", 1), 1)
    page = paginate(services.admin_list_query(), number, PER_PAGE)
    return render_template("announcements/admin_list.html", page=page, now=utcnow(),
                           sent=services.recipient_counts(page.items),
                           status_of=services.status_of, statuses=services.STATUSES,
                           form=ActionForm())


@admin_bp.route("/baru", methods=["GET", "POST"])
def new():
    form = AnnouncementForm()
    if form.validate_on_submit():
        announcement, sent = services.create_announcement(form.values(), current_user)
        db.session.commit()
        flash(_("Pengumuman \u201c%(title)s\u201d dikirim ke %(count)d orang.",
                title=announcement.title, count=sent), "success")
        return redirect(url_for(".index"))
    return render_template("announcements/admin_form.html", form=form)


@admin_bp.route("/<int:announcement_id>/tarik", methods=["POST"])
def withdraw(announcement_id):
    action_or_400()
    announcement = db.get_or_404(Announcement, announcement_id)
    try:
        services.withdraw_announcement(announcement, current_user)
    except services.AnnouncementError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("Pengumuman \u201c%(title)s\u201d ditarik: tidak tampil lagi di beranda.",
                title=announcement.title), "success")
    return redirect(url_for(".index"))


def register_announcements(app):
    """Both blueprints, the admin home's link and the dashboard's panel."""
    from app.admin.menu import register_admin_page
    from app.auth.models import Agency
    from app.courses import views as course_views
    from app.courses.outline_cache import register_content_models
    from app.notifications.models import Announcement

    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
    course_views.register_dashboard_notice(dashboard_notice)
    # The dashboard's announcements are kept per agency (services.current_for).
    register_content_models(Announcement)
    register_content_models(Agency, new_rows_count=False)
    register_admin_page("announcement_admin.index", _l("Pengumuman"),
                        _l("kirim ke semua ASN atau OPD tertentu, tarik kembali"))
