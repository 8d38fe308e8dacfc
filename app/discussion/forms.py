"""The discussion's forms: a new thread, a reply, an edit, a report, hiding with a reason, the
yes/no moderation buttons, and the search and filter of the thread list (query string)."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, SearchField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from app.forms import KompetenForm, select_choices
from app.search.services import MAX_QUERY_CHARS

MAX_TITLE = 200
MAX_BODY = 10_000
MAX_REASON = 500
YES, NO = "ya", "tidak"
UNANSWERED = "belum-terjawab"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _body_field(label, description=None):
    return TextAreaField(label, filters=[_strip], description=description, validators=[
        DataRequired(_l("Tulis isinya dulu.")),
        Length(max=MAX_BODY, message=_l("Terlalu panjang: paling banyak %(n)d karakter.",
                                        n=MAX_BODY))])


BODY_HINT = _l("Boleh memakai Markdown: **tebal**, *miring*, daftar dengan tanda -, tautan "
               "[teks](https://…). Gambar dilampirkan di bawah, bukan ditulis di teks.")
PICTURES_HINT = _l("Opsional: paling banyak 4 gambar PNG, JPEG, GIF atau WebP (tangkapan layar, "
                   "foto dokumen), masing-masing sampai batas unggahan kursus.")


def _pictures_field():
    return MultipleFileField(_l("Lampiran gambar"), description=PICTURES_HINT)


class ThreadForm(KompetenForm):
    title = StringField(_l("Judul pertanyaan"), filters=[_strip], validators=[
        DataRequired(_l("Tulis judulnya: satu kalimat tentang apa yang ditanyakan.")),
        Length(max=MAX_TITLE, message=_l("Judul paling panjang %(n)d karakter.", n=MAX_TITLE))])
    module = SelectField(_l("Tentang modul"), validators=[Optional()], description=_l(
        "Pilih modulnya bila pertanyaan ini tentang satu modul."))
    body = _body_field(_l("Pertanyaan atau topik"), BODY_HINT)
    pictures = _pictures_field()


class ReplyForm(KompetenForm):
    body = _body_field(_l("Balasan Anda"), BODY_HINT)
    pictures = _pictures_field()


class EditForm(KompetenForm):
    """The opening post's form also has the title (removed for a reply)."""

    title = StringField(_l("Judul pertanyaan"), filters=[_strip], validators=[
        DataRequired(_l("Tulis judulnya: satu kalimat tentang apa yang ditanyakan.")),
        Length(max=MAX_TITLE, message=_l("Judul paling panjang %(n)d karakter.", n=MAX_TITLE))])
    body = _body_field(_l("Isi"), BODY_HINT)


def _reason_field(label, description):
    return TextAreaField(label, filters=[_strip], description=description, validators=[
        DataRequired(_l("Tulis alasannya.")),
        Length(max=MAX_REASON, message=_l("Alasan paling panjang %(n)d karakter.",
                                          n=MAX_REASON))])


class ReportForm(KompetenForm):
    reason = _reason_field(_l("Apa yang salah dengan tulisan ini?"), _l(
        "Misalnya: kasar, iklan, menyebarkan data pribadi, atau jawaban yang menyesatkan. "
        "Hanya pengajar kursus dan admin yang membaca laporan ini."))


class HideForm(KompetenForm):
    reason = _reason_field(_l("Alasan menyembunyikan"), _l(
        "Penulisnya menerima alasan ini lewat pemberitahuan; peserta lain hanya melihat bahwa "
        "tulisan ini disembunyikan."))


class ChoiceForm(KompetenForm):
    """A moderation button: mark or unmark, pin or unpin, lock or unlock."""

    nilai = HiddenField(validators=[InputRequired(), AnyOf((YES, NO))])

    @property
    def wanted(self):
        return self.nilai.data == YES


class ThreadFilterForm(KompetenForm):
    """Read from the query string; a GET search needs no CSRF token."""

    class Meta:
        csrf = False

    q = SearchField(_l("Cari di diskusi kursus ini"), filters=[_strip], validators=[
        Optional(), Length(max=MAX_QUERY_CHARS, message=_l(
            "Kata kunci terlalu panjang: paling banyak %(max)d karakter."))])
    modul = StringField(validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Tampilkan"), validators=[Optional()], choices=select_choices([
        ("", _l("Semua utas")), (UNANSWERED, _l("Pertanyaan yang belum terjawab"))]))


def module_choices(modules):
    return select_choices([("", _l("Seluruh kursus (bukan satu modul)"))]
                          + [(module.slug, module.title) for module in modules])


def chosen_pictures(field):
    """[(file name, bytes)] of the files the person chose (a browser sends an empty part when
    none was chosen)."""
    chosen = []
    for storage in field.data or []:
        if not hasattr(storage, "read"):
            continue
        data = storage.read()
        if storage.filename or data:
            chosen.append((storage.filename or "", data))
    return chosen
