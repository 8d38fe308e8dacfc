"""The course page's parts that depend only on the content, rendered once per content version
and reused for every visitor, with an enrolled learner's ticks put in on the way out (the same
scheme as the module page, app/courses/module_parts.py).

Shared: the breadcrumb, title and facts (with the prerequisites), the module list, the course's
search box and its description. The module list has two forms: with links to the modules for
the enrolled, and plain titles for everyone else; and the download link only for those who
may download. What is the visitor's own (their status, the enrol button, the missing
prerequisites, the sections other packages add) is rendered per request by courses/course.html.
"""

from flask import current_app, request

from app.courses.module_parts import MAX_ENTRIES, fill_ticks, tick_marks
from app.courses.outline_cache import cached_for_content
from app.i18n import current_language


def course_parts(outline, enrolled, may_download):
    """The cached parts of this course's page: `head`, `module_list` (with marks), `tick`,
    `search` and `about`."""
    key = (outline.course.id, current_language(), enrolled, may_download, request.script_root)
    return cached_for_content("course_parts", key,
                              lambda: _render(outline, enrolled, may_download), MAX_ENTRIES)


def _render(outline, enrolled, may_download):
    template = current_app.jinja_env.get_template("courses/_course_parts.html")
    rendered = template.make_module({
        "course": outline.course, "modules": outline.modules,
        "required": outline.parts.get("prerequisites", ()),
        "provider": outline.parts.get("provider"), "enrolled": enrolled,
        "may_download": may_download, **tick_marks()})
    return {name: str(getattr(rendered, name))
            for name in ("head", "module_list", "tick", "search", "about")}


def module_list(parts, done_ids):
    """The cached module list with this learner's finished modules marked."""
    return fill_ticks(parts["module_list"], parts["tick"], done_ids)
