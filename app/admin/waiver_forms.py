"""The form an admin waives a course's prerequisites with, for one learner."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.courses.prerequisites import courses_with_prerequisites
from app.forms import KompetenForm, select_choices

MAX_REASON = 500


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class WaiverForm(KompetenForm):
    course = SelectField(_l("Kursus"), validators=[DataRequired(_l("Pilih kursus."))],
                         description=_l("Hanya kursus yang punya prasyarat."))
    reason = TextAreaField(
        _l("Alasan"), filters=[_strip],
        description=_l("Mis. sudah mengikuti diklat setara di BPSDM Provinsi (nomor "
                       "sertifikat). Tercatat di log audit."),
        validators=[DataRequired(_l("Isi alasan pembebasan.")),
                    Length(max=MAX_REASON, message=_l(
                        "Alasan terlalu panjang: paling banyak %(max)d karakter.",
                        max=MAX_REASON))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # By code, as course files name their prerequisites.
        self.course.choices = select_choices(
            [("", _l("— pilih kursus —"))]
            + [(c.code, f"{c.code} · {c.title}") for c in courses_with_prerequisites()])
