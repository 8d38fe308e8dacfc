"""Course discussions: learners ask, trainers answer, everyone learns from the answers
(docs/discussion.md)."""


def register_discussion(app):
    """The blueprint, the search index's session hook, and the panels on the course page, the
    module pages and the trainers' workshop page."""
    from app.authoring.gradebook import register_gradebook_column
    from app.authoring.views import register_workbench_section
    from app.courses.module_parts import register_module_section
    from app.courses.views import register_course_section
    from app.discussion import index
    from app.discussion.services import gradebook_posts_column
    from app.discussion.views import bp, course_section, module_section, workbench_section
    from app.search.index import register_index_rebuild

    app.register_blueprint(bp)
    register_course_section(course_section)
    register_module_section(module_section)
    register_workbench_section(workbench_section)
    register_index_rebuild(index.rebuild)
    register_gradebook_column(gradebook_posts_column)
