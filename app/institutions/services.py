"""Institutions: the admin's list and form, the public provider page, logos."""

import hashlib

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.audit import record_event
from app.content.media import PILLOW_FORMATS, inspect_bytes
from app.courses.models import Course
from app.errors import LmsError
from app.extensions import db
from app.institutions.links import LINKED, clean_name, find_institution, slug_for
from app.institutions.models import Institution
from app.programmes.models import Programme
from app.workshops.models import WorkshopSession


class InstitutionError(LmsError):
    """An institution rule said no (a name taken, a logo that is not an image)."""


def institutions():
    return db.session.scalars(select(Institution).order_by(
        Institution.is_home.desc(), Institution.name)).all()


def usage_counts():
    """{institution id: number of courses, sessions and programmes it provides}."""
    counts = {}
    for model in LINKED:
        for institution_id, count in db.session.execute(
                select(model.institution_id, func.count()).where(
                    model.institution_id.is_not(None)).group_by(model.institution_id)):
            counts[institution_id] = counts.get(institution_id, 0) + count
    return counts


def _name_problem(name, institution):
    other = find_institution(db.session, name)
    if other is not None and other is not institution:
        return _("Nama atau singkatan %(name)s sudah dipakai penyelenggara %(other)s.",
                 name=name, other=other.name)
    return None


def save_institution(institution, fields, actor):
    """Create (institution None) or change one. A new name is written into the provider of
    every course, session and programme it provides, in the same transaction."""
    name, short = clean_name(fields["name"]), clean_name(fields.get("short_name"))
    for value in filter(None, (name, short)):
        with db.session.no_autoflush:
            problem = _name_problem(value, institution)
        if problem:
            raise InstitutionError(problem)
    created = institution is None
    if created:
        taken = set(db.session.scalars(select(Institution.slug)))
        institution = Institution(slug=slug_for(name, taken), name=name)
        db.session.add(institution)
    old_name = institution.name
    institution.name, institution.short_name = name, short
    institution.kind, institution.is_home = fields["kind"], bool(fields.get("is_home"))
    db.session.flush()
    if not created and old_name != name:
        for model in LINKED:
            db.session.execute(update(model).where(model.institution_id == institution.id)
                               .values(provider=name))
    record_event(actor, "institution.create" if created else "institution.update",
                 "institution", institution.id, name=name, kind=institution.kind)
    return institution


def set_logo(institution, data, actor):
    """Check the upload like course media (an image only: no PDF), and store it."""
    mime, problem = inspect_bytes(data)
    if problem is None and mime not in PILLOW_FORMATS:
        problem = _("logo harus gambar PNG, JPEG, GIF atau WebP")
    if problem:
        raise InstitutionError(_("Logo ditolak: %(problem)s.", problem=problem))
    institution.logo, institution.logo_mime = data, mime
    institution.logo_version += 1
    db.session.flush()
    record_event(actor, "institution.logo", "institution", institution.id,
                 sha256=hashlib.sha256(data).hexdigest()[:16])


def remove_logo(institution, actor):
    institution.logo, institution.logo_mime = None, None
    institution.logo_version += 1
    db.session.flush()
    record_event(actor, "institution.logo", "institution", institution.id, sha256=None)


def provided_by(institution, now):
    """What the provider page lists: published courses, sessions still to come, published
    programmes. Three queries."""
    courses = db.session.scalars(select(Course).where(
        Course.institution_id == institution.id, Course.status == "published")
        .order_by(Course.code)).all()
    sessions = db.session.scalars(select(WorkshopSession).where(
        WorkshopSession.institution_id == institution.id, WorkshopSession.ends_at >= now,
        WorkshopSession.status == "scheduled").order_by(WorkshopSession.starts_at)).all()
    programmes = db.session.scalars(select(Programme).where(
        Programme.institution_id == institution.id, Programme.status == "published")
        .order_by(Programme.title)).all()
    return courses, sessions, programmes


def provider_of(session, course):
    """The course page's link to its provider, cached with the course outline (a change to an
    institution changes the content version, app/courses/outline_cache.py)."""
    if course.institution_id is None:
        return None
    slug, name = session.execute(select(Institution.slug, Institution.name).where(
        Institution.id == course.institution_id)).one()
    return {"slug": slug, "name": name}
