"""Login, registration and password forms. Database checks live in validate_<field>."""

import re

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError
from wtforms.validators import Email as EmailValidator

from app.auth import services
from app.auth.models import (
    GOLONGAN_BY_TYPE,
    GOLONGAN_PNS,
    GOLONGAN_PPPK,
    JABATAN_TYPES,
    Agency,
)
from app.auth.nip import InvalidNip, parse_nip
from app.extensions import db
from app.forms import KompetenForm, select_choices, whole_number

REQUIRED = _l("Wajib diisi.")


class LoginForm(KompetenForm):
    identifier = StringField(_l("NIP atau email"), validators=[DataRequired(REQUIRED),
                                                               Length(max=254)])
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(REQUIRED),
                                                          Length(max=1024)])
    remember = BooleanField(_l("Ingat saya di perangkat ini"))
    next = HiddenField()


def golongan_choices():
    return (select_choices([("", _l("— pilih golongan —"))])
            + select_choices([(g, f"{g} — {name}") for g, name in GOLONGAN_PNS.items()],
                             optgroup="PNS")
            + select_choices([(g, g) for g in GOLONGAN_PPPK], optgroup="PPPK"))


class NewPasswordMixin:
    """A new password typed twice; the strength rule is checked against the NIP in the service."""

    password = PasswordField(
        _l("Kata sandi"),
        validators=[DataRequired(REQUIRED), Length(min=services.MIN_PASSWORD_LENGTH, max=1024,
                                                   message=_l("Kata sandi minimal 8 karakter."))],
    )
    password_confirm = PasswordField(
        _l("Ulangi kata sandi"),
        validators=[DataRequired(REQUIRED),
                    EqualTo("password", _l("Kedua kata sandi tidak sama."))],
    )


class AccountFieldsForm(NewPasswordMixin, KompetenForm):
    """NIP, name, e-mail and password: what both registration and first-admin setup ask."""

    nip = StringField(
        _l("NIP"),
        description=_l("18 digit; boleh diketik dengan spasi, mis. 19860926 201505 1 001"),
        validators=[DataRequired(REQUIRED), Length(max=40)],
    )
    name = StringField(_l("Nama lengkap"), validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField(
        _l("Email (opsional)"),
        validators=[Optional(), Length(max=254),
                    EmailValidator(_l("Alamat email tidak valid."), check_deliverability=False)],
    )

    nip_taken_message = _l("NIP ini sudah terdaftar. Silakan masuk.")

    def validate_nip(self, field):
        try:
            info = parse_nip(field.data)
        except InvalidNip as error:
            raise ValidationError(str(error)) from None
        if services.nip_taken(info.nip):
            raise ValidationError(self.nip_taken_message)

    def validate_email(self, field):
        if field.data and services.email_taken(field.data):
            raise ValidationError(_l("Email ini sudah dipakai akun lain."))

    def validate_password(self, field):
        # Fields validate in declaration order and the password fields come first (mixin),
        # so read the NIP here instead of relying on validate_nip having run.
        if field.errors:
            return  # Length already said "minimal 8 karakter": do not say it twice
        try:
            nip = parse_nip(self.nip.data).nip
        except InvalidNip:
            nip = None
        problem = services.password_problem(field.data, nip)
        if problem:
            raise ValidationError(problem)


class RegistrationForm(AccountFieldsForm):
    # The same answer whoever holds the NIP (an imported roster entry, an admin-made account, an
    # unverified self-registration): it says no more than "taken", which the unique NIP always
    # said, and points the real owner to the one way in that needs no registration.
    nip_taken_message = _l("NIP ini sudah terdaftar. Jika ini NIP Anda dan Anda belum pernah "
                           "membuat akun, minta kata sandi sementara kepada admin BKPSDM; "
                           "jika sudah punya akun, silakan masuk.")

    agency_id = SelectField(_l("Perangkat daerah (OPD)"), coerce=whole_number,
                            validators=[DataRequired(_l("Pilih OPD Anda."))])
    jabatan_type = SelectField(
        _l("Jenis jabatan"),
        choices=select_choices([("", _l("— pilih jenis jabatan —"))] + list(JABATAN_TYPES.items())),
        validators=[DataRequired(_l("Pilih jenis jabatan."))],
    )
    jabatan_title = StringField(_l("Nama jabatan"), validators=[Optional(), Length(max=200)])
    golongan = SelectField(_l("Golongan"), choices=golongan_choices(), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = db.session.execute(select(Agency.id, Agency.name).order_by(Agency.name))
        self.agency_id.choices = select_choices([(0, _l("— pilih OPD —"))] + list(agencies))

    def validate_golongan(self, field):
        if not field.data:
            return
        try:
            employment_type = parse_nip(self.nip.data).employment_type
        except InvalidNip:
            return  # the NIP field already shows its own error
        if field.data not in GOLONGAN_BY_TYPE[employment_type]:
            raise ValidationError(
                _l("Golongan %(golongan)s bukan golongan %(type)s (menurut NIP Anda).",
                   golongan=field.data, type=employment_type.upper())
            )


class SetupAdminForm(AccountFieldsForm):
    """The first admin, created from the one-time setup link."""


# A phone number as people write it: +62 or 0, then digits, spaces and dashes (8-15 digits).
PHONE = re.compile(r"^\+?[0-9][0-9 \-]{6,22}$")


class ProfileForm(KompetenForm):
    """What a person changes about themselves (services.SELF_EDITABLE)."""

    name = StringField(_l("Nama lengkap"), validators=[DataRequired(REQUIRED), Length(max=200)])
    email = EmailField(
        _l("Email (opsional)"),
        validators=[Optional(), Length(max=254),
                    EmailValidator(_l("Alamat email tidak valid."), check_deliverability=False)])
    phone = StringField(_l("Nomor ponsel (opsional)"), validators=[Optional(), Length(max=20)],
                        description=_l("Mis. 0812-3456-7890 atau +62 812 3456 7890"))
    jabatan_type = SelectField(
        _l("Jenis jabatan"),
        choices=select_choices([("", _l("— pilih jenis jabatan —"))] + list(JABATAN_TYPES.items())),
        validators=[DataRequired(_l("Pilih jenis jabatan."))])
    jabatan_title = StringField(_l("Nama jabatan"), validators=[Optional(), Length(max=200)])

    def validate_email(self, field):
        if field.data and services.email_taken(field.data, except_user=current_user):
            raise ValidationError(_l("Email ini sudah dipakai akun lain."))

    def validate_phone(self, field):
        digits = sum(ch.isdigit() for ch in field.data or "")
        if field.data and (not PHONE.match(field.data.strip()) or not 8 <= digits <= 15):
            raise ValidationError(_l(
                "Nomor ponsel hanya boleh angka (8–15 digit), spasi, tanda hubung dan + di "
                "depan, mis. 0812-3456-7890."))

    def values(self):
        return {"name": self.name.data.strip(), "email": self.email.data,
                "phone": self.phone.data, "jabatan_type": self.jabatan_type.data,
                "jabatan_title": (self.jabatan_title.data or "").strip() or None}


class ChangePasswordForm(NewPasswordMixin, KompetenForm):
    current_password = PasswordField(_l("Kata sandi saat ini"),
                                     validators=[DataRequired(REQUIRED), Length(max=1024)])

    def validate_password(self, field):
        # The NIP rule belongs to the new password: show it there, not on the current one.
        if field.errors:
            return
        problem = services.password_problem(field.data, current_user.nip)
        if problem:
            raise ValidationError(problem)


class ForgotPasswordForm(KompetenForm):
    identifier = StringField(_l("NIP atau email"), validators=[DataRequired(REQUIRED),
                                                               Length(max=254)])


class ResetPasswordForm(NewPasswordMixin, KompetenForm):
    """A new password through a reset link: the rules of every other new password."""

    def __init__(self, *args, nip=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.nip = nip

    def validate_password(self, field):
        if field.errors:
            return
        problem = services.password_problem(field.data, self.nip)
        if problem:
            raise ValidationError(problem)
