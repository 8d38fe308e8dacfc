"""Read-only report queries, aggregated in SQL.

Every table costs a fixed number of statements whatever the data: one grouped query per table
(plus a count for paged tables); Python only turns result rows into row objects. Year bounds
are computed in Python (WITA calendar year -> UTC timestamps, or plain dates for manual
credits), so the SQL is the same on SQLite and PostgreSQL.

Definitions (docs/reports.md):
- ASN: an active, verified account with the learner role (self-registered accounts count once
  an admin has verified them).
- JP of a year: Course.jp of every enrolment completed in that WITA year, plus JpCredit.jp of
  every manual credit whose earned_on date falls in that year, plus WorkshopSession.jp of every
  session the ASN attended (attendance recorded) that started in that WITA year.
- OPD: a top-level agency; units (agencies with a parent) roll up into their top-level OPD.
- Course funnel of a year: the enrolments made in that WITA year, followed to today: how many
  started, completed and hold a valid (not revoked) certificate.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from heapq import merge

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import aliased

from app.auth.models import Agency, User
from app.auth.nip import PNS, PPPK
from app.certificates.models import Certificate
from app.courses.models import Course, Enrollment, JpCredit, JpYearTotal
from app.extensions import db
from app.settings import jp_target_for
from app.timeutil import palu_date, year_bounds_utc
from app.workshops.models import SessionRegistration, WorkshopSession

PER_PAGE = 50
NO_OPD = "tanpa"  # the OPD filter value for ASN without an agency


# --- shared building blocks -------------------------------------------------------------------

def credit_date_bounds(year):
    """[first, after) of a calendar year as dates: credits are dated in WITA already."""
    return date(year, 1, 1), date(year + 1, 1, 1)


def percent(part, whole):
    """part/whole as a percentage with one decimal (half up), or None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def average(total, count):
    if not count:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def opd_roots():
    """agency id -> id of its top-level OPD, for units at any depth (a recursive CTE)."""
    roots = (select(Agency.id.label("agency_id"), Agency.id.label("opd_id"))
             .where(Agency.parent_id.is_(None))
             .cte("opd_roots", recursive=True))
    unit = aliased(Agency)
    return roots.union_all(
        select(unit.id, roots.c.opd_id).join(roots, unit.parent_id == roots.c.agency_id))


def is_asn():
    """Who a compliance report counts. A self-registered account an admin has not verified is
    left out: its NIP may be someone else's, and its JP must not make an OPD look compliant."""
    return and_(User.active.is_(True), User.is_learner.is_(True), User.verified_at.is_not(None))


def unverified_count():
    """Active learner accounts left out of every report until an admin verifies them."""
    return db.session.scalar(select(func.count()).select_from(User).where(
        User.active.is_(True), User.is_learner.is_(True), User.verified_at.is_(None)))


def top_level_opds():
    """(id, name) of every top-level OPD, by name: filter choices and summary rows."""
    return db.session.execute(select(Agency.id, Agency.name)
                              .where(Agency.parent_id.is_(None))
                              .order_by(Agency.name, Agency.id)).all()


def jp_per_user(year, user_id=None):
    """One row per ASN (or for one given user): OPD id, JP from courses, credits and attended
    sessions, target.

    The JP come from the yearly totals (app/reports/jp_totals.py keeps them equal to the
    detailed rows), so a city's ledger reads one row per person instead of summing every
    enrolment. The targets come from the settings and enter the SQL as a CASE on the
    employment type, so "below target" filters and counts happen in the database.
    """
    roots = opd_roots()
    totals = (select(JpYearTotal).where(JpYearTotal.year == year)
              .subquery("jp_year_total"))
    course_jp = func.coalesce(totals.c.course_jp, 0)
    credit_jp = func.coalesce(totals.c.credit_jp, 0)
    session_jp = func.coalesce(totals.c.session_jp, 0)
    target = case((User.employment_type == PPPK, jp_target_for(PPPK)),
                  else_=jp_target_for(PNS))
    query = (select(User.id.label("user_id"), User.nip, User.name, User.employment_type,
                    roots.c.opd_id, course_jp.label("course_jp"), credit_jp.label("credit_jp"),
                    session_jp.label("session_jp"),
                    func.coalesce(totals.c.total, 0).label("total"), target.label("target"))
             .outerjoin(totals, totals.c.user_id == User.id)
             .outerjoin(roots, roots.c.agency_id == User.agency_id))
    query = query.where(User.id == user_id) if user_id is not None else query.where(is_asn())
    return query.subquery("jp_per_user")


# --- JP ledger --------------------------------------------------------------------------------

@dataclass(frozen=True)
class LedgerFilters:
    year: int
    opd: object = None  # None = all, an OPD id, or NO_OPD
    employment_type: str | None = None
    below_target: bool = False


@dataclass(frozen=True)
class LedgerRow:
    user_id: int
    nip: str
    name: str
    opd: str | None
    employment_type: str
    course_jp: int
    credit_jp: int
    session_jp: int
    total: int
    target: int

    @property
    def reached(self):
        return self.total >= self.target


@dataclass(frozen=True)
class LedgerTotals:
    asn: int
    course_jp: int
    credit_jp: int
    session_jp: int
    total: int
    reached: int

    @property
    def below(self):
        return self.asn - self.reached


@dataclass(frozen=True)
class LedgerPage:
    rows: list
    totals: LedgerTotals
    page: int
    pages: int
    per_page: int


def _filtered(jp, filters):
    conditions = []
    if filters.opd == NO_OPD:
        conditions.append(jp.c.opd_id.is_(None))
    elif filters.opd is not None:
        conditions.append(jp.c.opd_id == filters.opd)
    if filters.employment_type:
        conditions.append(jp.c.employment_type == filters.employment_type)
    if filters.below_target:
        conditions.append(jp.c.total < jp.c.target)
    return conditions


def _ledger_select(filters):
    jp = jp_per_user(filters.year)
    opd = aliased(Agency)
    # ASN without an OPD last on both databases (NULLs sort differently on each).
    return (select(jp.c.user_id, jp.c.nip, jp.c.name, opd.name.label("opd"),
                   jp.c.employment_type, jp.c.course_jp, jp.c.credit_jp, jp.c.session_jp,
                   jp.c.total, jp.c.target)
            .outerjoin(opd, opd.id == jp.c.opd_id)
            .where(*_filtered(jp, filters))
            .order_by(case((opd.id.is_(None), 1), else_=0), opd.name, jp.c.name, jp.c.user_id))


def ledger_totals(filters):
    jp = jp_per_user(filters.year)
    reached = func.sum(case((jp.c.total >= jp.c.target, 1), else_=0))
    row = db.session.execute(
        select(func.count(), func.sum(jp.c.course_jp), func.sum(jp.c.credit_jp),
               func.sum(jp.c.session_jp), func.sum(jp.c.total), reached)
        .where(*_filtered(jp, filters))).one()
    return LedgerTotals(*(int(value or 0) for value in row))


def _ledger_row(row):
    return LedgerRow(row.user_id, row.nip, row.name, row.opd, row.employment_type,
                     int(row.course_jp), int(row.credit_jp), int(row.session_jp),
                     int(row.total), int(row.target))


def ledger_page(filters, page=1, per_page=PER_PAGE):
    """One page of the ledger plus the totals of every matching ASN; an out-of-range page
    number is clamped to the last page."""
    totals = ledger_totals(filters)
    pages = max(1, -(-totals.asn // per_page))
    page = min(max(1, page), pages)
    result = db.session.execute(
        _ledger_select(filters).limit(per_page).offset((page - 1) * per_page))
    return LedgerPage([_ledger_row(r) for r in result], totals, page, pages, per_page)


def ledger_rows(filters):
    """Every matching row, in page order, fetched in batches: downloads of big tables."""
    result = db.session.execute(_ledger_select(filters).execution_options(yield_per=1000))
    try:
        for row in result:
            yield _ledger_row(row)
    finally:
        result.close()  # a download stopped half-way must not leave a server-side cursor


def user_jp(user, year):
    """The ledger numbers of one user (whatever their roles): the learner's own page."""
    jp = jp_per_user(year, user_id=user.id)
    row = db.session.execute(select(jp.c.course_jp, jp.c.credit_jp, jp.c.session_jp,
                                    jp.c.total, jp.c.target)).one()
    return LedgerRow(user.id, user.nip, user.name, None, user.employment_type,
                     int(row.course_jp), int(row.credit_jp), int(row.session_jp),
                     int(row.total), int(row.target))


# --- OPD summary ------------------------------------------------------------------------------

@dataclass(frozen=True)
class OpdRow:
    opd_id: int | None
    name: str
    asn: int
    reached: int
    jp: int

    @property
    def below(self):
        return self.asn - self.reached

    @property
    def share(self):
        return percent(self.reached, self.asn)

    @property
    def average_jp(self):
        return average(self.jp, self.asn)


@dataclass(frozen=True)
class OpdSummary:
    rows: list
    total: OpdRow


def opd_summary(year, no_opd_label):
    """One row per top-level OPD (units rolled up), then "Tanpa OPD" when anyone has none.

    One grouped query over the ASN, one for the OPD names; merging ~40 rows is all Python does.
    """
    jp = jp_per_user(year)
    reached = func.sum(case((jp.c.total >= jp.c.target, 1), else_=0))
    grouped = {row.opd_id: row for row in db.session.execute(
        select(jp.c.opd_id, func.count().label("asn"), reached.label("reached"),
               func.sum(jp.c.total).label("jp"))
        .group_by(jp.c.opd_id))}
    rows = [_opd_row(opd_id, name, grouped.get(opd_id)) for opd_id, name in top_level_opds()]
    if None in grouped:
        rows.append(_opd_row(None, no_opd_label, grouped[None]))
    total = OpdRow(None, "", sum(r.asn for r in rows), sum(r.reached for r in rows),
                   sum(r.jp for r in rows))
    return OpdSummary(rows, total)


def _opd_row(opd_id, name, counts):
    if counts is None:
        return OpdRow(opd_id, name, 0, 0, 0)
    return OpdRow(opd_id, name, int(counts.asn), int(counts.reached or 0), int(counts.jp or 0))


# --- course funnel ----------------------------------------------------------------------------

@dataclass(frozen=True)
class FunnelRow:
    label: str
    enrolled: int
    started: int
    completed: int
    certified: int
    slug: str | None = None
    code: str | None = None

    @property
    def completion_share(self):
        return percent(self.completed, self.enrolled)


def _funnel_select(year, group_column):
    """Funnel counts over the enrolments ASN made in the year, grouped by one column."""
    start, end = year_bounds_utc(year)
    valid = (select(Certificate.enrollment_id)
             .where(Certificate.revoked_at.is_(None))
             .distinct()
             .subquery("valid_certificate"))
    # A completed enrolment was started, even when no start was recorded (imported history).
    started = or_(Enrollment.started_at.is_not(None), Enrollment.completed_at.is_not(None))
    return (select(group_column,
                   func.count(Enrollment.id).label("enrolled"),
                   func.sum(case((started, 1), else_=0)).label("started"),
                   func.count(Enrollment.completed_at).label("completed"),
                   func.count(valid.c.enrollment_id).label("certified"))
            .select_from(Enrollment)
            .join(User, User.id == Enrollment.user_id)
            .outerjoin(valid, valid.c.enrollment_id == Enrollment.id)
            .where(is_asn(), Enrollment.enrolled_at >= start, Enrollment.enrolled_at < end)
            .group_by(group_column))


def _funnel_total(rows, label):
    return FunnelRow(label, sum(r.enrolled for r in rows), sum(r.started for r in rows),
                     sum(r.completed for r in rows), sum(r.certified for r in rows))


def funnel_by_course(year, total_label):
    """Published courses and any course with enrolments that year, by code; and a total."""
    counts = _funnel_select(year, Enrollment.course_id).subquery("funnel")
    result = db.session.execute(
        select(Course.code, Course.title, Course.slug,
               *(func.coalesce(getattr(counts.c, name), 0).label(name)
                 for name in ("enrolled", "started", "completed", "certified")))
        .outerjoin(counts, counts.c.course_id == Course.id)
        .where(or_(Course.status == "published", counts.c.enrolled.is_not(None)))
        .order_by(Course.code))
    rows = [FunnelRow(f"{r.code} · {r.title}", int(r.enrolled), int(r.started or 0),
                      int(r.completed), int(r.certified), slug=r.slug, code=r.code)
            for r in result]
    return rows, _funnel_total(rows, total_label)


def funnel_by_opd(course, year, no_opd_label, total_label):
    """One course's funnel per top-level OPD with enrolments that year; and a total."""
    roots = opd_roots()
    grouped = {row.opd_id: row for row in db.session.execute(
        _funnel_select(year, roots.c.opd_id)
        .outerjoin(roots, roots.c.agency_id == User.agency_id)
        .where(Enrollment.course_id == course.id))}
    names = [(opd_id, name) for opd_id, name in top_level_opds() if opd_id in grouped]
    if None in grouped:
        names.append((None, no_opd_label))
    rows = [FunnelRow(name, int(grouped[opd_id].enrolled), int(grouped[opd_id].started or 0),
                      int(grouped[opd_id].completed), int(grouped[opd_id].certified))
            for opd_id, name in names]
    return rows, _funnel_total(rows, total_label)


# --- training history -------------------------------------------------------------------------

COURSE_KIND = "course"
SESSION_KIND = "session"
CREDIT_KIND = "credit"
# Rows of one person and day: courses, then sessions, then manual credits.
KIND_ORDER = {COURSE_KIND: 0, SESSION_KIND: 1, CREDIT_KIND: 2}


@dataclass(frozen=True)
class HistoryRow:
    nip: str
    name: str
    opd: str | None
    kind: str  # COURSE_KIND, SESSION_KIND or CREDIT_KIND
    code: str
    title: str
    provider: str
    enrolled_on: date | None
    started_on: date | None
    completed_on: date
    jp: int
    certificate_number: str | None
    note: str
    credit_id: int | None = None
    has_evidence: bool = False


def _history_select(source, user_id_column, *columns):
    """select(NIP, name, top-level OPD name, *columns) from `source`, joined to its user (by
    `user_id_column`) and that user's OPD: the common part of every history query."""
    roots = opd_roots()
    opd = aliased(Agency)
    return (select(User.nip, User.name, opd.name.label("opd"), *columns)
            .select_from(source)
            .join(User, User.id == user_id_column)
            .outerjoin(roots, roots.c.agency_id == User.agency_id)
            .outerjoin(opd, opd.id == roots.c.opd_id))


def _valid_certificate_of(condition):
    return and_(condition, Certificate.revoked_at.is_(None))


def _course_history(year, user_id):
    query = (_history_select(Enrollment, Enrollment.user_id, Course.code, Course.title,
                             Course.provider, Enrollment.enrolled_at, Enrollment.started_at,
                             Enrollment.completed_at, Course.jp, Certificate.number)
             .join(Course, Course.id == Enrollment.course_id)
             .outerjoin(Certificate,
                        _valid_certificate_of(Certificate.enrollment_id == Enrollment.id))
             .where(Enrollment.completed_at.is_not(None))
             .order_by(User.nip, Enrollment.completed_at, Course.code))
    if year is not None:
        start, end = year_bounds_utc(year)
        query = query.where(Enrollment.completed_at >= start, Enrollment.completed_at < end)
    return _scoped(query, user_id)


def _credit_history(year, user_id):
    query = (_history_select(JpCredit, JpCredit.user_id, JpCredit.id, JpCredit.title,
                             JpCredit.provider, JpCredit.earned_on, JpCredit.jp, JpCredit.note,
                             JpCredit.evidence_name)
             .order_by(User.nip, JpCredit.earned_on, JpCredit.id))
    if year is not None:
        first, after = credit_date_bounds(year)
        query = query.where(JpCredit.earned_on >= first, JpCredit.earned_on < after)
    return _scoped(query, user_id)


def _session_history(year, user_id):
    query = (_history_select(SessionRegistration, SessionRegistration.user_id,
                             WorkshopSession.title, WorkshopSession.provider,
                             SessionRegistration.created_at, WorkshopSession.starts_at,
                             WorkshopSession.ends_at, WorkshopSession.jp, Certificate.number)
             .join(WorkshopSession, WorkshopSession.id == SessionRegistration.session_id)
             .outerjoin(Certificate, _valid_certificate_of(
                 Certificate.registration_id == SessionRegistration.id))
             .where(SessionRegistration.attended_at.is_not(None))
             .order_by(User.nip, WorkshopSession.ends_at, WorkshopSession.id))
    if year is not None:
        # JP count in the WITA year the session started, like the ledger.
        start, end = year_bounds_utc(year)
        query = query.where(WorkshopSession.starts_at >= start, WorkshopSession.starts_at < end)
    return _scoped(query, user_id)


def _scoped(query, user_id):
    return query.where(User.id == user_id) if user_id is not None else query.where(is_asn())


def _course_history_row(r):
    return HistoryRow(r.nip, r.name, r.opd, COURSE_KIND, r.code, r.title, r.provider,
                      palu_date(r.enrolled_at), palu_date(r.started_at),
                      palu_date(r.completed_at), int(r.jp), r.number, "")


def _session_history_row(r):
    return HistoryRow(r.nip, r.name, r.opd, SESSION_KIND, "", r.title, r.provider,
                      palu_date(r.created_at), palu_date(r.starts_at), palu_date(r.ends_at),
                      int(r.jp), r.number, "")


def _credit_history_row(r):
    return HistoryRow(r.nip, r.name, r.opd, CREDIT_KIND, "", r.title, r.provider, None, None,
                      r.earned_on, int(r.jp), None, r.note or "", credit_id=r.id,
                      has_evidence=r.evidence_name is not None)


def _by_person_and_date(row):
    return (row.nip, row.completed_on, KIND_ORDER[row.kind])


def training_history(year=None, user_id=None):
    """Completed courses, attended sessions and manual credits, by NIP and date: one user's
    (any roles), or every ASN's. Three queries; course rows are fetched in batches so a whole
    year can stream."""
    credits = [_credit_history_row(r) for r in
               db.session.execute(_credit_history(year, user_id))]
    sessions = [_session_history_row(r) for r in
                db.session.execute(_session_history(year, user_id))]
    result = db.session.execute(_course_history(year, user_id)
                                .execution_options(yield_per=1000))
    try:
        yield from _merge((_course_history_row(r) for r in result), sessions, credits)
    finally:
        result.close()  # a download stopped half-way must not leave a server-side cursor


def _merge(*streams):
    """Merge sorted streams by (NIP, date); courses, sessions, then credits on the same day."""
    yield from merge(*streams, key=_by_person_and_date)


def find_user_by_nip(nip):
    return db.session.scalar(select(User).where(User.nip == nip))
