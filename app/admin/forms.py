"""Admin forms: people, agencies, general settings, and the filters of the list pages."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import (
    BooleanField,
    EmailField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.validators import Email as EmailValidator
from wtforms.widgets import CheckboxInput, ListWidget

from app.audit import action_label
from app.auth.forms import golongan_choices
from app.auth.models import GOLONGAN_BY_TYPE, JABATAN_TYPES, ROLE_LABELS, Agency, User
from app.auth.nip import InvalidNip, parse_nip
from app.extensions import db
from app.forms import (
    CalendarDateField,
    KompetenForm,
    WholeNumberField,
    select_choices,
    whole_number,
)
from app.institutions.models import Institution
from app.settings import REGISTRATION_CLOSED, REGISTRATION_OPEN

REQUIRED = _l("Wajib diisi.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def agency_choices(blank_label):
    """OPD first, each followed by its units (indented), for a select."""
    rows = db.session.execute(select(Agency.id, Agency.name, Agency.parent_id)
                              .order_by(func.lower(Agency.name))).all()
    units = {}
    for row in rows:
        units.setdefault(row.parent_id, []).append(row)
    pairs = [(0, blank_label)]
    for top in units.get(None, []):
        pairs.append((top.id, top.name))
        pairs.extend((unit.id, f"\u2014 {unit.name}") for unit in units.get(top.id, []))
    return select_choices(pairs)


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PersonForm(KompetenForm):
    nip = StringField(_l("NIP"), filters=[_strip],
                      description=_l("18 digit; spasi boleh, mis. 19860926 201505 1 001"),
                      validators=[DataRequired(REQUIRED), Length(max=40)])
    name = StringField(_l("Nama lengkap"), filters=[_strip],
                       validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField(_l("Email (opsional)"), filters=[_strip], validators=[
        Optional(), Length(max=254),
        EmailValidator(_l("Alamat email tidak valid."), check_deliverability=False)])
    agency_id = SelectField(_l("Perangkat daerah (OPD)"), coerce=whole_number)
    jabatan_type = SelectField(_l("Jenis jabatan"), choices=select_choices(
        [("", _l("— tidak diisi —"))] + list(JABATAN_TYPES.items())), validators=[Optional()])
    jabatan_title = StringField(_l("Nama jabatan"), filters=[_strip],
                                validators=[Optional(), Length(max=200)])
    golongan = SelectField(_l("Golongan"), choices=golongan_choices(), validators=[Optional()])
    roles = CheckboxesField(_l("Peran"), choices=select_choices(ROLE_LABELS.items()),
                            validators=[DataRequired(_l("Pilih paling sedikit satu peran."))])
    institution_id = SelectField(
        _l("Instansi mitra (akun eksternal)"), coerce=whole_number, default=0,
        description=_l("Untuk pengajar dari lembaga mitra, mis. dosen Universitas Tadulako: "
                       "akun eksternal tanpa OPD Kota Palu."))
    programme_author = BooleanField(
        _l("Pengajar ini boleh menyusun program pelatihan di browser"),
        description=_l("Hanya berlaku bersama peran pengajar; admin selalu boleh."))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.agency_id.choices = agency_choices(_l("— tanpa OPD —"))
        self.institution_id.choices = select_choices([(0, _l("— bukan akun eksternal —"))] + [
            (row.id, row.name) for row in db.session.execute(
                select(Institution.id, Institution.name).where(Institution.is_home.is_(False))
                .order_by(Institution.name))])
        if user is not None:
            del self.nip  # the NIP is who the person is: it is not edited

    def _employment_type(self):
        if self.user is not None:
            return self.user.employment_type
        try:
            return parse_nip(self.nip.data).employment_type
        except InvalidNip:
            return None

    def validate_nip(self, field):
        try:
            field.data = parse_nip(field.data).nip
        except InvalidNip as error:
            raise ValidationError(str(error)) from None
        if db.session.scalar(select(User.id).where(User.nip == field.data)):
            raise ValidationError(_l("NIP %(nip)s sudah terdaftar.", nip=field.data))

    def validate_institution_id(self, field):
        if field.data and self.agency_id.data:
            raise ValidationError(_l("Akun eksternal tidak memiliki OPD Kota Palu: kosongkan "
                                     "OPD, atau kosongkan instansi mitra."))

    def validate_golongan(self, field):
        kind = self._employment_type()
        if field.data and kind and field.data not in GOLONGAN_BY_TYPE[kind]:
            raise ValidationError(_l("Golongan %(golongan)s bukan golongan %(type)s.",
                                     golongan=field.data, type=kind.upper()))

    def fields(self):
        """The person's data as the services take it."""
        return {"nip": self.nip.data if self.nip else None, "name": self.name.data,
                "email": self.email.data or None,
                "agency": db.session.get(Agency, self.agency_id.data or 0),
                "jabatan_type": self.jabatan_type.data or None,
                "jabatan_title": self.jabatan_title.data, "golongan": self.golongan.data or None,
                "roles": list(self.roles.data),
                "programme_author": bool(self.programme_author.data),
                "institution": db.session.get(Institution, self.institution_id.data or 0)}


class HandoverForm(PersonForm):
    """The real owner of a NIP another account holds: their own data, typed by the admin from
    the owner's documents (nothing is copied from the account that held the NIP)."""

    confirm = BooleanField(
        _l("Saya sudah memastikan identitas pemilik NIP ini (mis. dari SK atau kartu pegawai)."),
        validators=[DataRequired(_l("Centang untuk menyatakan bahwa identitas pemilik NIP "
                                    "sudah dipastikan."))])

    def __init__(self, *args, holder, **kwargs):
        super().__init__(*args, user=holder, **kwargs)
        del self.roles  # the owner starts as a learner; roles are changed on their page after
        del self.programme_author
        del self.institution_id

    def fields(self):
        return {"name": self.name.data, "email": self.email.data or None,
                "agency": db.session.get(Agency, self.agency_id.data or 0),
                "jabatan_type": self.jabatan_type.data or None,
                "jabatan_title": self.jabatan_title.data, "golongan": self.golongan.data or None}


class PeopleFilterForm(KompetenForm):
    """The people list's filters, read from the query string (no CSRF on a GET search)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Cari NIP, nama atau email"), validators=[Optional(), Length(max=100)])
    opd = SelectField(_l("OPD"), coerce=whole_number, validators=[Optional()])
    peran = SelectField(_l("Peran"), validators=[Optional()], choices=select_choices(
        [("", _l("Semua peran"))] + list(ROLE_LABELS.items())))
    status = SelectField(_l("Status"), validators=[Optional()], choices=select_choices(
        [("", _l("Semua")), ("aktif", _l("Aktif")), ("nonaktif", _l("Nonaktif")),
         ("menunggu", _l("Menunggu verifikasi"))]))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.opd.choices = agency_choices(_l("Semua OPD"))


class AgencyForm(KompetenForm):
    code = StringField(_l("Kode"), filters=[_strip], validators=[
        DataRequired(REQUIRED), Length(max=32),
        Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
               message=_l("Kode hanya huruf, angka, titik, garis bawah dan tanda hubung."))])
    name = StringField(_l("Nama"), filters=[_strip],
                       validators=[DataRequired(REQUIRED), Length(max=200)])
    parent_id = SelectField(_l("Bagian dari"), coerce=whole_number,
                            description=_l("Kosongkan untuk OPD; pilih OPD untuk sebuah unit "
                                           "(bidang, UPT, puskesmas, kelurahan)."))

    def __init__(self, *args, agency=None, **kwargs):
        super().__init__(*args, **kwargs)
        tops = db.session.execute(select(Agency.id, Agency.name)
                                  .where(Agency.parent_id.is_(None))
                                  .order_by(func.lower(Agency.name))).all()
        self.parent_id.choices = select_choices(
            [(0, _l("— bukan unit (OPD) —"))]
            + [(a.id, a.name) for a in tops if agency is None or a.id != agency.id])


class GeneralSettingsForm(KompetenForm):
    jp_target_pns = WholeNumberField(_l("Target JP per tahun untuk PNS"), validators=[
        InputRequired(REQUIRED), NumberRange(min=0, max=500, message=_l("Antara 0 dan 500."))])
    jp_target_pppk = WholeNumberField(_l("Target JP per tahun untuk PPPK"), validators=[
        InputRequired(REQUIRED), NumberRange(min=0, max=500, message=_l("Antara 0 dan 500."))])
    jp_minutes = WholeNumberField(_l("Menit per JP"), description=_l(
        "Satu jam pelajaran pelatihan ASN lazimnya 45 menit."), validators=[
        InputRequired(REQUIRED), NumberRange(min=10, max=120,
                                             message=_l("Antara 10 dan 120 menit."))])
    registration = SelectField(
        _l("Pendaftaran mandiri"),
        choices=select_choices([
            (REGISTRATION_OPEN, _l("Terbuka, dengan verifikasi admin")),
            (REGISTRATION_CLOSED, _l("Ditutup: akun hanya dibuat oleh admin"))]),
        description=_l("Akun yang mendaftar sendiri dapat belajar, tetapi belum mendapat "
                       "sertifikat dan tidak dihitung di laporan sampai admin "
                       "memverifikasinya di halaman Admin."),
        validators=[InputRequired(REQUIRED)])
    upload_max_kb = WholeNumberField(_l("Ukuran maksimal gambar/PDF kursus (KB)"), validators=[
        InputRequired(REQUIRED), NumberRange(min=100, max=30000,
                                             message=_l("Antara 100 dan 30000 KB."))])
    quiz_grace_seconds = WholeNumberField(
        _l("Kelonggaran waktu kuis (detik)"),
        description=_l("Jawaban masih diterima sebentar setelah waktu habis, untuk sinyal lemah."),
        validators=[InputRequired(REQUIRED),
                    NumberRange(min=0, max=600, message=_l("Antara 0 dan 600 detik."))])
    workshop_checkin_before = WholeNumberField(
        _l("Presensi dengan kode dibuka (menit sebelum sesi mulai)"),
        description=_l("Peserta workshop/webinar dapat memasukkan kode presensi sejak sekian "
                       "menit sebelum sesi mulai."),
        validators=[InputRequired(REQUIRED),
                    NumberRange(min=0, max=240, message=_l("Antara 0 dan 240 menit."))])
    workshop_checkin_after = WholeNumberField(
        _l("Presensi dengan kode ditutup (menit sesudah sesi selesai)"),
        validators=[InputRequired(REQUIRED),
                    NumberRange(min=0, max=1440, message=_l("Antara 0 dan 1440 menit."))])
    item_analysis_min_attempts = WholeNumberField(
        _l("Analisis butir soal: jawaban minimal sebelum menandai \u201cSoal lemah\u201d"),
        description=_l("Satu peserta yang keliru belum berarti soalnya lemah."),
        validators=[InputRequired(REQUIRED),
                    NumberRange(min=1, max=1000, message=_l("Antara 1 dan 1000."))])
    workshop_link_before = WholeNumberField(
        _l("Tautan rapat ditampilkan (menit sebelum sesi mulai)"),
        description=_l("Hanya untuk peserta terdaftar; sebelum itu tautan disembunyikan."),
        validators=[InputRequired(REQUIRED),
                    NumberRange(min=0, max=1440, message=_l("Antara 0 dan 1440 menit."))])
    discussion_edit_minutes = WholeNumberField(
        _l("Diskusi kursus: tulisan dapat diubah penulisnya selama (menit)"),
        description=_l("Dihitung sejak tulisan dikirim; sesudahnya tulisan tetap seperti itu. "
                       "0: tulisan tidak dapat diubah."),
        validators=[InputRequired(REQUIRED),
                    NumberRange(min=0, max=1440, message=_l("Antara 0 dan 1440 menit."))])


# form field -> setting key
GENERAL_SETTINGS = {
    "jp_target_pns": "jp_target.pns", "jp_target_pppk": "jp_target.pppk",
    "jp_minutes": "jp.minutes", "registration": "registration",
    "upload_max_kb": "upload.max_kb", "quiz_grace_seconds": "quiz_grace_seconds",
    "workshop_checkin_before": "workshop.checkin_before_minutes",
    "workshop_checkin_after": "workshop.checkin_after_minutes",
    "workshop_link_before": "workshop.link_before_minutes",
    "item_analysis_min_attempts": "item_analysis.min_attempts",
    "discussion_edit_minutes": "discussion.edit_minutes",
}


class AuditFilterForm(KompetenForm):
    class Meta:
        csrf = False

    aksi = SelectField(_l("Tindakan"), validators=[Optional()])
    nip = StringField(_l("NIP pelaku"), filters=[_strip], validators=[Optional(), Length(max=40)])
    dari = CalendarDateField(_l("Dari tanggal"), validators=[Optional()])
    sampai = CalendarDateField(_l("Sampai tanggal"), validators=[Optional()])

    def __init__(self, *args, actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.aksi.choices = select_choices([("", _l("Semua tindakan"))]
                                           + [(a, action_label(a)) for a in actions])

    def validate_nip(self, field):
        if field.data:
            try:
                field.data = parse_nip(field.data).nip
            except InvalidNip as error:
                raise ValidationError(str(error)) from None
