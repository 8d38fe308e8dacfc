"""Forms: scheduling a session (trainers, admins) and checking in with a code (learners).

Times are typed in WITA (the datetime-local input); the form hands UTC to the services. The
scheduling rules live in services.schedule_problems, shown here under the field they concern.
"""

from datetime import UTC

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from wtforms import (
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from app.auth.models import Agency
from app.courses.models import COMPETENCY_TYPES, Course, course_owner
from app.extensions import db
from app.forms import (
    CalendarDateTimeField,
    KompetenForm,
    WholeNumberField,
    select_choices,
    whole_number,
)
from app.timeutil import PALU_TZ
from app.workshops.models import AUDIENCES, SESSION_KINDS
from app.workshops.services import MAX_CAPACITY, MAX_JP, MIN_JP, schedule_problems

MAX_DESCRIPTION = 50_000
TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _web_address(form, field):
    if field.data and not field.data.lower().startswith(("https://", "http://")):
        raise ValidationError(_l("Tautan harus diawali https:// atau http://"))
    if field.data and any(ch.isspace() for ch in field.data):
        raise ValidationError(_l("Tautan tidak boleh memuat spasi."))


def wita_field(label, required_message=None, description=None):
    validators = ([InputRequired(required_message)] if required_message else [Optional()])
    return CalendarDateTimeField(label, format=TIME_FORMATS, tz=PALU_TZ, description=description,
                                 validators=validators)


def to_utc(moment):
    return moment.astimezone(UTC) if moment is not None else None


def _linkable_courses(user, session):
    """Courses a session may belong to: all for admins, a trainer's own courses (and the one
    the session already has), in one query."""
    query = select(Course.id, Course.code, Course.title).order_by(Course.code)
    if user is not None and not user.is_admin:
        allowed = [Course.id.in_(select(course_owner.c.course_id)
                                 .where(course_owner.c.user_id == user.id))]
        if session is not None and session.course_id:
            allowed.append(Course.id == session.course_id)
        query = query.where(or_(*allowed))
    return db.session.execute(query).all()


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SessionForm(KompetenForm):
    title = StringField(_l("Judul sesi"), filters=[_strip],
                        validators=[DataRequired(_l("Isi judul sesi.")), Length(max=200)])
    kind = SelectField(_l("Jenis sesi"), choices=select_choices(SESSION_KINDS.items()))
    provider = StringField(_l("Penyelenggara"), filters=[_strip],
                           description=_l("Mis. BKPSDM Kota Palu, Diskominfo, atau universitas "
                                          "mitra."),
                           validators=[DataRequired(_l("Isi penyelenggara.")), Length(max=200)])
    competency = SelectField(_l("Jenis kompetensi"),
                             choices=select_choices(COMPETENCY_TYPES.items()))
    starts_at = wita_field(_l("Mulai (WITA)"), _l("Isi waktu mulai."))
    ends_at = wita_field(_l("Selesai (WITA)"), _l("Isi waktu selesai."))
    place = StringField(_l("Tempat"), filters=[_strip],
                        description=_l("Untuk workshop tatap muka, mis. Aula BKPSDM Kota Palu."),
                        validators=[Optional(), Length(max=300)])
    meeting_url = StringField(
        _l("Tautan rapat"), filters=[_strip],
        description=_l("Untuk webinar. Hanya terlihat oleh peserta terdaftar, menjelang sesi "
                       "dimulai."),
        validators=[Optional(), Length(max=500), _web_address])
    capacity = WholeNumberField(_l("Kapasitas (peserta)"), validators=[
        InputRequired(_l("Isi kapasitas.")),
        NumberRange(min=1, max=MAX_CAPACITY,
                    message=_l("Kapasitas harus antara 1 dan %(n)d peserta.", n=MAX_CAPACITY))])
    jp = WholeNumberField(_l("JP yang diberikan"), validators=[
        InputRequired(_l("Isi jumlah JP.")),
        NumberRange(min=MIN_JP, max=MAX_JP,
                    message=_l("JP harus antara %(low)d dan %(high)d.", low=MIN_JP,
                               high=MAX_JP))])
    course = SelectField(_l("Bagian dari kursus (opsional)"), coerce=whole_number)
    registration_deadline = wita_field(
        _l("Batas pendaftaran (WITA, opsional)"),
        description=_l("Kosongkan bila pendaftaran dibuka sampai sesi dimulai."))
    audience = RadioField(_l("Peserta"), choices=select_choices(AUDIENCES.items()),
                          default="all")
    agencies = MultiCheckboxField(_l("OPD peserta"), coerce=whole_number,
                                  description=_l("Hanya bila peserta dari OPD tertentu; unit "
                                                 "ikut OPD induknya."))
    description = TextAreaField(
        _l("Deskripsi (Markdown)"), validators=[Optional(), Length(max=MAX_DESCRIPTION)],
        description=_l("Tujuan, sasaran peserta, susunan acara. Judul bagian ditulis dengan ##."))

    def __init__(self, *args, user=None, session=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.course.choices = select_choices(
            [(0, _l("— tidak terkait kursus —"))]
            + [(c.id, f"{c.code} · {c.title}") for c in _linkable_courses(user, session)])
        self.agencies.choices = select_choices(db.session.execute(
            select(Agency.id, Agency.name).where(Agency.parent_id.is_(None))
            .order_by(Agency.name)).all())

    def values(self):
        """The form as the services take it: UTC times, a Course and Agency objects."""
        chosen = self.agencies.data or []
        return {
            "title": self.title.data, "description": self.description.data or "",
            "kind": self.kind.data, "provider": self.provider.data,
            "competency": self.competency.data, "starts_at": to_utc(self.starts_at.data),
            "ends_at": to_utc(self.ends_at.data), "place": self.place.data or "",
            "meeting_url": self.meeting_url.data or "", "capacity": self.capacity.data,
            "jp": self.jp.data,
            "course": db.session.get(Course, self.course.data) if self.course.data else None,
            "registration_deadline": to_utc(self.registration_deadline.data),
            "audience": self.audience.data,
            "agencies": db.session.scalars(select(Agency).where(Agency.id.in_(chosen))).all()
            if chosen and self.audience.data == "opd" else [],
        }

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        problems = schedule_problems(self.values(), self.session)
        self.show_problems(problems)
        return not problems

    def show_problems(self, problems):
        for name, message in problems:
            getattr(self, name).errors.append(message)


def session_form_data(session):
    """A session as the form shows it (times in WITA via the fields' tz)."""
    return {
        "title": session.title, "kind": session.kind, "provider": session.provider,
        "competency": session.competency, "starts_at": session.starts_at,
        "ends_at": session.ends_at, "place": session.place,
        "meeting_url": session.meeting_url, "capacity": session.capacity, "jp": session.jp,
        "course": session.course_id or 0,
        "registration_deadline": session.registration_deadline,
        "audience": session.audience, "agencies": [a.id for a in session.agencies],
        "description": session.description_source,
    }


class CheckInForm(KompetenForm):
    code = StringField(_l("Kode presensi"), filters=[_strip],
                       description=_l("Kode yang ditampilkan pengajar selama sesi."),
                       validators=[DataRequired(_l("Isi kode presensi.")), Length(max=20)])
