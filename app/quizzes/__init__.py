"""Quizzes: GIFT-authored questions, attempts, grading; plugged into courses at start-up."""


def register_quizzes(app):
    """Blueprint, template filter, course/module page sections and the completion rule."""
    from app.admin.menu import register_admin_count, register_person_section
    from app.courses import services as course_services
    from app.courses import views as course_views
    from app.courses.module_parts import register_module_section
    from app.courses.outline_cache import register_outline_part
    from app.quizzes.models import GRADING_METHODS, Quiz
    from app.quizzes.overdue import register_overdue_attempts
    from app.quizzes.services import (
        essays_waiting_count,
        is_answered,
        quizzes_after_modules,
        quizzes_passed,
    )
    from app.quizzes.views import (
        bp,
        course_quiz_read,
        course_quiz_section,
        module_quiz_section,
        opening_pretest,
        person_attempt_section,
    )

    app.register_blueprint(bp)
    register_overdue_attempts()
    app.add_template_filter(lambda method: GRADING_METHODS.get(method, method), "grading_label")
    app.add_template_global(is_answered, "is_answered")
    course_services.register_completion_rule(quizzes_passed)
    course_services.register_start_step(opening_pretest)
    register_admin_count(essays_waiting_count)
    register_person_section(person_attempt_section)
    course_views.register_course_section(course_quiz_section)
    course_views.register_course_read(course_quiz_read)
    register_module_section(module_quiz_section)
    register_outline_part("quizzes_after", quizzes_after_modules, Quiz)
