"""The base form: Flask-WTF (CSRF) with WTForms' own messages in the interface language (our
Indonesian 'wtforms' catalogue; in English, WTForms' built-in text)."""

from pathlib import Path

from babel.support import NullTranslations, Translations
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import SelectChoice, StringField

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"


class _WTFormsTranslations:
    """WTForms asks for gettext/ngettext; answer from our 'wtforms' catalogue for the active
    locale (none for English: NullTranslations returns WTForms' own English)."""

    # Per process: the compiled catalogues change only with a new build (and a restart).
    # Reading one from disk on every request was 5 % of a form page's time.
    _catalogues = {}

    def _catalogue(self):
        locale = str(get_locale() or "id")
        if locale not in self._catalogues:
            loaded = Translations.load(str(TRANSLATIONS_DIR), [locale], domain="wtforms")
            self._catalogues[locale] = loaded if loaded is not None else NullTranslations()
        return self._catalogues[locale]

    def gettext(self, string):
        return self._catalogue().ugettext(string)

    def ngettext(self, singular, plural, n):
        return self._catalogue().ungettext(singular, plural, n)


WTFORMS_TRANSLATIONS = _WTFormsTranslations()


def without_nul(value):
    """Drop NUL characters: PostgreSQL text cannot hold them, and no person types one."""
    return value.replace("\x00", "") if isinstance(value, str) else value


class KompetenForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return WTFORMS_TRANSLATIONS

        def bind_field(self, form, unbound_field, options):
            # Every text field (search boxes, textareas, e-mail...) loses NUL characters
            # before any other filter or validator sees the value.
            if issubclass(unbound_field.field_class, StringField):
                filters = [without_nul, *unbound_field.kwargs.get("filters", ())]
                options = dict(options, filters=filters)
            return unbound_field.bind(form=form, **options)


def select_choices(pairs, optgroup=None):
    """(value, label) pairs as WTForms SelectChoice objects (tuples are deprecated)."""
    return [SelectChoice(str(value) if not isinstance(value, int) else value, label,
                         optgroup=optgroup) for value, label in pairs]
