"""Catalogue filter and the one-button forms (enrol, mark done) that carry the CSRF token."""

from flask import abort
from flask_babel import lazy_gettext as _l
from wtforms import SearchField, SelectField
from wtforms.validators import Length, Optional

from app.courses.models import COMPETENCY_TYPES
from app.forms import KompetenForm, select_choices
from app.search.services import MAX_QUERY_CHARS


class CatalogueFilterForm(KompetenForm):
    """Read from the query string; a GET search needs no CSRF token."""

    class Meta:
        csrf = False

    q = SearchField(_l("Cari kursus atau isi materi"), validators=[
        Optional(), Length(max=MAX_QUERY_CHARS, message=_l(
            "Kata kunci terlalu panjang: paling banyak %(max)d karakter."))])
    kompetensi = SelectField(
        _l("Jenis kompetensi"),
        choices=select_choices([("", _l("Semua jenis"))] + list(COMPETENCY_TYPES.items())),
        validators=[Optional()],
    )
    penyelenggara = SelectField(_l("Penyelenggara"), validators=[Optional()])

    def set_provider_choices(self, providers):
        """(slug, name) of the institutions with a published course."""
        self.penyelenggara.choices = select_choices([("", _l("Semua penyelenggara")),
                                                     *providers])


class ActionForm(KompetenForm):
    """A button that changes something: only the CSRF token travels."""


def action_or_400():
    """A button's POST without a valid CSRF token is refused (the button's page always sends
    one, so only a forged or stale request gets here)."""
    if not ActionForm().validate_on_submit():
        abort(400)
