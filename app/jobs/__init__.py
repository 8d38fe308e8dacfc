"""Background jobs: heavy work (certificates in bulk, big exports and imports, nightly backups)
runs on a queue (Huey) in a separate consumer process, never inside a web request."""


def register_jobs(app):
    """The queue, the job kinds, /admin/tugas, and `flask jobs`."""
    from flask_babel import lazy_gettext as _l

    from app import wants_commands
    from app.admin.menu import register_admin_count, register_admin_page
    from app.jobs import services
    from app.jobs.periodic import register_job_housekeeping
    from app.jobs.queue import configure_queue
    from app.jobs.views import bp

    configure_queue(app)
    register_job_housekeeping()
    app.register_blueprint(bp)
    if wants_commands(app):
        from app.jobs.cli import jobs_cli

        app.cli.add_command(jobs_cli)
    register_admin_count(services.running_count)
    register_admin_count(services.failed_count)
    register_admin_page("jobs.index", _l("Tugas latar"),
                        _l("sertifikat massal, ekspor besar, cadangan: kemajuan dan kegagalan"))
