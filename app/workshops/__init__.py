"""Workshops and webinars: scheduled sessions with registration, a waiting list, attendance
(by the trainer or with a check-in code), JP for attended sessions and calendar export."""


def register_workshops(app):
    """Both blueprints, the JP of attended sessions, and the panels on other pages."""
    from flask_babel import lazy_gettext as _l

    from app.admin.menu import register_admin_page
    from app.auth.models import Agency
    from app.courses import services as course_services
    from app.courses import views as course_views
    from app.courses.outline_cache import register_content_models, register_outline_part
    from app.workshops import manage_views, views
    from app.workshops.models import WorkshopSession
    from app.workshops.queries import attended_jp_of, course_sessions_part

    app.register_blueprint(views.bp)
    app.register_blueprint(manage_views.bp)
    course_services.register_jp_source(attended_jp_of)
    course_views.register_dashboard_section(views.dashboard_section)
    course_views.register_dashboard_read(views.dashboard_read)
    course_views.register_course_section(views.course_section)
    register_outline_part("sessions", course_sessions_part, WorkshopSession)
    # The sessions open to each agency are kept per content version (queries.open_sessions_for).
    register_content_models(Agency, new_rows_count=False)
    register_admin_page("workshop_manage.index", _l("Workshop dan webinar"),
                        _l("jadwalkan sesi, catat kehadiran, kode presensi"))
