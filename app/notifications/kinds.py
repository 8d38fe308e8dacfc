"""The kinds of notification: what each says, who may receive it, and where it goes unless
the person chose otherwise.

A notification stores its kind and a few parameters, not its words: the words are made here
when it is shown or mailed, in the reader's language, so an ASN who switches to English sees
yesterday's notifications in English too."""

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.notifications.models import APP, EMAIL
from app.templating import wita_date, wita_datetime


@dataclass(frozen=True)
class Kind:
    name: str
    label: object  # for the preferences page
    default: str  # APP or EMAIL
    role: str  # who can receive it: learner, trainer or admin (their preferences page)
    text: object  # text(params) -> one sentence


KINDS = {}
IMPORTS = {"content": _l("kursus dan kuis"), "people": _l("data pegawai")}


def register_kind(name, label, default, role, text):
    KINDS[name] = Kind(name, label, default, role, text)


def _when(params):
    """A session's start, stored as ISO text, in the reader's language and WITA."""
    return wita_datetime(datetime.fromisoformat(params["starts_at"]))


def _date(iso):
    return wita_date(date.fromisoformat(iso))


def _revocation_reason(code):
    from app.certificates.models import PUBLIC_REVOCATION_REASONS

    return PUBLIC_REVOCATION_REASONS.get(code, code)


def notification_text(notification):
    kind = KINDS.get(notification.kind)
    if kind is None:  # a kind from a newer or older version: say something rather than fail
        return _("Pemberitahuan")
    try:
        return kind.text(notification.params)
    except (KeyError, TypeError, ValueError):
        return str(kind.label)


def kinds_for(user):
    """The kinds this person can receive, in a fixed order, for their preferences page."""
    return [kind for kind in KINDS.values() if user.has_role(kind.role)]


register_kind(
    "certificate_issued", _l("Sertifikat diterbitkan"), EMAIL, "learner",
    lambda p: _("Sertifikat Anda untuk %(title)s sudah terbit (nomor %(number)s).",
                title=p["title"], number=p["number"]))
register_kind(
    "certificate_revoked", _l("Sertifikat dicabut"), EMAIL, "learner",
    lambda p: _("Sertifikat %(number)s untuk %(title)s dicabut. Alasan: %(reason)s",
                number=p["number"], title=p["title"], reason=_revocation_reason(p["reason"])))
register_kind(
    "attempt_graded", _l("Kuis dinilai"), EMAIL, "learner",
    lambda p: _("Jawaban Anda di %(quiz)s sudah dinilai: %(score)s.",
                quiz=p["quiz"], score=p["score"]))
register_kind(
    "workshop_registered", _l("Pendaftaran pelatihan tatap muka atau webinar"), APP,
    "learner",
    lambda p: (_("Anda terdaftar di %(title)s (%(when)s).", title=p["title"], when=_when(p))
               if not p.get("waiting") else
               _("Anda masuk daftar tunggu %(title)s (%(when)s).", title=p["title"],
                 when=_when(p))))
register_kind(
    "workshop_promoted", _l("Naik dari daftar tunggu"), EMAIL, "learner",
    lambda p: _("Ada kursi untuk Anda: Anda sekarang terdaftar di %(title)s (%(when)s).",
                title=p["title"], when=_when(p)))
register_kind(
    "workshop_reminder", _l("Pengingat sehari sebelum pelatihan"), EMAIL, "learner",
    lambda p: _("Pengingat: %(title)s dimulai %(when)s.", title=p["title"], when=_when(p)))
register_kind(
    "workshop_link", _l("Tautan rapat tersedia"), APP, "learner",
    lambda p: _("Tautan rapat untuk %(title)s sudah tersedia.", title=p["title"]))
register_kind(
    "course_published", _l("Kursus baru"), APP, "learner",
    lambda p: _("Kursus baru: %(title)s (%(jp)s JP).", title=p["title"], jp=p["jp"]))
register_kind(
    "jp_reminder", _l("Pengingat target JP"), EMAIL, "learner",
    lambda p: _("Pengingat JP %(year)s: JP Anda masih di bawah %(pace)s JP, jumlah yang "
                "seharusnya sudah tercapai sekarang agar target %(target)s JP terpenuhi pada "
                "akhir tahun.", year=p["year"], target=p["target"], pace=p["pace"]))
register_kind(
    "programme_overdue", _l("Program wajib melewati tenggat"), EMAIL, "learner",
    lambda p: _("Program wajib %(title)s sudah melewati tenggatnya (%(due)s) dan belum Anda "
                "selesaikan.", title=p["title"], due=_date(p["due"])))
register_kind(
    "announcement", _l("Pengumuman BKPSDM"), APP, "learner",
    lambda p: _("Pengumuman: %(title)s", title=p["title"]))
register_kind(
    "discussion_answered", _l("Pertanyaan saya di diskusi kursus dijawab"), EMAIL, "learner",
    lambda p: (_("Pertanyaan Anda \u201c%(title)s\u201d di %(course)s sudah punya jawaban.",
                 title=p["title"], course=p["course"])
               if p.get("how") == "answer" else
               _("Ada balasan baru untuk pertanyaan Anda \u201c%(title)s\u201d di %(course)s.",
                 title=p["title"], course=p["course"])))
register_kind(
    "discussion_post_hidden", _l("Tulisan saya di diskusi disembunyikan moderator"), APP,
    "learner",
    lambda p: _("Tulisan Anda di diskusi \u201c%(title)s\u201d (%(course)s) disembunyikan oleh "
                "moderator. Alasan: %(reason)s", title=p["title"], course=p["course"],
                reason=p["reason"]))
register_kind(
    "essays_waiting", _l("Esai menunggu dinilai"), APP, "trainer",
    lambda p: _("Jawaban esai baru di %(quiz)s menunggu penilaian.", quiz=p["quiz"]))
register_kind(
    "discussion_question", _l("Pertanyaan baru di diskusi kursus yang saya ajar"), APP,
    "trainer",
    lambda p: _("Pertanyaan baru di diskusi %(course)s: \u201c%(title)s\u201d.",
                course=p["course"], title=p["title"]))
register_kind(
    "job_failed", _l("Tugas latar gagal"), APP, "admin",
    lambda p: _("Tugas latar gagal: %(label)s.", label=p["label"]))
register_kind(
    "import_problems", _l("Masalah impor"), APP, "admin",
    lambda p: _("Impor %(what)s selesai dengan %(count)s masalah.",
                what=IMPORTS.get(p["what"], p["what"]), count=p["count"]))
