"""The two small forms in every page's header: language and larger text."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from app.forms import KompetenForm
from app.i18n import LANGUAGES


class LanguageForm(KompetenForm):
    language = SelectField(_l("Bahasa"), choices=list(LANGUAGES))


class LargeTextForm(KompetenForm):
    large_text = SelectField(_l("Teks besar"), choices=["1", "0"])
