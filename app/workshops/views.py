"""The agenda: upcoming workshops and webinars, a session's page, registering, cancelling,
checking in with a code, and calendar files (one session, or a learner's secret feed)."""

from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from app.courses.forms import ActionForm, action_or_400
from app.courses.outline_cache import course_outline
from app.database import utcnow
from app.extensions import db, limiter
from app.formats import short_time, weekday_date
from app.hooks import Hook
from app.templating import wita_datetime
from app.timeutil import palu_date
from app.web import external_url, limit_text
from app.workshops import attendance, calendar, queries, services
from app.workshops.access import can_manage_session, session_or_404
from app.workshops.forms import CheckInForm

bp = Blueprint("workshops", __name__, template_folder="templates", url_prefix="/agenda")

# Extra panels other packages add to a session's page (certificates: the learner's
# certificate); each is called with (user, session, registration) and returns HTML or None.
SESSION_SECTIONS = Hook()
register_session_section = SESSION_SECTIONS.register
ICS_MIME = "text/calendar"
FEED_DAYS = 180  # a feed carries sessions that ended at most this long ago


@bp.app_template_filter("session_when")
def session_when(session):
    """'Selasa, 3 November 2026, 09.00–12.00 WITA'; a session over several days shows both
    ends in full."""
    start, end = session.starts_at, session.ends_at
    if palu_date(start) == palu_date(end):
        # The interface language's short time: "09.00" in Indonesian, "9:00 AM" in English.
        return f"{weekday_date(start)}, {short_time(start)}–{short_time(end)} WITA"
    return f"{wita_datetime(start)} – {wita_datetime(end)}"


def _to_session(session, anchor=None):
    return redirect(url_for(".session_page", session_id=session.id, _anchor=anchor))



@bp.route("/")
def agenda():
    sessions = queries.upcoming_sessions()
    mine = queries.registrations_by_session(current_user, [s.id for s in sessions])
    return render_template("workshops/agenda.html", sessions=sessions, mine=mine)


def _page_state(session, registration, now):
    return {
        "registration": registration,
        "problem": (services.registration_problem(session, current_user, now)
                    if current_user.is_authenticated else None),
        "show_link": (attendance.can_see_link(session, registration, now)
                      or (bool(session.meeting_url)
                          and can_manage_session(current_user, session))),
        "link_from": attendance.link_shows_from(session),
        "checkin_open": attendance.is_checkin_open(session, now),
        "checkin_window": attendance.checkin_window(session),
        "can_cancel": (registration is not None and not registration.has_attended
                       and registration.status != "cancelled"
                       and (now < session.starts_at or session.is_cancelled)),
    }


@bp.route("/<int:session_id>")
def session_page(session_id):
    session = session_or_404(session_id)
    registration = services.registration_of(current_user, session)
    sections = [html for html in (section(current_user, session, registration)
                                  for section in SESSION_SECTIONS) if html]
    return render_template("workshops/session.html", session=session,
                           action_form=ActionForm(), checkin_form=CheckInForm(),
                           sections=sections, **_page_state(session, registration, utcnow()))


@bp.route("/<int:session_id>/daftar", methods=["POST"])
@login_required
def register(session_id):
    session = session_or_404(session_id)
    action_or_400()
    try:
        registration = services.register_learner(session, current_user)
    except services.WorkshopError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _to_session(session)
    db.session.commit()
    if registration.is_registered:
        flash(_("Anda terdaftar di %(title)s.", title=session.title), "success")
    else:
        flash(_("Kursi penuh: Anda masuk daftar tunggu. Anda otomatis mendapat kursi bila ada "
                "peserta yang membatalkan."), "info")
    return _to_session(session)


@bp.route("/<int:session_id>/batal", methods=["POST"])
@login_required
def cancel(session_id):
    session = session_or_404(session_id)
    action_or_400()
    registration = services.registration_of(current_user, session)
    if registration is None:
        flash(_("Anda tidak terdaftar di sesi ini."), "error")
        return _to_session(session)
    try:
        services.cancel_registration(registration)
    except services.WorkshopError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _to_session(session)
    db.session.commit()
    flash(_("Pendaftaran Anda di %(title)s dibatalkan.", title=session.title), "success")
    return _to_session(session)


def _checkin_limit():
    return current_app.config["CHECKIN_RATE_LIMIT"]


@bp.route("/<int:session_id>/presensi", methods=["POST"])
@login_required
# Per learner, so nobody can try codes until one fits (31^6 codes; this makes it hopeless).
@limiter.limit(_checkin_limit, key_func=lambda: f"checkin:{current_user.id}",
               error_message=lambda: limit_text(_checkin_limit()))
def check_in(session_id):
    session = session_or_404(session_id)
    form = CheckInForm()
    if not form.validate_on_submit():
        flash(" ".join(str(error) for error in form.code.errors)
              or _("Isi kode presensi."), "error")
        return _to_session(session, "presensi")
    try:
        recorded = attendance.check_in(session, current_user, form.code.data)
    except services.WorkshopError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _to_session(session, "presensi")
    db.session.commit()
    if recorded:
        flash(_("Kehadiran Anda tercatat. %(jp)d JP masuk ke catatan JP Anda.",
                jp=session.jp), "success")
    else:
        flash(_("Kehadiran Anda sudah tercatat sebelumnya."), "info")
    return _to_session(session)


def _ics_response(body, filename=None):
    headers = {"Cache-Control": "private, no-store"}
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(body, mimetype=ICS_MIME, headers=headers)


@bp.route("/<int:session_id>.ics")
def session_ics(session_id):
    session = session_or_404(session_id)
    event = calendar.session_event(session, url_for(".session_page", session_id=session.id))
    return _ics_response(calendar.calendar_bytes([event], session.title),
                         f"sesi-{session.id}.ics")


@bp.route("/saya")
@login_required
def mine():
    feed = calendar.feed_of(current_user)
    return render_template(
        "workshops/mine.html", registrations=queries.registrations_of(current_user),
        feed_url=(external_url(".feed", token=feed.token)
                  if feed is not None else None),
        action_form=ActionForm())


@bp.route("/saya/kalender", methods=["POST"])
@login_required
def regenerate_feed():
    action_or_400()
    had_feed = calendar.feed_of(current_user) is not None
    calendar.regenerate_feed(current_user)
    db.session.commit()
    flash(_("Alamat kalender baru dibuat; alamat lama tidak berlaku lagi.") if had_feed
          else _("Alamat kalender Anda dibuat."), "success")
    return redirect(url_for(".mine", _anchor="kalender"))


@bp.route("/kalender/<token>.ics")
def feed(token):
    """A learner's sessions for a calendar app: the token is the only key (404 if wrong)."""
    user = calendar.user_for_feed(token)
    if user is None:
        abort(404)
    since = utcnow() - timedelta(days=FEED_DAYS)
    events = [calendar.session_event(s, url_for(".session_page", session_id=s.id))
              for s in queries.feed_sessions(user, since)]
    return _ics_response(calendar.calendar_bytes(events, _("Sesi Kompeten saya")))


# --- panels on other pages ---------------------------------------------------------------------

def _dashboard_now():
    """One "now" per request for the dashboard's places: the page reads them with the
    progress (dashboard_read), and a read is answered from there only with equal parameters."""
    if "workshops_dashboard_now" not in g:
        g.workshops_dashboard_now = utcnow()
    return g.workshops_dashboard_now


def dashboard_read(user):
    """The learner's places, read with the dashboard's progress (app/batched_reads.py)."""
    return queries.places_read(user, _dashboard_now())


def dashboard_section(user, progress):
    """The learner's coming sessions and a few open to them, on the dashboard."""
    now = _dashboard_now()
    places = queries.places_since(user, now)
    # Every session still open for registration ends after now: its place, if any, is here.
    suggestions = queries.open_sessions_for(
        user, now, registered_ids={place.session_id for place in places})
    return Markup(render_template("workshops/_dashboard_section.html",
                                  registrations=places, suggestions=suggestions))


def course_section(user, course, modules, _progress):
    # From the course's cached outline: no statement of its own on the course page.
    sessions = queries.upcoming_course_sessions(course_outline(course.slug))
    if not sessions:
        return None
    return Markup(render_template("workshops/_course_section.html", sessions=sessions))
