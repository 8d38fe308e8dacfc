"""/admin/email: whether email works, what waits in the outbox, a test mail, failed mails sent
again, and how often JP reminders go out."""

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import SelectField

from app.admin.menu import AdminCount
from app.auth.access import admin_required
from app.courses.forms import ActionForm, action_or_400
from app.database import utcnow
from app.extensions import db
from app.forms import KompetenForm, select_choices
from app.notifications import mail
from app.notifications.models import OUTBOX_FAILED, OUTBOX_QUEUED, OUTBOX_SENT, OutboxMail
from app.notifications.reminders import JP_SCHEDULES
from app.settings import get_setting, save_settings

bp = Blueprint("notifications_admin", __name__, template_folder="templates",
               url_prefix="/admin/email")


class ReminderForm(KompetenForm):
    jp_reminder_schedule = SelectField(
        _l("Pengingat target JP"), choices=select_choices(JP_SCHEDULES.items()),
        description=_l("Dikirim pukul 08.00 WITA kepada peserta terverifikasi yang JP tahun "
                       "ini di bawah laju yang diperlukan untuk mencapai targetnya."))


@bp.before_request
@admin_required
def _admins_only():
    """Every route here: log in first, then be an admin."""


def outbox_counts():
    """{state: count}, and mails sent in the last 7 days: two queries."""
    counts = dict(db.session.execute(select(OutboxMail.state, func.count(OutboxMail.id))
                                     .group_by(OutboxMail.state)).all())
    week = db.session.scalar(select(func.count(OutboxMail.id)).where(
        OutboxMail.state == OUTBOX_SENT, OutboxMail.sent_at >= utcnow() - timedelta(days=7)))
    return {"queued": counts.get(OUTBOX_QUEUED, 0), "failed": counts.get(OUTBOX_FAILED, 0),
            "sent_week": week}


def _last_failures():
    return db.session.scalars(select(OutboxMail).where(OutboxMail.state == OUTBOX_FAILED)
                              .order_by(OutboxMail.id.desc()).limit(10)).all()


@bp.route("/", methods=["GET", "POST"])
def index():
    form = ReminderForm(jp_reminder_schedule=get_setting("jp_reminder.schedule"))
    if form.validate_on_submit():
        changed = save_settings({"jp_reminder.schedule": form.jp_reminder_schedule.data},
                                current_user)
        db.session.commit()
        flash(_("Pengaturan disimpan.") if changed else _("Tidak ada yang berubah."),
              "success" if changed else "info")
        return redirect(url_for(".index"))
    config = current_app.config
    return render_template("notifications/admin_email.html", form=form,
                           action_form=ActionForm(), mail_on=mail.mail_enabled(),
                           smtp={"host": config["SMTP_HOST"], "port": config["SMTP_PORT"],
                                 "tls": config["SMTP_TLS"], "sender": config["MAIL_FROM"],
                                 "user": config["SMTP_USER"]},
                           counts=outbox_counts(), failures=_last_failures(),
                           address=current_user.mail_address)


@bp.route("/uji", methods=["POST"])
def send_test():
    action_or_400()
    address = current_user.mail_address
    if not mail.mail_enabled() or not address:
        flash(_("Email uji tidak dapat dikirim: email belum aktif di server, atau akun Anda "
                "belum punya alamat email yang dikonfirmasi."), "error")
        return redirect(url_for(".index"))
    with force_locale(mail.language_of(current_user)):
        mail.queue_mail(current_user, address, "test", _("Email uji Kompeten"),
                        [_("Email ini dikirim dari halaman admin untuk memeriksa pengaturan "
                           "SMTP. Bila Anda menerimanya, email Kompeten berfungsi.")])
    db.session.commit()
    flash(_("Email uji dimasukkan ke antrean untuk %(address)s.", address=address), "success")
    return redirect(url_for(".index"))


@bp.route("/kirim-ulang", methods=["POST"])
def retry_failed():
    action_or_400()
    count = mail.retry_failed()
    db.session.commit()
    flash(_("%(n)d email dikirim ulang.", n=count), "success")
    return redirect(url_for(".index"))


def failed_mail_count():
    if not mail.mail_enabled():
        return None
    return AdminCount(label=_("email gagal terkirim"), count=mail.failed_count(),
                      url=url_for("notifications_admin.index"), urgent=True)
