"""The trainer's essay grading form (attempt pages parse their dynamic fields in the view)."""

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.forms import DecimalNumberField, KompetenForm


class EssayGradeForm(KompetenForm):
    score = DecimalNumberField(
        _l("Nilai (0–100)"), places=None,
        # InputRequired, not DataRequired: a score of 0 is falsy but a real grade.
        validators=[InputRequired(_l("Isi nilai 0 sampai 100.")),
                    NumberRange(min=0, max=100, message=_l("Nilai harus antara 0 dan 100."))],
    )
    comment = TextAreaField(_l("Komentar untuk peserta (opsional)"),
                            validators=[Optional(), Length(max=5000)])
