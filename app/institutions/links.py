"""Every course, workshop session and programme points at the institution its provider names.

Courses and programmes come from files (`provider: Universitas Tadulako`) and from forms, and
sessions from forms; rather than teach each way in about institutions, one session hook
resolves the provider text of whatever is flushed: the institution with that name or short
name, or a new one (its kind guessed from the name, for an admin to correct). The provider
text stays on the row as the name shown, and renaming an institution rewrites it
(services.update_institution), so the two never disagree.
"""

import re

from sqlalchemy import event, func, inspect, or_, select
from sqlalchemy.orm import Session

from app.courses.models import Course
from app.institutions.models import Institution
from app.programmes.models import Programme
from app.workshops.models import WorkshopSession

LINKED = (Course, WorkshopSession, Programme)
# The first hint a lower-cased name contains decides its kind; the rest is "other".
KIND_HINTS = (
    ("university", ("universitas", "institut ", "politeknik", "sekolah tinggi", "akademi")),
    ("ministry", ("kementerian", "badan siber", "bssn", "lembaga administrasi negara",
                  "bpsdm provinsi", "badan pengembangan sumber daya manusia provinsi",
                  "badan kepegawaian negara")),
    ("opd", ("kota palu", "bkpsdm", "dinas ", "badan ", "sekretariat", "inspektorat",
             "kecamatan", "kelurahan", "rsud", "satuan polisi", "bagian ", "disdukcapil",
             "diskominfo", "dpmptsp", "bappeda", "bapperida")),
)
HOME_PREFIX = "bkpsdm"


def clean_name(name):
    return " ".join((name or "").split())


def guess_kind(name):
    lowered = clean_name(name).casefold() + " "
    return next((kind for kind, hints in KIND_HINTS if any(hint in lowered for hint in hints)),
                "other")


def slug_for(name, taken):
    base = re.sub(r"[^a-z0-9]+", "-", clean_name(name).casefold()).strip("-")[:90] or "mitra"
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def find_institution(session, name):
    name = clean_name(name).casefold()
    return session.scalar(select(Institution).where(or_(
        func.lower(Institution.name) == name,
        (Institution.short_name != "") & (func.lower(Institution.short_name) == name))))


def _new_institution(session, name):
    taken = set(session.scalars(select(Institution.slug)))
    return Institution(name=clean_name(name), slug=slug_for(name, taken),
                       kind=guess_kind(name),
                       is_home=clean_name(name).casefold().startswith(HOME_PREFIX))


def _needs_link(session, obj):
    if obj.institution_id is None and obj.institution is None:
        return True
    return obj in session.dirty and inspect(obj).attrs.provider.history.has_changes()


@event.listens_for(Session, "before_flush")
def _link_providers(session, _context, _instances):
    made = {}  # new institutions of this flush, by lower-cased name
    with session.no_autoflush:
        for obj in (*session.new, *session.dirty):
            if not isinstance(obj, LINKED) or not clean_name(obj.provider) \
                    or not _needs_link(session, obj):
                continue
            key = clean_name(obj.provider).casefold()
            institution = made.get(key) or find_institution(session, obj.provider)
            if institution is None:
                institution = made[key] = _new_institution(session, obj.provider)
                session.add(institution)
            obj.institution = institution
            obj.provider = institution.name
