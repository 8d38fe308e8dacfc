"""Search inside the courses: the index (models, kept current by index.py), the query
(services.py) and the /cari page."""


def register_search(app):
    # Importing the index module also installs the session hooks that keep the index current.
    from app import wants_commands
    from app.search.index import search_cli
    from app.search.views import bp

    app.register_blueprint(bp)
    if wants_commands(app):
        app.cli.add_command(search_cli)
