"""Running Kompeten for real: health check for load balancers, consistent backups, and the
load benchmark's data set (`flask bench seed`), and the security report
(`flask security check`)."""


def register_operations(app):
    from app import wants_commands
    from app.operations.health import bp
    from app.operations.nightly_backup import register_nightly_backup

    app.register_blueprint(bp)
    register_nightly_backup()
    if wants_commands(app):
        from app.operations.backup import backup_command
        from app.operations.bench import bench_cli
        from app.operations.bench_issuing import waiting_command  # noqa: F401  (adds to bench_cli)
        from app.operations.security_check import security_cli

        app.cli.add_command(backup_command)
        app.cli.add_command(bench_cli)
        app.cli.add_command(security_cli)
