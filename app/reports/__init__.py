"""Read-only reports: the yearly JP ledger, OPD summaries, course funnels, CSV/XLSX exports."""


def register_reports(app):
    from app.reports.views import bp

    app.register_blueprint(bp)
