"""Notifications (the bell, its page, each person's choices), email through an outbox sent by
the job queue, and BKPSDM's announcements."""


def register_notifications(app):
    """The blueprint, the mail jobs and the periodic ones (reminders, digest, tidying)."""
    from app.notifications.announcements import register_announcements
    from app.notifications.mail import register_mail
    from app.notifications.reminders import register_reminders
    from app.notifications.services import listen_for_commits
    from app.notifications.views import bp

    app.register_blueprint(bp)
    register_mail(app)
    register_reminders(app)
    listen_for_commits()
    register_announcements(app)
