"""The base form: Flask-WTF (CSRF) with WTForms' own messages in the interface language (our
Indonesian 'wtforms' catalogue; in English, WTForms' built-in text)."""

import re
from datetime import date
from pathlib import Path

from babel.support import NullTranslations, Translations
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.formats import long_date

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
            field = unbound_field.bind(form=form, **options)
            # Every one-line text field (titles, names, NIPs, search boxes) refuses line
            # breaks: they end up in .ics files, PDF lines, CSV cells and headers.
            if _is_one_line(unbound_field.field_class):
                field.validators = [*field.validators, single_line]
            return field


def select_choices(pairs, optgroup=None):
    """(value, label) pairs as WTForms SelectChoice objects (tuples are deprecated)."""
    return [SelectChoice(str(value) if not isinstance(value, int) else value, label,
                         optgroup=optgroup) for value, label in pairs]


# --- numbers and dates: one rule for every field and query parameter ---------------------------
#
# Python reads "１００" (full-width) and "١٠٠" (Arabic-Indic) as 100 and "1_000" as 1000, and a
# 400-digit number is a valid int that no column holds (WTForms' NumberRange even fails on it
# turning it into a float). So a number is typed with the digits 0-9 only, at most MAX_DIGITS of
# them, and anything else is refused with a message saying so, never silently read as something
# else. Dates stay within EARLIEST_DATE..LATEST_DATE, where every date sum and time zone shift
# still fits Python's calendar and the database's.

MAX_DIGITS = 12
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2099, 12, 31)
_WHOLE_NUMBER = re.compile(r"\s*[+-]?[0-9]+\s*", re.ASCII)


def number_text_problem(text, max_digits=MAX_DIGITS):
    """Why the typed number text is refused (digits other than 0-9, more than max_digits of
    them), or None. Text with no digits at all is left to the field's own parse message."""
    if not isinstance(text, str):
        return None
    digits = [ch for ch in text if ch.isdigit()]
    if any(ch not in "0123456789" for ch in digits):
        return _l("Tulis angka dengan digit 0-9 biasa; angka lebar penuh atau angka non-Latin "
                  "(mis. １００) tidak diterima.")
    if max_digits is not None and len(digits) > max_digits:
        return _l("Angka terlalu panjang: paling banyak %(n)d digit.", n=MAX_DIGITS)
    return None


def whole_number(value):
    """An int from a whole number typed with 0-9 (an int passes through); raises ValueError.
    The `coerce` of SelectFields whose values are ids."""
    if isinstance(value, int):
        return value
    if number_text_problem(value) or not _WHOLE_NUMBER.fullmatch(value or ""):
        raise ValueError(value)
    return int(value)


# The largest id an INTEGER column holds (PostgreSQL refuses a larger one with an error).
LARGEST_ID = 2**31 - 1


def whole_numbers(texts):
    """The ids among these texts (ticked ids from a form), the rest left out: a hand-made post
    with "²", 5,000 digits or a number no row can have (negative, or beyond an INTEGER column)
    is no error."""
    numbers = set()
    for text in texts:
        try:
            number = whole_number(text)
        except ValueError:
            continue
        if _is_id(number):
            numbers.add(number)
    return numbers


def _is_id(number):
    return 0 <= number <= LARGEST_ID


def whole_number_arg(args, name, default=None):
    """A whole number from a query string or form (request.args, request.form), or the default
    when it is missing or not a plain number: a hand-edited address never ends in an error."""
    try:
        return whole_number(args.get(name))
    except (TypeError, ValueError):
        return default


def id_arg(args, name):
    """An id from a query string or form, or None when it is missing, not a plain number or
    larger than any row's (compared with an INTEGER column, PostgreSQL would refuse it)."""
    number = whole_number_arg(args, name)
    return number if number is not None and _is_id(number) else None


class WholeNumberField(IntegerField):
    """IntegerField under the rule above: 0-9 only, at most MAX_DIGITS digits, no underscores."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0]
        problem = number_text_problem(text)
        if problem:
            self.data = None
            raise ValueError(problem)
        if isinstance(text, str) and not _WHOLE_NUMBER.fullmatch(text):
            self.data = None
            raise ValueError(self.gettext("Not a valid integer value."))
        super().process_formdata(valuelist)


class DecimalNumberField(DecimalField):
    """DecimalField under the same rule (0-9 only, at most MAX_DIGITS digits)."""

    def process_formdata(self, valuelist):
        problem = number_text_problem(valuelist[0]) if valuelist else None
        if problem:
            self.data = None
            raise ValueError(problem)
        super().process_formdata(valuelist)


class _CalendarMixin:
    """Digits 0-9 only (checked first, for a clear message) and a day between EARLIEST_DATE
    and LATEST_DATE, for DateField and DateTimeLocalField alike."""

    def process_formdata(self, valuelist):
        text = " ".join(map(str, valuelist))
        problem = number_text_problem(text, max_digits=None) if valuelist else None
        if problem is None:
            super().process_formdata(valuelist)
            day = self.data.date() if hasattr(self.data, "date") else self.data
            if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
                problem = _l("Tanggal harus antara %(low)s dan %(high)s.",
                             low=long_date(EARLIEST_DATE),
                             high=long_date(LATEST_DATE))
        if problem:
            self.data = None
            raise ValueError(problem)


class CalendarDateField(_CalendarMixin, DateField):
    """A date typed with 0-9, between EARLIEST_DATE and LATEST_DATE."""


class CalendarDateTimeField(_CalendarMixin, DateTimeLocalField):
    """A date and time typed with 0-9, on a day between EARLIEST_DATE and LATEST_DATE."""


# --- single-line text ----------------------------------------------------------------------------

LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")


def _is_one_line(field_class):
    return issubclass(field_class, StringField) and not issubclass(
        field_class, (TextAreaField, PasswordField))


def single_line(form, field):
    """A validator: a title or name is one line (it goes into headers, .ics files, CSV cells)."""
    if isinstance(field.data, str) and LINE_BREAKS.search(field.data):
        raise ValidationError(_l("Tidak boleh berisi baris baru: tulis dalam satu baris."))


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (render each option inside a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
