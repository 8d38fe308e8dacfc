"""The course discussion as a CSV for its trainers and the admins: every post with its thread,
author, times (WITA), state and text as typed, drawn from one report Table (app/reports)."""

from flask_babel import lazy_gettext as _l

from app.reports.tables import NIP, NUMBER, Column, Table
from app.timeutil import PALU_TZ

COLUMNS = (
    Column("thread_id", _l("Utas"), NUMBER),
    Column("thread_title", _l("Judul utas")),
    Column("module", _l("Modul")),
    Column("post_id", _l("Tulisan"), NUMBER),
    Column("kind", _l("Jenis")),
    Column("author", _l("Penulis")),
    Column("nip", _l("NIP"), NIP),
    Column("written", _l("Ditulis (WITA)")),
    Column("edited", _l("Diubah (WITA)")),
    Column("answer", _l("Jawaban")),
    Column("hidden_reason", _l("Disembunyikan, alasan")),
    Column("body", _l("Isi")),
)


def _wita(moment):
    return moment.astimezone(PALU_TZ).strftime("%Y-%m-%d %H:%M") if moment else ""


class PostRow:
    """One post as the export shows it."""

    def __init__(self, post):
        self.post = post
        thread = post.thread
        self.thread_id, self.thread_title = thread.id, thread.title
        self.module = thread.module.title if thread.module else ""
        self.post_id = post.id
        self.kind = str(_l("Pertanyaan") if post.is_opening else _l("Balasan"))
        self.author = post.author.name if post.author else str(_l("Akun dihapus"))
        self.nip = post.author.nip if post.author else ""
        self.written, self.edited = _wita(post.created_at), _wita(post.edited_at)
        self.answer = str(_l("Ya")) if post.is_answer else ""
        self.hidden_reason = post.hidden_reason or ""
        self.body = post.body_source


def discussion_table(course, posts):
    return Table(f"diskusi-{course.slug}", str(_l("Diskusi %(course)s", course=course.title)),
                 COLUMNS, (PostRow(post) for post in posts))
