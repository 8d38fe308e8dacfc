"""Running Kompeten for real: health check for load balancers and consistent backups."""


def register_operations(app):
    from app.operations.backup import backup_command
    from app.operations.health import bp

    app.register_blueprint(bp)
    app.cli.add_command(backup_command)
