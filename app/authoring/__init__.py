"""Trainers' workshop: write courses, modules and quizzes in the browser, follow learners."""


def register_authoring(app):
    """The /pengajar blueprint (editor views and the learner reports share it)."""
    from app.authoring import learner_views  # noqa: F401  (adds its routes to bp)
    from app.authoring.views import bp

    app.register_blueprint(bp)
