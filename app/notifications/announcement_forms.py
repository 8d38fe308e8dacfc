"""The admin's form for a new announcement. The date is a WITA calendar day; the form hands
the services the last second of that day. The date rule lives in
announcement_services.ends_on_problem."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from app.auth.models import Agency
from app.extensions import db
from app.forms import CalendarDateField, KompetenForm, select_choices, whole_number
from app.notifications.announcement_services import (
    AUDIENCES,
    CHOSEN_OPD,
    DEFAULT_DAYS,
    EVERYONE,
    end_of_day,
    ends_on_problem,
)
from app.timeutil import now_in_palu
from app.workshops.forms import MultiCheckboxField

MAX_TITLE = 200
MAX_BODY = 20_000


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _default_end():
    return now_in_palu().date() + timedelta(days=DEFAULT_DAYS)


class AnnouncementForm(KompetenForm):
    title = StringField(
        _l("Judul pengumuman"), filters=[_strip],
        validators=[DataRequired(_l("Isi judul pengumuman.")),
                    Length(max=MAX_TITLE, message=_l("Judul paling panjang %(n)d karakter.",
                                                     n=MAX_TITLE))])
    body = TextAreaField(
        _l("Isi pengumuman (Markdown)"), filters=[_strip],
        description=_l("Tampil utuh di halaman pengumuman; di beranda hanya judulnya. Tautan "
                       "ditulis [teks](https://…)."),
        validators=[DataRequired(_l("Isi teks pengumuman.")),
                    Length(max=MAX_BODY, message=_l("Isi pengumuman paling panjang %(n)d "
                                                    "karakter.", n=MAX_BODY))])
    audience = RadioField(_l("Penerima"), choices=select_choices(AUDIENCES.items()),
                          default=EVERYONE,
                          validators=[InputRequired(_l("Pilih penerima pengumuman."))])
    agencies = MultiCheckboxField(
        _l("OPD penerima"), coerce=whole_number,
        description=_l("Hanya bila penerimanya OPD tertentu; pegawai unit ikut OPD induknya."))
    ends_on = CalendarDateField(
        _l("Tampil di beranda sampai (WITA)"), default=_default_end,
        description=_l("Sampai akhir hari itu; paling lama satu tahun."),
        validators=[InputRequired(_l("Isi tanggal akhir tayang."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.agencies.choices = select_choices(db.session.execute(
            select(Agency.id, Agency.name).where(Agency.parent_id.is_(None))
            .order_by(Agency.name)).all())

    def validate_agencies(self, field):
        if self.audience.data == CHOSEN_OPD and not field.data:
            raise ValidationError(_l("Pilih sekurang-kurangnya satu OPD penerima."))

    def validate_ends_on(self, field):
        problem = ends_on_problem(field.data, now_in_palu().date()) if field.data else None
        if problem:
            raise ValidationError(problem)

    def values(self):
        """The form as create_announcement takes it: Agency objects, an aware end time."""
        chosen = (self.agencies.data or []) if self.audience.data == CHOSEN_OPD else []
        return {
            "title": self.title.data, "body": self.body.data,
            "agencies": db.session.scalars(select(Agency).where(Agency.id.in_(chosen))
                                           .order_by(Agency.name)).all() if chosen else [],
            "ends_at": end_of_day(self.ends_on.data),
        }
