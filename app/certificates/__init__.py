"""Certificates: issued by admins (or automatically) for completed courses and attended
workshop/webinar sessions, PDF with QR, public verification, Open Badges 3.0."""


def register_certificates(app):
    """Blueprint, auto-issue on completion, and the certificate panels on other pages."""
    from app import wants_commands
    from app.admin.menu import register_admin_count, register_person_section
    from app.certificates.badge_views import bp as open_badges_bp
    from app.certificates.jobs import register_certificate_jobs
    from app.certificates.services import (
        auto_issue_on_completion,
        certified_registration_ids,
        valid_certificates_read,
        waiting_count,
    )
    from app.certificates.views import (
        bp,
        course_certificate_read,
        course_certificate_section,
        dashboard_certificate_section,
        person_certificate_section,
        session_certificate_section,
    )
    from app.courses import services as course_services
    from app.courses import views as course_views
    from app.workshops import attendance as workshop_attendance
    from app.workshops import views as workshop_views

    app.register_blueprint(bp)
    app.register_blueprint(open_badges_bp)  # Open Badges: downloads, keys, status lists
    if wants_commands(app):
        from app.certificates.cli import certificates_cli

        app.cli.add_command(certificates_cli)
    register_certificate_jobs()
    course_services.register_completion_listener(auto_issue_on_completion)
    course_views.register_course_section(course_certificate_section)
    course_views.register_course_read(course_certificate_read)
    course_views.register_dashboard_section(dashboard_certificate_section)
    course_views.register_dashboard_read(valid_certificates_read)
    workshop_views.register_session_section(session_certificate_section)
    workshop_attendance.register_attendance_lock(certified_registration_ids)
    register_admin_count(waiting_count)
    register_person_section(person_certificate_section)
