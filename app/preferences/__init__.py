"""Display preferences anyone may set: the interface language and larger text."""


def register_preferences(app):
    from app.preferences.views import bp

    app.register_blueprint(bp)
