"""Institutions that provide training: BKPSDM itself, other OPD, universities, ministries.
Courses, workshop sessions and programmes point at one (their provider); trainers from a
partner are external accounts of that institution (docs/institutions.md)."""


def register_institutions(app):
    from flask_babel import lazy_gettext as _l

    from app.admin.menu import register_admin_page
    from app.courses.outline_cache import register_outline_part
    from app.institutions import links  # noqa: F401  (installs the session hook)
    from app.institutions.models import Institution
    from app.institutions.services import provider_of
    from app.institutions.views import admin_bp, bp

    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
    register_outline_part("provider", provider_of, Institution)
    register_admin_page("institution_admin.index", _l("Penyelenggara"),
                        _l("BKPSDM, OPD, universitas dan kementerian mitra, dengan logonya"))
