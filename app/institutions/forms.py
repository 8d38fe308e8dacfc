"""The admin's institution form and logo upload."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.forms import KompetenForm, select_choices
from app.institutions.models import INSTITUTION_KINDS


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class InstitutionForm(KompetenForm):
    name = StringField(_l("Nama penyelenggara"), filters=[_strip], validators=[
        DataRequired(_l("Isi nama penyelenggara.")),
        Length(max=200, message=_l("Nama paling panjang %(n)d karakter.", n=200))],
        description=_l("Ditulis persis seperti pada kursus dan sertifikat, mis. Universitas "
                       "Tadulako."))
    short_name = StringField(_l("Singkatan"), filters=[_strip], validators=[
        Optional(), Length(max=50, message=_l("Singkatan paling panjang %(n)d karakter.",
                                              n=50))],
        description=_l("Mis. Untad. Berkas kursus boleh memakai nama atau singkatannya."))
    kind = SelectField(_l("Jenis"), choices=select_choices(INSTITUTION_KINDS.items()),
                       default="other")
    is_home = BooleanField(
        _l("Ini penerbit sertifikat sendiri (BKPSDM)"),
        description=_l("Sertifikat kursus dari penyelenggara lain menyebut penyelenggaranya di "
                       "samping BKPSDM."))


class LogoForm(KompetenForm):
    logo = FileField(_l("Logo"), validators=[FileRequired(_l("Pilih berkas logo."))],
                     description=_l("PNG, JPEG, GIF atau WebP; diperiksa seperti gambar kursus."))
