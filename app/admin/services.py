"""People and agencies, as BKPSDM administers them. Services flush; the view commits.

Nobody is ever deleted: a person who leaves is deactivated (cannot log in, every session ends)
and their learning history, certificates and JP stay.
"""

from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import contains_eager, joinedload

from app.admin.menu import AdminCount
from app.audit import AuditEvent, record_event
from app.auth.models import ROLES, Agency, User, released_nip
from app.auth.passwords import hash_password, temporary_password
from app.auth.services import AccountError, create_user, email_taken, set_email_by_admin
from app.certificates.models import Certificate
from app.content.import_record import last_import
from app.database import utcnow
from app.errors import LmsError
from app.extensions import db
from app.settings import get_setting

PAGE_SIZE = 50


class AdminError(LmsError):
    """An admin action a rule refuses (locking oneself out, deleting a used agency, ...)."""


# --- finding people ----------------------------------------------------------------------------

@dataclass
class Page:
    items: list
    total: int
    page: int
    pages: int


def paginate(query, page, per_page=PAGE_SIZE):
    """One page of a select (two queries: count and rows); a page past the end shows the last."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items, total, page, pages)


def search_people(text=None, agency_id=None, role=None, active=None, unverified=False):
    """Users matching a NIP/name/e-mail fragment, an OPD (with its units), a role, a state."""
    query = (select(User).options(joinedload(User.agency), joinedload(User.institution))
             .order_by(func.lower(User.name), User.nip))
    if text:
        digits = "".join(ch for ch in text if ch.isdigit())
        pattern = f"%{text.lower()}%"
        conditions = [func.lower(User.name).like(pattern), User.email.like(pattern)]
        if digits:
            conditions.append(User.nip.like(f"%{digits}%"))
        query = query.where(or_(*conditions))
    if agency_id:
        units = select(Agency.id).where(Agency.parent_id == agency_id)
        query = query.where(or_(User.agency_id == agency_id, User.agency_id.in_(units)))
    if role in ROLES:
        query = query.where(getattr(User, f"is_{role}").is_(True))
    if active is not None:
        query = query.where(User.active.is_(active))
    if unverified:
        query = query.where(User.verified_at.is_(None), User.active.is_(True))
    return query


# --- changing people ---------------------------------------------------------------------------

def create_person(fields, actor):
    """A new account with a one-time password to hand over; returns (user, password)."""
    password = temporary_password()
    user = create_user(nip=fields["nip"], name=fields["name"], password=password,
                       roles=fields["roles"], email=fields.get("email"),
                       agency=fields.get("agency"), jabatan_type=fields.get("jabatan_type"),
                       jabatan_title=fields.get("jabatan_title"),
                       golongan=fields.get("golongan"))
    user.must_change_password = True
    user.programme_author = bool(fields.get("programme_author"))
    user.institution = fields.get("institution")
    user.verified_by_id = actor.id
    db.session.flush()
    record_event(actor, "user.create", "user", user.id, nip=user.nip,
                 roles=sorted(user.roles))
    return user, password


def update_person(user, fields, actor):
    """Change a person's data and roles; a role change is audited with before and after."""
    email = (fields.get("email") or "").strip().lower() or None
    if email and email_taken(email, except_user=user):
        raise AccountError(_("Email %(email)s sudah dipakai akun lain.", email=email))
    roles = set(fields["roles"])
    if user.id == actor.id and "admin" not in roles:
        raise AdminError(_("Anda tidak dapat mencabut peran admin Anda sendiri."))
    before = sorted(user.roles)
    user.name = fields["name"].strip()
    set_email_by_admin(user, email)
    user.agency = fields.get("agency")
    user.jabatan_type = fields.get("jabatan_type") or None
    user.jabatan_title = (fields.get("jabatan_title") or "").strip() or None
    user.golongan = fields.get("golongan") or None
    if "institution" in fields:
        user.institution = fields["institution"]
    user.set_roles(roles)
    author_before = user.programme_author
    user.programme_author = bool(fields.get("programme_author", author_before))
    db.session.flush()
    if sorted(roles) != before:
        record_event(actor, "user.roles", "user", user.id, nip=user.nip, before=before,
                     after=sorted(roles))
    extra = ({"programme_author": {"before": author_before, "after": user.programme_author}}
             if user.programme_author != author_before else {})
    record_event(actor, "user.update", "user", user.id, nip=user.nip, **extra)


def set_active(user, active, actor):
    """Deactivate (ends every session; history stays) or reactivate an account."""
    if user.id == actor.id and not active:
        raise AdminError(_("Anda tidak dapat menonaktifkan akun Anda sendiri."))
    if user.active == active:
        return
    user.active = active
    if not active:
        user.end_all_sessions()
    db.session.flush()
    record_event(actor, "user.activate" if active else "user.deactivate", "user", user.id,
                 nip=user.nip)


def reset_password(user, actor):
    """A temporary password the person must change at their next login; returns it (shown
    once to the admin, stored only as a hash). Every existing session of the user ends."""
    password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.end_all_sessions()
    db.session.flush()
    record_event(actor, "user.password_reset", "user", user.id, nip=user.nip)
    return password


# --- verifying self-registered accounts --------------------------------------------------------

def unverified_people():
    """Active self-registered accounts waiting for an admin, oldest first (a select to page)."""
    return (select(User).options(joinedload(User.agency))
            .where(User.verified_at.is_(None), User.active.is_(True))
            .order_by(User.created_at, User.id))


def verify_accounts(user_ids, actor):
    """Mark these accounts verified; returns how many changed.

    One conditional UPDATE: an account another admin verified (or deactivated) a moment ago is
    left alone and audited once, by whoever won. Each verified account gets its own audit
    event, naming the NIP that was confirmed."""
    if not user_ids:
        return 0
    rows = db.session.execute(
        update(User)
        .where(User.id.in_(user_ids), User.verified_at.is_(None), User.active.is_(True))
        .values(verified_at=utcnow(), verified_by_id=actor.id)
        .returning(User.id, User.nip)
        .execution_options(synchronize_session=False)).all()
    for user_id, nip in rows:
        record_event(actor, "user.verify", "user", user_id, nip=nip)
    db.session.flush()
    db.session.expire_all()  # objects loaded before still say "unverified"
    return len(rows)


def release_problem(user, actor):
    """Why this account's NIP may not be taken from it, or None."""
    if user.id == actor.id or user.is_admin:
        return _("NIP akun admin tidak dapat dilepas dari halaman ini.")
    if user.nip_released:
        return _("NIP akun ini sudah dilepas.")
    valid = db.session.scalar(select(func.count()).select_from(Certificate).where(
        Certificate.user_id == user.id, Certificate.revoked_at.is_(None)))
    if valid:
        # Each of those certificates prints this NIP for training its holder did: the admin
        # decides about them (revoke) before the NIP changes hands.
        return _("Akun ini memegang %(n)d sertifikat berlaku dengan NIP tersebut. Cabut "
                 "sertifikatnya dulu, lalu ulangi.", n=valid)
    return None


def release_nip(user, actor, reason):
    """Take the NIP away from an account: it is deactivated (every session ends), its NIP is
    replaced by a placeholder no real NIP can equal and its e-mail cleared, so both are free.
    Its learning history stays with it, credited to nobody else."""
    problem = release_problem(user, actor)
    if problem:
        raise AdminError(problem)
    nip, email = user.nip, user.email
    user.nip = released_nip(user.id)
    set_email_by_admin(user, None)
    user.active = False
    user.end_all_sessions()
    db.session.flush()
    record_event(actor, "user.nip_release", "user", user.id, nip=nip, email=email,
                 name=user.name, reason=reason)
    return nip


def reject_accounts(user_ids, actor):
    """Refuse these unverified accounts: each is deactivated and its NIP released (the NIP's
    owner can then register or be added). Returns how many were refused."""
    users = db.session.scalars(select(User).where(
        User.id.in_(user_ids or []), User.verified_at.is_(None), User.active.is_(True))).all()
    for user in users:
        release_nip(user, actor, reason="rejected")
    return len(users)


def hand_over_nip(holder, fields, actor):
    """Give a NIP held by the wrong account to its real owner: the holder's NIP is released
    (see release_nip) and a new, verified account with that NIP is made for the owner, with a
    temporary password to hand over. Returns (new user, password).

    A new account rather than the old one reset: the holder's enrolments, quiz attempts and JP
    credits stay with the holder, never credited to the owner without anyone deciding so."""
    nip = release_nip(holder, actor, reason="handover")
    user, password = create_person(dict(fields, nip=nip, roles=["learner"]), actor)
    db.session.flush()
    record_event(actor, "user.nip_handover", "user", user.id, nip=nip, from_user=holder.id)
    return user, password


# --- agencies ----------------------------------------------------------------------------------

def agencies_with_counts():
    """Every OPD and unit with its number of people, parents before their units."""
    people = (select(User.agency_id, func.count(User.id).label("n"))
              .group_by(User.agency_id).subquery())
    rows = db.session.execute(
        select(Agency, func.coalesce(people.c.n, 0))
        .outerjoin(people, people.c.agency_id == Agency.id)
        .order_by(func.lower(Agency.name))).all()
    by_parent = {}
    for agency, count in rows:
        by_parent.setdefault(agency.parent_id, []).append((agency, count))
    ordered = []
    for agency, count in by_parent.get(None, []):
        ordered.append((agency, count, 0))
        ordered.extend((unit, n, 1) for unit, n in by_parent.get(agency.id, []))
    return ordered


def top_level_agencies():
    return db.session.scalars(select(Agency).where(Agency.parent_id.is_(None))
                              .order_by(func.lower(Agency.name))).all()


def save_agency(agency, fields, actor):
    """Create (agency None) or update an OPD or a unit; codes are unique, one level deep."""
    code = fields["code"].strip().upper()
    taken = db.session.scalar(select(Agency.id).where(func.upper(Agency.code) == code))
    if taken is not None and (agency is None or taken != agency.id):
        raise AdminError(_("Kode %(code)s sudah dipakai OPD lain.", code=code))
    parent = fields.get("parent")
    if parent is not None and agency is not None and (
            parent.id == agency.id or _has_units(agency)):
        raise AdminError(_("OPD yang punya unit tidak dapat menjadi unit OPD lain."))
    created = agency is None
    if created:
        agency = Agency(code=code, name=fields["name"].strip())
        db.session.add(agency)
    agency.code, agency.name, agency.parent = code, fields["name"].strip(), parent
    db.session.flush()
    record_event(actor, "agency.create" if created else "agency.update", "agency", agency.id,
                 code=code, name=agency.name)
    return agency


def _has_units(agency):
    return db.session.scalar(select(exists().where(Agency.parent_id == agency.id)))


def delete_agency(agency, actor):
    """Only an OPD nobody belongs to and without units can go."""
    if _has_units(agency):
        raise AdminError(_("OPD %(name)s masih punya unit.", name=agency.name))
    if db.session.scalar(select(exists().where(User.agency_id == agency.id))):
        raise AdminError(_("OPD %(name)s masih punya pegawai; pindahkan mereka dulu.",
                           name=agency.name))
    db.session.delete(agency)
    db.session.flush()
    record_event(actor, "agency.delete", "agency", agency.id, code=agency.code)


# --- audit log ---------------------------------------------------------------------------------

def audit_events(action=None, actor_nip=None, since=None, until=None):
    """Audit events, newest first, filtered by action (prefix), actor and time (UTC bounds)."""
    query = (select(AuditEvent).outerjoin(AuditEvent.actor)
             .options(contains_eager(AuditEvent.actor))
             .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()))
    if action:
        query = query.where(AuditEvent.action.like(f"{action}%"))
    if actor_nip:
        query = query.where(User.nip == actor_nip)
    if since is not None:
        query = query.where(AuditEvent.created_at >= since)
    if until is not None:
        query = query.where(AuditEvent.created_at < until)
    return query


def audit_actions():
    """The distinct actions recorded so far, for the filter."""
    return db.session.scalars(select(AuditEvent.action).distinct()
                              .order_by(AuditEvent.action)).all()


# --- the admin home: what waits, and the first steps after setup ----------------------------

def unverified_count():
    waiting = db.session.scalar(select(func.count()).select_from(User).where(
        User.verified_at.is_(None), User.active.is_(True)))
    return AdminCount(_("Akun menunggu verifikasi"), waiting,
                      url_for("admin.index", _anchor="verifikasi"))


def inactive_count():
    inactive = db.session.scalar(select(func.count()).select_from(User)
                                 .where(User.active.is_(False)))
    return AdminCount(_("Akun nonaktif"), inactive, url_for("admin.people", status="nonaktif"))


def content_problems_count():
    record = last_import()
    if record is None:
        return None
    problems = len(record["problems"]) + (1 if record.get("failure") else 0)
    return AdminCount(_("Masalah pada impor konten terakhir"), problems,
                      url_for("admin.content_import"), urgent=True)


def first_steps():
    """[(done, label, endpoint)] of what a new installation needs before people use it; the
    admin home shows the list until every step is done. Two queries."""
    base_url = (get_setting("base_url") or "").strip()
    roster_imported = db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "users.import").limit(1)) is not None
    return [
        (bool(db.session.scalar(select(func.count()).select_from(Agency))),
         _("Daftar OPD dan unit terisi"), "admin.agencies"),
        (roster_imported, _("Data ASN diimpor dari CSV (impor roster)"), "admin.import_people"),
        (bool((get_setting("certificate.signer_name") or "").strip()),
         _("Penandatangan sertifikat diisi"), "certificates.settings"),
        (base_url.startswith("https://") and "127.0.0.1" not in base_url
         and "localhost" not in base_url,
         _("Alamat publik (https) untuk tautan verifikasi sertifikat diisi"),
         "certificates.settings"),
    ]
