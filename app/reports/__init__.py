"""Read-only reports: the yearly JP ledger, OPD summaries, course funnels, CSV/XLSX exports;
plus manual JP credits (credit_services.py, the package's only writes) and the learner's own
ledger (/jp-saya)."""


def register_reports(app):
    from flask_babel import lazy_gettext as _l

    from app import wants_commands
    from app.admin.menu import register_admin_page
    from app.reports.export_jobs import register_export_jobs
    from app.reports.jp_totals import reports_cli  # also keeps the yearly JP totals current
    from app.reports.views import bp

    app.register_blueprint(bp)
    if wants_commands(app):
        app.cli.add_command(reports_cli)
    register_export_jobs()
    register_admin_page("reports.index", _l("Laporan"),
                        _l("JP per ASN, ringkasan OPD, corong kursus, riwayat pelatihan"))
    register_admin_page("reports.credit_form", _l("Kredit JP manual"),
                        _l("JP dari webinar atau pelatihan klasikal di luar Kompeten"))
