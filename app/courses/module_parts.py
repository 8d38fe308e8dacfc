"""The module page's parts that depend only on the content, rendered once per content version
and reused for every learner, with each learner's ticks put in on the way out.

A module page is mostly the same for everyone: the breadcrumb, the course index, the module's
text, the sections other packages add under it (its quizzes, the way into the discussion) and
the pager. They change only when the content does (the content version,
app/courses/outline_cache.py), and with the interface language, whether the page is a preview
(an editor not enrolled: no ticks), and the path the app is served under. That tuple with the
course and module is the cache key; the content version is kept with the entry and compared
(`cached_for_content`), so an edit through any worker shows on the next request.

What differs per learner is rendered per request by courses/module.html: the progress bar and
the "selesai" form. The index's ticks sit inside a cached part, so it carries a mark per module
(`DONE_MARK`) that `fill_ticks` replaces with the learner's state.

The cache lives on the app and holds at most MAX_ENTRIES entries (one module's text and index,
typically 5–20 KB): a city's catalogue of a few dozen modules in two languages fits, and when a
larger one does not, the oldest entry goes first.
"""

import re

from flask import current_app, request
from markupsafe import Markup

from app.courses.outline_cache import cached_for_content
from app.hooks import Hook
from app.i18n import current_language

MAX_ENTRIES = 200
# A mark built from a control character that page text has no use for. Were a mark's exact
# form ever typed into content, it would only become nothing or a tick (our own markup).
DONE_MARK = "\x1f{kind}{module_id}\x1f"
_MARKS = re.compile("\x1f([ct])(\\d+)\x1f")

# Functions (course, module) -> Markup or None, shown under a module (its quizzes, its
# discussion). They may depend on the content only: what they return is cached with the page.
MODULE_SECTIONS = Hook()
register_module_section = MODULE_SECTIONS.register


def tick_marks():
    """The template's helpers for the per-learner marks (module pages' index, course pages'
    module list)."""
    def mark(kind):
        return lambda module_id: Markup(DONE_MARK.format(kind=kind, module_id=module_id))

    return {"done_class_mark": mark("c"), "tick_mark": mark("t")}


def module_parts(outline, module, preview):
    """The cached parts of this module's page: `top`, `layout` (with marks) and `bottom`,
    and `tick` (the tick's markup in this language)."""
    key = (outline.course.id, module.id, current_language(), preview, request.script_root)
    return cached_for_content("module_parts", key, lambda: _render(outline, module, preview),
                              MAX_ENTRIES)


def _render(outline, module, preview):
    course, modules = outline.course, outline.modules
    index = next(i for i, m in enumerate(modules) if m.id == module.id)
    sections = [html for html in (section(course, module) for section in MODULE_SECTIONS)
                if html]
    template = current_app.jinja_env.get_template("courses/_module_parts.html")
    rendered = template.make_module({
        "course": course, "module": module, "modules": modules, "position": index + 1,
        "previous_module": modules[index - 1] if index > 0 else None,
        "next_module": modules[index + 1] if index + 1 < len(modules) else None,
        "placed_quizzes": outline.parts.get("quizzes_after", {}), "sections": sections,
        "preview": preview, **tick_marks()})
    return {name: str(getattr(rendered, name)) for name in ("top", "layout", "bottom", "tick")}


def fill_ticks(layout, tick, done_ids):
    """The cached index with this learner's modules marked done (class and tick)."""
    def mark(match):
        if int(match.group(2)) not in done_ids:
            return ""
        return " done" if match.group(1) == "c" else tick

    return Markup(_MARKS.sub(mark, layout))
