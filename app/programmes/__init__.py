"""Programmes: ordered training paths (courses, then workshops or webinars) that BKPSDM
publishes for everyone or for chosen OPD and jabatan, optionally mandatory by a due date
(docs/programmes.md)."""


def register_programmes(app):
    from flask_babel import lazy_gettext as _l

    from app.admin.menu import register_admin_page
    from app.auth.models import Agency
    from app.courses.outline_cache import register_content_models, register_outline_part
    from app.courses.views import (
        register_catalogue_section,
        register_course_section,
        register_dashboard_notice,
    )
    from app.notifications.reminders import JP_REMINDER_EXTRAS
    from app.programmes.admin_views import bp as report_bp
    from app.programmes.certificates import register_programme_certificates
    from app.programmes.editor import bp as editor_bp
    from app.programmes.models import Programme, ProgrammeStep
    from app.programmes.reminders import remind_overdue
    from app.programmes.services import in_published_programme
    from app.programmes.views import bp, catalogue_panel, course_panel, dashboard_panel

    app.register_blueprint(bp)
    app.register_blueprint(report_bp)
    app.register_blueprint(editor_bp)
    register_programme_certificates()
    register_admin_page("programme_editor.index", _l("Program pelatihan"),
                        _l("susun program: langkah, sasaran, wajib dan tenggat"))
    register_admin_page("programme_reports.index", _l("Laporan program"),
                        _l("per program dan OPD: selesai, sesuai jadwal, tertinggal, terlambat"))
    register_dashboard_notice(dashboard_panel)
    register_course_section(course_panel)
    # Whether any published programme has the course as a step, kept with the course's outline
    # so that the course page of a course in no programme asks nothing more.
    register_outline_part("in_programme", in_published_programme, Programme, ProgrammeStep)
    # The programmes for each audience are kept per content version (services.programmes_for).
    register_content_models(Agency, new_rows_count=False)
    register_catalogue_section(catalogue_panel)
    if remind_overdue not in JP_REMINDER_EXTRAS:
        JP_REMINDER_EXTRAS.append(remind_overdue)
    app.add_template_filter(jabatan_label, "jabatan_label")


def jabatan_label(kind):
    from app.auth.models import JABATAN_TYPES

    return JABATAN_TYPES.get(kind, kind)
