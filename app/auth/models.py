"""Accounts and agencies (OPD)."""

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.nip import PNS, PPPK, format_nip
from app.database import UTCDateTime, utcnow
from app.extensions import db
from app.institutions import models as institution_models  # noqa: F401  (relationships)

ROLES = ("learner", "trainer", "admin")
ROLE_LABELS = {"learner": _l("Peserta"), "trainer": _l("Pengajar"), "admin": _l("Admin")}

EMPLOYMENT_TYPES = (PNS, PPPK)
EMPLOYMENT_LABELS = {PNS: "PNS", PPPK: "PPPK"}

# UU 20/2023: managerial and non-managerial positions; the title itself is free text.
JABATAN_TYPES = {
    "jpt_utama": _l("JPT Utama"),
    "jpt_madya": _l("JPT Madya"),
    "jpt_pratama": _l("JPT Pratama"),
    "administrator": _l("Administrator"),
    "pengawas": _l("Pengawas"),
    "fungsional": _l("Fungsional"),
    "pelaksana": _l("Pelaksana"),
}

GOLONGAN_PNS = {
    "I/a": "Juru Muda", "I/b": "Juru Muda Tingkat I", "I/c": "Juru", "I/d": "Juru Tingkat I",
    "II/a": "Pengatur Muda", "II/b": "Pengatur Muda Tingkat I", "II/c": "Pengatur",
    "II/d": "Pengatur Tingkat I",
    "III/a": "Penata Muda", "III/b": "Penata Muda Tingkat I", "III/c": "Penata",
    "III/d": "Penata Tingkat I",
    "IV/a": "Pembina", "IV/b": "Pembina Tingkat I", "IV/c": "Pembina Utama Muda",
    "IV/d": "Pembina Utama Madya", "IV/e": "Pembina Utama",
}
# PPPK have no pangkat; their golongan run I–XVII.
GOLONGAN_PPPK = (
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X",
    "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII",
)
GOLONGAN_BY_TYPE = {PNS: tuple(GOLONGAN_PNS), PPPK: GOLONGAN_PPPK}


class Agency(db.Model):
    """An OPD (perangkat daerah), or a unit inside one (parent set)."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"))

    parent: Mapped["Agency | None"] = relationship(remote_side=[id])

    def __repr__(self):
        return f"<Agency {self.code}>"


# A released NIP (docs/admin.md, "serahkan NIP"): eight zeros are no birth date, so no real NIP
# starts like this; the account id keeps it unique.
RELEASED_NIP_PREFIX = "00000000"


def released_nip(user_id):
    return f"{RELEASED_NIP_PREFIX}{user_id:010d}"


class User(UserMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint("length(nip) = 18", name="nip_length"),
        CheckConstraint(f"employment_type IN {EMPLOYMENT_TYPES}", name="employment_type"),
        CheckConstraint(
            "is_learner OR is_trainer OR is_admin", name="has_role"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nip: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # Stored lower-cased so the unique constraint is case-insensitive.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    # Only a confirmed address receives password resets and notifications. Addresses set by
    # an admin (admin pages, `flask users create --email`, the roster import) are confirmed
    # when set; one a person types in themselves waits for its confirmation link, in
    # pending_email, while the confirmed one (if any) stays in use.
    email_confirmed_at: Mapped[object | None] = mapped_column(UTCDateTime)
    pending_email: Mapped[str | None] = mapped_column(String(254))
    # One email a day with everything instead of one per notification.
    email_digest: Mapped[bool] = mapped_column(Boolean, default=False)
    # Unread notifications, kept with them (app/notifications/services.py): the header's
    # badge costs no query, the user being loaded for every page anyway.
    unread_notifications: Mapped[int] = mapped_column(Integer, default=0)
    phone: Mapped[str | None] = mapped_column(String(20))  # the learner's own, optional
    password_hash: Mapped[str] = mapped_column(String(255))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id", ondelete="SET NULL"),
                                                  index=True)
    jabatan_type: Mapped[str | None] = mapped_column(String(32))
    jabatan_title: Mapped[str | None] = mapped_column(String(200))
    golongan: Mapped[str | None] = mapped_column(String(8))
    employment_type: Mapped[str] = mapped_column(String(8), default=PNS)
    # A fixed set of three roles: three flags are the simplest set the database can check.
    is_learner: Mapped[bool] = mapped_column(Boolean, default=True)
    is_trainer: Mapped[bool] = mapped_column(Boolean, default=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # An external account: a partner institution's trainer, without an OPD of the city.
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institution.id", ondelete="SET NULL"), index=True)
    # A trainer an admin allowed to write programmes in the browser (admins always may).
    programme_author: Mapped[bool] = mapped_column(Boolean, default=False)
    # An account `flask demo seed` made (docs/demo.md): its password is published, it wears a
    # "demo" badge, and `flask demo remove` deletes it with everything hanging off it. Reports
    # count it like any other account, so the demo's pages show its data.
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # Part of the login cookie: bumping it ends every session of this user everywhere.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # Set with a temporary password an admin handed out: the next login must choose a new one.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # Interface language ('id' or 'en'); None follows the browser's Accept-Language.
    language: Mapped[str | None] = mapped_column(String(5))
    # "Teks besar": a larger root font size on every page.
    large_text: Mapped[bool] = mapped_column(Boolean, default=False)
    # When an admin confirmed that this account belongs to the ASN whose NIP it carries.
    # Accounts made by admins, CSV import, the CLI and first-admin setup are trusted at creation
    # (the default); self-registration stores None, so a NIP typed by someone else earns no
    # certificate and counts in no report until an admin looks (docs/admin.md).
    verified_at: Mapped[object | None] = mapped_column(UTCDateTime, default=utcnow, index=True)
    verified_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[object | None] = mapped_column(UTCDateTime)

    # Loaded on demand: the per-request user load stays one narrow query; lists of people
    # (admin, trainer pages) join it explicitly.
    agency: Mapped[Agency | None] = relationship()
    institution = relationship("Institution")

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        return f"{self.id}:{self.session_version}"

    def login_token(self):
        """What Flask-Login stores in the session and remember-me cookie (its id_attribute):
        the id, the session version and a binding to this client (app/auth/login.py)."""
        from app.auth.login import login_token

        return login_token(self)

    @property
    def is_verified(self):
        return self.verified_at is not None

    @property
    def mail_address(self):
        """Where email may go: the confirmed address, or None."""
        return self.email if self.email and self.email_confirmed_at is not None else None

    @property
    def nip_released(self):
        return self.nip.startswith(RELEASED_NIP_PREFIX)

    @property
    def nip_display(self):
        return format_nip(self.nip)

    @property
    def roles(self):
        return {role for role in ROLES if getattr(self, f"is_{role}")}

    def has_role(self, role):
        return role in self.roles

    def set_roles(self, roles):
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles: {sorted(unknown)}")
        for role in ROLES:
            setattr(self, f"is_{role}", role in roles)

    def end_all_sessions(self):
        """Invalidate every login cookie of this user (logout everywhere, password change)."""
        self.session_version = (self.session_version or 1) + 1

    def __repr__(self):
        return f"<User {self.nip}>"
