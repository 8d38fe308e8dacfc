"""Forms of the CSV import: the upload, and the confirm/cancel of a stored preview."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired, Regexp

from app.forms import KompetenForm

# secrets.token_urlsafe(24): 32 URL-safe characters, so a token can never name another path.
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{32}$"


class PeopleImportUploadForm(KompetenForm):
    file = FileField(
        _l("Berkas CSV"), validators=[FileRequired(_l("Pilih berkas CSV."))],
        description=_l("CSV UTF-8, dipisah koma atau titik koma, paling besar 5 MB dan "
                       "20.000 baris. Belum ada yang disimpan sebelum Anda mengonfirmasi."))


class PeopleImportTokenForm(KompetenForm):
    """Names the uploaded file kept on the server between the preview and the confirmation."""

    token = HiddenField(validators=[DataRequired(), Regexp(TOKEN_PATTERN)])
