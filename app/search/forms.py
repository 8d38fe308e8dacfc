from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SearchField
from wtforms.validators import DataRequired, Length

from app.forms import KompetenForm
from app.search.services import MAX_QUERY_CHARS


class SearchForm(KompetenForm):
    """Read from the query string; a GET search needs no CSRF token."""

    class Meta:
        csrf = False

    q = SearchField(_l("Cari di kursus, modul dan workshop"), validators=[
        DataRequired(_l("Tulis kata yang dicari.")),
        Length(max=MAX_QUERY_CHARS, message=_l(
            "Kata kunci terlalu panjang: paling banyak %(max)d karakter."))])
    kursus = HiddenField()
