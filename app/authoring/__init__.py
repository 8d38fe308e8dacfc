"""Trainers' workshop: write courses, modules and quizzes in the browser, follow learners."""


def register_authoring(app):
    """The /pengajar blueprint (editor views and the learner reports share it)."""
    from app.authoring import learner_views, question_views  # noqa: F401  (their routes)
    from app.authoring.views import bp
    from app.content.media import upload_limit_bytes
    from app.courses.models import COURSE_STATUSES
    from app.settings import get_setting

    app.register_blueprint(bp)
    app.add_template_global(lambda status: COURSE_STATUSES.get(status, status),
                            "course_status_label")
    app.add_template_global(lambda: upload_limit_bytes() // 1024, "upload_max_kb")
    app.add_template_global(lambda: int(get_setting("jp.minutes") or 45), "jp_minutes")
