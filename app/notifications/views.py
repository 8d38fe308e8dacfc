"""The notifications page, each person's choices, and the one-click "stop these emails"."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.admin.services import paginate
from app.auth.models import User
from app.courses.forms import ActionForm, action_or_400
from app.extensions import csrf, db
from app.forms import whole_number_arg
from app.notifications import mail, services
from app.notifications.forms import chosen_channels, preferences_form
from app.notifications.kinds import KINDS, kinds_for, notification_text
from app.notifications.models import APP, EMAIL, Notification
from app.web import is_safe_next

bp = Blueprint("notifications", __name__, template_folder="templates")

PER_PAGE = 30


def _own_or_404(notification_id):
    """This person's notification; another's is as good as missing."""
    notification = services.own_notification(current_user, notification_id)
    if notification is None:
        abort(404)
    return notification


def _page_number():
    return max(whole_number_arg(request.args, "halaman", 1) or 1, 1)


@bp.route("/notifikasi")
@login_required
def index():
    query = (select(Notification).where(Notification.user_id == current_user.id)
             .order_by(Notification.created_at.desc(), Notification.id.desc()))
    page = paginate(query, _page_number(), PER_PAGE)
    return render_template("notifications/index.html", page=page, form=ActionForm(),
                           text_of=notification_text)


@bp.route("/notifikasi/<int:notification_id>")
@login_required
def open_notification(notification_id):
    """Follow a notification's link, marking it read on the way."""
    notification = _own_or_404(notification_id)
    services.mark_read(current_user, notification)
    db.session.commit()
    target = f"{request.script_root}{notification.link}" if notification.link else None
    return redirect(target if target and is_safe_next(target) else url_for(".index"))


@bp.route("/notifikasi/<int:notification_id>/dibaca", methods=["POST"])
@login_required
def mark_read(notification_id):
    action_or_400()
    notification = _own_or_404(notification_id)
    services.mark_read(current_user, notification)
    db.session.commit()
    return redirect(url_for(".index", halaman=_page_number()))


@bp.route("/notifikasi/dibaca-semua", methods=["POST"])
@login_required
def mark_all_read():
    action_or_400()
    services.mark_all_read(current_user)
    db.session.commit()
    flash(_("Semua pemberitahuan ditandai sudah dibaca."), "success")
    return redirect(url_for(".index"))


@bp.route("/notifikasi/pengaturan", methods=["GET", "POST"])
@login_required
def preferences():
    kinds = kinds_for(current_user)
    form = preferences_form(kinds, services.preferences_of(current_user),
                            current_user.email_digest)
    if form.validate_on_submit():
        changed = services.save_preferences(current_user, chosen_channels(form, kinds),
                                            form.digest.data)
        db.session.commit()
        flash(_("Pengaturan pemberitahuan disimpan.") if changed
              else _("Tidak ada yang berubah."), "success" if changed else "info")
        return redirect(url_for(".preferences"))
    return render_template("notifications/preferences.html", form=form, kinds=kinds,
                           mail_on=mail.mail_enabled(), address=current_user.mail_address)


@bp.route("/berhenti-email/<token>", methods=["GET", "POST"])
@csrf.exempt  # mail clients post the one-click unsubscribe (RFC 8058) without a form
def unsubscribe(token):
    """Turn one kind of email off from the link in that email: no login needed, the signed
    token names the person and the kind. Opening the link is enough (one click); it can be
    undone on the preferences page."""
    found = mail.read_unsubscribe_token(token)
    user = db.session.get(User, found[0]) if found else None
    if user is None:
        abort(404)
    kind = found[1]
    names = list(KINDS) if kind == mail.ALL_KINDS else [kind]
    current = services.preferences_of(user)
    for name in names:
        if current.get(name) == EMAIL:
            services.set_preference(user, name, APP)
    if kind == mail.ALL_KINDS:
        user.email_digest = False
    db.session.commit()
    label = _("semua pemberitahuan") if kind == mail.ALL_KINDS else KINDS[kind].label
    return render_template("notifications/unsubscribed.html", label=label)


def register_notifications_views(app):
    app.register_blueprint(bp)
