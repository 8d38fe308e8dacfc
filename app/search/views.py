"""/cari: words inside course descriptions, module texts and workshop descriptions, ranked,
with a highlighted snippet and a link to the module's section. `?kursus=<slug>` keeps the
search inside one course (the box on the course and module pages)."""

from flask import Blueprint, render_template, request
from sqlalchemy import select

from app.courses.models import Course
from app.search import services
from app.search.forms import SearchForm
from app.web import one_or_404

bp = Blueprint("search", __name__, template_folder="templates")


def _course_in(form):
    slug = (form.kursus.data or "").strip()
    if not slug:
        return None
    return one_or_404(select(Course).where(Course.slug == slug[:100],
                                           Course.status == "published"))


@bp.route("/cari")
def results():
    form = SearchForm(request.args)
    course = _course_in(form)
    asked = bool(request.args.get("q", "").strip())
    valid = asked and form.validate()
    hits = services.search(form.q.data, course) if valid else []
    return render_template("search/results.html", form=form, course=course, hits=hits,
                           asked=asked, valid=valid,
                           page_size=services.PAGE_SIZE)
