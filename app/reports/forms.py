"""Report filters (read from the query string) and the manual JP credit form.

A filter value that does not parse gets a message on its field and the page falls back to the
default for that field, so a hand-edited address never ends in an error page.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.auth.nip import PNS, PPPK, InvalidNip, parse_nip
from app.content.media import inspect_bytes, upload_limit_bytes
from app.formats import long_date
from app.forms import CalendarDateField, KompetenForm, WholeNumberField, select_choices
from app.reports.exports import FORMATS
from app.reports.queries import NO_OPD, find_user_by_nip
from app.timeutil import current_year, now_in_palu

FIRST_YEAR = 2000
MAX_JP = 200


class WholeNumberBetween:
    """A range check that stays quiet when the value did not parse (WTForms already said so)."""

    def __init__(self, low, high, message):
        self.low, self.high, self.message = low, high, message

    def __call__(self, form, field):
        if field.data is None:
            return
        high = self.high() if callable(self.high) else self.high
        if not self.low <= field.data <= high:
            raise ValidationError(self.message)


def _latest_year():
    return current_year() + 1


YEAR_MESSAGE = _l("Tahun harus angka antara %(first)d dan tahun depan.", first=FIRST_YEAR)


class YearForm(KompetenForm):
    """Year and download format: every report page has them."""

    class Meta:
        csrf = False

    year = WholeNumberField(_l("Tahun"), validators=[Optional(),
                                                 WholeNumberBetween(FIRST_YEAR, _latest_year,
                                                                    YEAR_MESSAGE)])
    format = StringField(_l("Format unduhan"), validators=[Optional()])

    def validate_format(self, field):
        if field.data and field.data not in FORMATS:
            raise ValidationError(_l("Format unduhan harus csv, csv-plain atau xlsx."))


def clean(field, default):
    """The field's value, or the default when it is empty or did not validate."""
    if field.errors or field.data in (None, ""):
        return default
    return field.data


class LedgerFilterForm(YearForm):
    opd = SelectField(_l("OPD"), validators=[Optional()], validate_choice=True)
    type = SelectField(_l("Jenis ASN"), validators=[Optional()],
                       choices=select_choices([("", _l("PNS dan PPPK")), (PNS, "PNS"),
                                               (PPPK, "PPPK")]))
    below = BooleanField(_l("Hanya yang di bawah target"))
    page = WholeNumberField(_l("Halaman"), validators=[
        Optional(), WholeNumberBetween(1, 10**9, _l("Halaman harus angka 1 atau lebih."))])

    def set_opd_choices(self, opds, no_opd_label):
        self.opd.choices = select_choices(
            [("", _l("Semua OPD"))] + [(str(opd_id), name) for opd_id, name in opds]
            + [(NO_OPD, no_opd_label)])

    def opd_value(self):
        value = clean(self.opd, None)
        return int(value) if value not in (None, NO_OPD) else value


class HistoryFilterForm(YearForm):
    nip = StringField(_l("NIP"), validators=[Optional(), Length(max=40)])

    def validate_nip(self, field):
        try:
            field.data = parse_nip(field.data).nip
        except InvalidNip as error:
            raise ValidationError(str(error)) from None


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class JpCreditForm(KompetenForm):
    """JP for learning outside Kompeten, credited by an admin to one ASN."""

    nip = StringField(_l("NIP peserta"), filters=[_strip],
                      validators=[InputRequired(_l("NIP wajib diisi."))],
                      render_kw={"inputmode": "numeric", "autocomplete": "off"})
    earned_on = CalendarDateField(_l("Tanggal pembelajaran selesai (WITA)"),
                          validators=[InputRequired(_l("Tanggal wajib diisi."))],
                          description=_l("JP dihitung pada tahun tanggal ini."))
    jp = WholeNumberField(_l("JP yang diakui"), validators=[
        InputRequired(_l("JP wajib diisi.")),
        WholeNumberBetween(1, MAX_JP, _l("JP harus antara 1 dan %(max)d.", max=MAX_JP))],
        description=_l("1 JP = 45 menit."))
    title = StringField(_l("Nama pembelajaran"), filters=[_strip],
                        validators=[DataRequired(_l("Nama pembelajaran wajib diisi.")),
                                    Length(max=200)],
                        description=_l("Mis. Webinar Keamanan Siber Pemerintah Daerah."))
    provider = StringField(_l("Penyelenggara"), filters=[_strip],
                           validators=[Optional(), Length(max=200)])
    note = TextAreaField(_l("Catatan"), filters=[_strip], validators=[Optional(),
                                                                       Length(max=2000)])
    evidence = FileField(_l("Bukti (opsional)"),
                         description=_l("PDF atau gambar (PNG, JPEG, GIF, WebP), mis. pindaian "
                                        "sertifikat."))

    user = None
    evidence_data = None

    def validate_nip(self, field):
        try:
            nip = parse_nip(field.data).nip
        except InvalidNip as error:
            raise ValidationError(_l("NIP tidak valid: %(reason)s", reason=str(error))) from None
        self.user = find_user_by_nip(nip)
        if self.user is None:
            raise ValidationError(_l("Tidak ada akun dengan NIP %(nip)s.", nip=nip))

    def validate_earned_on(self, field):
        today = now_in_palu().date()
        if field.data and field.data > today:
            raise ValidationError(_l("Tanggal tidak boleh di masa depan (hari ini %(today)s).",
                                     today=long_date(today)))
        if field.data and field.data.year < FIRST_YEAR:
            raise ValidationError(_l("Tanggal harus tahun %(first)d atau sesudahnya.",
                                     first=FIRST_YEAR))

    def validate_evidence(self, field):
        upload = field.data
        if not upload or not getattr(upload, "filename", ""):
            return
        data = upload.read(upload_limit_bytes() + 1)
        _mime, message = inspect_bytes(data)
        if message:
            raise ValidationError(_l("Bukti ditolak: %(reason)s", reason=message))
        self.evidence_data = (upload.filename, data)
