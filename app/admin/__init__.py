"""Administration for BKPSDM: people, agencies, bulk import, settings and the audit log."""


def register_admin(app):
    """The /admin blueprint (people, agencies, settings, audit; the CSV import shares it)."""
    from flask_babel import lazy_gettext as _l

    from app import wants_commands
    from app.admin import (
        people_import_views,  # noqa: F401  (adds its routes to bp)
        services,
    )
    from app.admin.import_job import register_import_job
    from app.admin.menu import (
        admin_menu,
        register_admin_count,
        register_admin_page,
        register_person_section,
    )
    from app.admin.views import bp
    from app.admin.waiver_views import person_waiver_section  # (adds its routes to bp)
    from app.audit import action_label, detail_lines
    from app.auth.models import ROLE_LABELS, ROLES
    from app.courses.views import person_learning_section

    app.register_blueprint(bp)
    for count in (services.unverified_count, services.inactive_count,
                  services.content_problems_count):
        register_admin_count(count)
    register_person_section(person_learning_section)
    register_person_section(person_waiver_section)
    register_import_job()
    if wants_commands(app):
        from app.admin.cli import import_users_command
        from app.auth.cli import users_cli

        users_cli.add_command(import_users_command)
    app.add_template_global(admin_menu, "admin_menu")
    app.add_template_global(action_label, "audit_action")
    app.add_template_global(detail_lines, "audit_details")
    app.add_template_global(
        lambda user: ", ".join(str(ROLE_LABELS[role]) for role in ROLES if role in user.roles),
        "role_labels")
    register_admin_page("certificates.admin_courses", _l("Sertifikat"),
                        _l("terbitkan, cabut dan terbitkan ulang"))
