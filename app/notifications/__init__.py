"""Notifications (the bell, its page, each person's choices), email through an outbox sent by
the job queue, and BKPSDM's announcements."""


def register_notifications(app):
    """The blueprint, the mail jobs and the periodic ones (reminders, digest, tidying)."""
    from flask_babel import lazy_gettext as _l

    from app.admin.menu import register_admin_count, register_admin_page
    from app.notifications.admin_views import bp as admin_bp
    from app.notifications.admin_views import failed_mail_count
    from app.notifications.announcements import register_announcements
    from app.notifications.mail import register_mail
    from app.notifications.reminders import register_reminders
    from app.notifications.services import listen_for_commits, mail_enabled
    from app.notifications.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
    register_admin_count(failed_mail_count)
    register_admin_page("notifications_admin.index", _l("Email dan pemberitahuan"),
                        _l("status SMTP, email gagal, jadwal pengingat JP"))
    register_mail(app)
    register_reminders(app)
    listen_for_commits()
    app.add_template_global(mail_enabled, "mail_enabled")
    register_announcements(app)
