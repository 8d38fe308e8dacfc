"""The programme editor's form: the same fields as a programme file, checked by the same rules
(files.read_steps for the steps), so what the browser saves exports as a file that imports back
unchanged."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from app.auth.models import JABATAN_TYPES, Agency
from app.content.loader import SLUG
from app.courses.models import Course
from app.extensions import db
from app.forms import (
    MAX_DIGITS,
    CalendarDateField,
    CheckboxesField,
    KompetenForm,
    select_choices,
)
from app.programmes.files import SESSION_KEY, read_steps, written_steps
from app.programmes.models import PROGRAMME_STATUSES, Programme
from app.workshops.models import WorkshopSession


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def steps_text(programme):
    """The steps as the form shows them: one per line, `SPBE-101` or `sesi: webinar`."""
    return "\n".join(item if isinstance(item, str) else f"{SESSION_KEY}: {item[SESSION_KEY]}"
                     for item in written_steps(programme))


def _step_items(text):
    """The typed lines as a file's `steps` list: codes, {sesi: kind} or {sesi: number}."""
    items = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        key, colon, value = line.partition(":")
        if colon and key.strip().casefold() == SESSION_KEY:
            value = value.strip()
            number = value.isascii() and value.isdigit() and len(value) <= MAX_DIGITS
            items.append({SESSION_KEY: int(value) if number else value.casefold()})
        else:
            items.append(line.upper())
    return items


class ProgrammeForm(KompetenForm):
    title = StringField(_l("Judul program"), filters=[_strip], validators=[
        DataRequired(_l("Isi judul program.")),
        Length(max=200, message=_l("Judul paling panjang %(n)d karakter.", n=200))])
    slug = StringField(
        _l("Alamat (slug)"), filters=[_strip],
        description=_l("Bagian alamat /program/…; tidak dapat diubah setelah dibuat."),
        validators=[DataRequired(_l("Isi alamat program, mis. literasi-digital-2027.")),
                    Length(max=100, message=_l("Alamat paling panjang %(n)d karakter.", n=100)),
                    Regexp(SLUG, message=_l("Hanya huruf kecil, angka dan tanda hubung, mis. "
                                            "literasi-digital-2027."))])
    provider = StringField(_l("Penyelenggara"), filters=[_strip], default="BKPSDM Kota Palu",
                           validators=[DataRequired(_l("Isi penyelenggara program.")),
                                       Length(max=200, message=_l(
                                           "Penyelenggara paling panjang %(n)d karakter.",
                                           n=200))])
    summary = StringField(_l("Ringkasan"), filters=[_strip], validators=[
        Optional(), Length(max=300, message=_l("Ringkasan paling panjang %(n)d karakter.",
                                               n=300))])
    description = TextAreaField(_l("Uraian (Markdown)"), filters=[_strip], validators=[
        Length(max=50_000, message=_l("Uraian paling panjang %(n)d karakter.", n=50_000))])
    steps = TextAreaField(
        _l("Langkah, berurutan"),
        description=_l("Satu langkah per baris: kode kursus (mis. SPBE-101), 'sesi: webinar' "
                       "atau 'sesi: klasikal' untuk sesi apa saja dari jenis itu, atau "
                       "'sesi: 12' untuk sesi nomor 12."),
        validators=[DataRequired(_l("Isi sekurang-kurangnya satu langkah."))])
    agencies = CheckboxesField(
        _l("Untuk OPD"), coerce=str,
        description=_l("Tidak ada yang dipilih: untuk semua OPD. Pegawai unit ikut OPD "
                       "induknya."))
    jabatan = CheckboxesField(
        _l("Untuk jenis jabatan"), coerce=str,
        choices=select_choices(JABATAN_TYPES.items()),
        description=_l("Tidak ada yang dipilih: untuk semua jenis jabatan."))
    mandatory = BooleanField(_l("Wajib bagi sasarannya"))
    due_on = CalendarDateField(_l("Tenggat (WITA)"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=select_choices(PROGRAMME_STATUSES.items()),
                         default="draft")

    def __init__(self, *args, programme=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.agencies.choices = select_choices(db.session.execute(
            select(Agency.code, Agency.name).order_by(Agency.name)).all())
        self.target_steps = []

    def validate_slug(self, field):
        taken = db.session.scalar(select(Programme.id).where(Programme.slug == field.data))
        if taken is not None and (self.programme is None or taken != self.programme.id):
            raise ValidationError(_l("Alamat ini sudah dipakai program lain."))

    def validate_steps(self, field):
        codes = set(db.session.scalars(select(Course.code)))
        sessions = set(db.session.scalars(select(WorkshopSession.id)))
        self.target_steps, problems = read_steps(_step_items(field.data), codes, sessions)
        if problems:
            raise ValidationError("; ".join(problems))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        # Here, not in validate_due_on: Optional() ends the field's checks when it is empty.
        if self.mandatory.data and self.due_on.data is None and not self.due_on.errors:
            self.due_on.errors = [*self.due_on.errors, _l("Program wajib perlu tenggat.")]
            valid = False
        return valid
