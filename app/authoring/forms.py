"""Forms of the trainers' editor. Database-backed checks sit in validate_<field> methods."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, select
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from app.auth.nip import InvalidNip, parse_nip
from app.content.limits import WithinLimit
from app.content.loader import CODE, SLUG
from app.courses.models import (
    CERTIFICATE_POLICIES,
    COMPETENCY_TYPES,
    COURSE_STATUSES,
    LEARNING_MODES,
    Course,
)
from app.courses.prerequisites import prerequisite_problem
from app.extensions import db
from app.forms import (
    CheckboxesField,
    KompetenForm,
    WholeNumberField,
    select_choices,
    whole_number,
)
from app.quizzes.models import (
    ANSWER_VISIBILITY,
    AT_START,
    GRADING_METHODS,
    QUIZ_KINDS,
    REVIEW_POLICIES,
    TEXT_FORMATS,
)

SLUG_MESSAGE = _l("Hanya huruf kecil, angka dan tanda hubung, mis. tanda-tangan-elektronik.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CourseForm(KompetenForm):
    """Everything about a course but its modules; code is chosen once, at creation."""

    code = StringField(
        _l("Kode kursus"), filters=[_strip, lambda v: v.upper() if isinstance(v, str) else v],
        description=_l("Huruf besar, angka dan tanda hubung, mis. SPBE-102. Tidak dapat diubah "
                       "setelah kursus dibuat: kode tercantum di sertifikat."),
        validators=[DataRequired(_l("Isi kode kursus.")), Length(max=32),
                    Regexp(CODE, message=_l("Kode hanya boleh huruf besar, angka dan tanda "
                                            "hubung, mis. SPBE-102."))])
    title = StringField(_l("Judul"), filters=[_strip],
                        validators=[DataRequired(_l("Isi judul kursus.")), Length(max=200)])
    summary = StringField(_l("Ringkasan (satu kalimat di katalog)"), filters=[_strip],
                          validators=[Optional(), Length(max=300)])
    description = TextAreaField(
        _l("Deskripsi (Markdown)"), validators=[Optional(), WithinLimit("description")],
        description=_l("Tujuan, sasaran peserta dan isi kursus. Judul bagian ditulis dengan ##."))
    jp = WholeNumberField(_l("Jam pelajaran (JP)"), validators=[
        InputRequired(_l("Isi jumlah JP.")),
        NumberRange(min=1, max=200, message=_l("JP harus antara 1 dan 200."))])
    competency = SelectField(_l("Jenis kompetensi"),
                             choices=select_choices(COMPETENCY_TYPES.items()))
    mode = SelectField(_l("Moda pembelajaran"), choices=select_choices(LEARNING_MODES.items()))
    provider = StringField(_l("Penyelenggara"), filters=[_strip],
                           validators=[DataRequired(_l("Isi penyelenggara, mis. BKPSDM Kota "
                                                       "Palu.")), Length(max=200)])
    certificate_policy = SelectField(_l("Sertifikat"),
                                     choices=select_choices(CERTIFICATE_POLICIES.items()))
    requires = CheckboxesField(
        _l("Kursus prasyarat"), coerce=whole_number,
        description=_l("Kursus yang harus sudah diselesaikan peserta (tahun berapa pun) sebelum "
                       "dapat mendaftar ke kursus ini. Peserta yang sudah terdaftar tidak "
                       "terpengaruh."))

    def __init__(self, *args, course=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.course = course
        self.requires.choices = select_choices(other_courses(course))
        if course is not None:
            # The code is fixed once the course exists; the field only shows it.
            del self.code

    def validate_code(self, field):
        taken = db.session.scalar(select(Course.id).where(
            (func.upper(Course.code) == field.data) | (Course.slug == field.data.lower())))
        if taken is not None:
            raise ValidationError(_l("Kode %(code)s sudah dipakai kursus lain.", code=field.data))

    def validate_requires(self, field):
        # A new course is required by none yet: only an existing one can close a cycle. A
        # value that is no choice (the course itself, one that does not exist) said so already.
        if self.course is None or not field.data or field.errors:
            return
        chosen = db.session.scalars(select(Course).where(Course.id.in_(field.data))).all()
        problem = prerequisite_problem(self.course, chosen)
        if problem:
            raise ValidationError(problem)


def other_courses(course=None):
    """(id, "CODE · Title") of every course but this one, by code, for the prerequisites."""
    query = select(Course.id, Course.code, Course.title, Course.status).order_by(Course.code)
    if course is not None:
        query = query.where(Course.id != course.id)
    return [(row.id, _course_label(row)) for row in db.session.execute(query)]


def _course_label(row):
    label = f"{row.code} · {row.title}"
    if row.status != "published":
        label += f" ({COURSE_STATUSES[row.status]})"
    return label


class StatusForm(KompetenForm):
    status = SelectField(_l("Status"), choices=select_choices(COURSE_STATUSES.items()))


class ModuleForm(KompetenForm):
    title = StringField(_l("Judul modul"), filters=[_strip],
                        validators=[DataRequired(_l("Isi judul modul.")), Length(max=200)])
    slug = StringField(
        _l("Alamat (slug)"), filters=[_strip],
        description=_l("Bagian alamat halaman modul. Kosongkan untuk dibuat dari judul."),
        validators=[Optional(), Length(max=100), Regexp(SLUG, message=SLUG_MESSAGE)])
    minutes = WholeNumberField(_l("Perkiraan waktu baca (menit)"), validators=[
        InputRequired(_l("Isi perkiraan waktu baca.")),
        NumberRange(min=1, max=600, message=_l("Waktu baca harus antara 1 dan 600 menit."))])
    body = TextAreaField(_l("Isi modul (Markdown)"), validators=[
        DataRequired(_l("Isi modul tidak boleh kosong.")), WithinLimit("module")])


class PreviewForm(KompetenForm):
    """Markdown sent by the editor's live preview."""

    source = TextAreaField(validators=[Optional(), WithinLimit("module")])


class UploadForm(KompetenForm):
    file = FileField(_l("Gambar atau PDF"), validators=[FileRequired(_l("Pilih berkas."))],
                     description=_l("PNG, JPEG, GIF, WebP atau PDF."))


class QuizForm(KompetenForm):
    slug = StringField(
        _l("Alamat kuis (slug)"), filters=[_strip],
        description=_l("Nama berkas dan bagian alamat kuis, mis. kuis-akhir. Tidak dapat diubah "
                       "setelah kuis dibuat."),
        validators=[DataRequired(_l("Isi alamat kuis.")), Length(max=100),
                    Regexp(SLUG, message=SLUG_MESSAGE)])
    title = StringField(_l("Judul kuis"), filters=[_strip],
                        validators=[DataRequired(_l("Isi judul kuis.")), Length(max=200)])
    kind = SelectField(_l("Jenis"), choices=select_choices(QUIZ_KINDS.items()))
    after = SelectField(_l("Letak"), description=_l(
        "Kuis akhir tampil setelah modul terakhir; pretest biasanya sebelum modul pertama."))
    pass_mark = WholeNumberField(_l("Nilai lulus (0–100)"), validators=[
        InputRequired(_l("Isi nilai lulus.")),
        NumberRange(min=0, max=100, message=_l("Nilai lulus harus antara 0 dan 100."))])
    time_limit = WholeNumberField(_l("Batas waktu (menit, 0 = tanpa batas)"), validators=[
        InputRequired(_l("Isi batas waktu (0 bila tanpa batas).")),
        NumberRange(min=0, max=600, message=_l("Batas waktu harus antara 0 dan 600 menit."))])
    max_attempts = WholeNumberField(_l("Jumlah percobaan (0 = tanpa batas)"), validators=[
        InputRequired(_l("Isi jumlah percobaan (0 bila tanpa batas).")),
        NumberRange(min=0, max=100, message=_l("Jumlah percobaan harus antara 0 dan 100."))])
    grading = SelectField(_l("Nilai akhir diambil dari"),
                          choices=select_choices(GRADING_METHODS.items()))
    draw = WholeNumberField(_l("Soal diacak dari bank (0 = semua soal)"), validators=[
        InputRequired(_l("Isi jumlah soal yang diambil (0 bila semua).")),
        NumberRange(min=0, max=1000, message=_l("Jumlah soal harus antara 0 dan 1000."))])
    shuffle_answers = BooleanField(_l("Acak urutan pilihan jawaban"))
    review = SelectField(_l("Setelah dikirim, peserta melihat"),
                         choices=select_choices(REVIEW_POLICIES.items()))
    show_answers = SelectField(
        _l("Kunci jawaban dan umpan balik ditampilkan"),
        choices=select_choices(ANSWER_VISIBILITY.items()),
        description=_l("Selama peserta masih punya kesempatan, kunci jawaban memberi tahu "
                       "jawaban untuk percobaan berikutnya; sebelum itu peserta hanya melihat "
                       "nilai dan benar/salah per soal."))
    text_format = SelectField(
        _l("Format teks soal tanpa penanda"), choices=select_choices(TEXT_FORMATS.items()),
        description=_l("Soal, jawaban dan umpan balik yang tidak diawali [html], [markdown], "
                       "[plain] atau [moodle] ditampilkan dalam format ini."))
    gift = TextAreaField(
        _l("Soal (format GIFT Moodle)"), validators=[WithinLimit("gift")],
        description=_l("Satu soal per blok, dipisah baris kosong. Tekan \u201cPeriksa\u201d untuk "
                       "melihat masalah per baris sebelum menyimpan."))

    def __init__(self, *args, modules=(), quiz=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.after.choices = select_choices(
            [("", _l("Kuis akhir (setelah semua modul)")),
             (AT_START, _l("Sebelum modul pertama (pretest)"))]
            + [(m.slug, _l("Setelah modul: %(title)s", title=m.title)) for m in modules])
        if quiz is not None:
            del self.slug

    def validate_after(self, field):
        if field.data == AT_START and self.kind.data != "pretest":
            raise ValidationError(_l("Hanya pretest yang dapat diletakkan sebelum modul pertama."))

    def settings(self):
        """The quiz settings as the model names them."""
        return {"title": self.title.data, "kind": self.kind.data,
                "pass_mark": self.pass_mark.data, "time_limit_minutes": self.time_limit.data,
                "max_attempts": self.max_attempts.data, "grading_method": self.grading.data,
                "draw_count": self.draw.data, "shuffle_answers": bool(self.shuffle_answers.data),
                "review_policy": self.review.data, "show_answers": self.show_answers.data,
                "default_format": self.text_format.data}


class OwnerForm(KompetenForm):
    nip = StringField(_l("NIP pengajar"), filters=[_strip],
                      validators=[DataRequired(_l("Isi NIP pengajar."))])

    def validate_nip(self, field):
        try:
            field.data = parse_nip(field.data).nip
        except InvalidNip as error:
            raise ValidationError(str(error)) from None
