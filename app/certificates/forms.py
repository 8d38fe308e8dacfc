"""Forms for revoking, the certificate settings, and the public lookup by number."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, Optional, ValidationError

from app.auth.nip import InvalidNip, normalize_nip, parse_nip
from app.certificates.models import PUBLIC_REVOCATION_REASONS
from app.certificates.services import template_problem
from app.forms import KompetenForm, select_choices

REQUIRED = _l("Wajib diisi.")


class RevokeForm(KompetenForm):
    public_reason = SelectField(
        _l("Alasan yang ditampilkan publik"),
        description=_l("Hanya alasan ini yang tampil di halaman verifikasi, bersama tanggal "
                       "pencabutan."),
        choices=select_choices([("", _l("— pilih alasan —")),
                                *PUBLIC_REVOCATION_REASONS.items()]),
        validators=[DataRequired(_l("Pilih alasan yang ditampilkan publik."))])
    reason = TextAreaField(_l("Catatan internal"),
                           description=_l("Tidak pernah ditampilkan publik: hanya untuk admin "
                                          "dan log audit."),
                           validators=[DataRequired(_l("Alasan pencabutan wajib diisi.")),
                                       Length(max=500)])


class VerifyByNumberForm(KompetenForm):
    """The public lookup by certificate number: the holder's NIP is needed too, so numbers
    cannot be walked. Posted (not in the address) so the NIP stays out of access logs and
    browser history."""

    number = StringField(_l("Nomor sertifikat"),
                         description=_l("Seperti tercetak, mis. 800/0017/BKPSDM/XI/2026"),
                         filters=[lambda value: (value or "").strip()],
                         validators=[DataRequired(_l("Nomor sertifikat wajib diisi.")),
                                     Length(max=120)])
    nip = StringField(_l("NIP pemegang sertifikat"),
                      description=_l("18 digit; spasi boleh"),
                      validators=[DataRequired(_l("NIP pemegang wajib diisi.")),
                                  Length(max=40)])

    def validate_nip(self, field):
        digits = normalize_nip(field.data)
        if len(digits) != 18 or not (digits.isdigit() and digits.isascii()):
            raise ValidationError(_l("NIP terdiri dari 18 angka."))


class CertificateSettingsForm(KompetenForm):
    institution_name = StringField(_l("Nama instansi"),
                                   validators=[DataRequired(REQUIRED), Length(max=200)])
    issuer_unit = StringField(_l("Unit penerbit"),
                              validators=[DataRequired(REQUIRED), Length(max=200)])
    number_template = StringField(
        _l("Templat nomor sertifikat"),
        description=_l("Gunakan {seq:04d} untuk nomor urut tahunan, {roman_month} untuk bulan "
                       "Romawi, {month} dan {year}. Contoh: 800/{seq:04d}/BKPSDM/{roman_month}/"
                       "{year}"),
        validators=[DataRequired(REQUIRED), Length(max=100)])
    signer_name = StringField(_l("Nama penandatangan"),
                              validators=[DataRequired(REQUIRED), Length(max=200)])
    signer_title = StringField(_l("Jabatan penandatangan"),
                               validators=[DataRequired(REQUIRED), Length(max=200)])
    signer_nip = StringField(_l("NIP penandatangan"), validators=[Optional(), Length(max=40)])
    place = StringField(_l("Tempat penerbitan"), validators=[DataRequired(REQUIRED),
                                                              Length(max=100)])
    base_url = StringField(
        _l("Alamat dasar verifikasi"),
        description=_l("Alamat Kompeten yang dapat dibuka publik; kode QR menunjuk ke "
                       "<alamat>/verify/<kode>."),
        validators=[DataRequired(REQUIRED), Length(max=200),
                    URL(require_tld=False, message=_l("Alamat tidak valid; contoh: "
                                                      "https://kompeten.palukota.go.id"))])

    def validate_number_template(self, field):
        problem = template_problem(field.data)
        if problem:
            raise ValidationError(problem)

    def validate_signer_nip(self, field):
        if field.data:
            try:
                field.data = parse_nip(field.data).nip
            except InvalidNip as error:
                raise ValidationError(str(error)) from None

    def validate_base_url(self, field):
        if not field.data.startswith(("http://", "https://")):
            raise ValidationError(_l("Alamat harus diawali http:// atau https://"))
