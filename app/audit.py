"""The audit log: who did what to which object, and when. Written by services, read by admins."""

import json

from flask import has_request_context, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import UTCDateTime, utcnow
from app.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[object] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    details_json: Mapped[str] = mapped_column(Text, default="{}")

    actor = relationship("User")

    @property
    def details(self):
        """What the action recorded, without the client address (see `address`)."""
        details = json.loads(self.details_json or "{}")
        details.pop(ADDRESS_KEY, None)
        return details

    @property
    def address(self):
        """The client's address for events recorded during a request (None from the CLI)."""
        return json.loads(self.details_json or "{}").get(ADDRESS_KEY)


# Stored inside details_json: every event made during a request says where it came from.
ADDRESS_KEY = "client_address"


def record_event(actor, action, obj_type, obj_id=None, **details):
    """Add an audit event in the caller's transaction (flushes nothing by itself). During a
    request it records the client's address: after ProxyFix, the client's own, not the
    proxy's (app/proxy.py)."""
    if has_request_context():
        details.setdefault(ADDRESS_KEY, request.remote_addr)
    event = AuditEvent(actor_id=actor.id if actor is not None else None, action=action,
                       object_type=obj_type, object_id=str(obj_id) if obj_id is not None else None,
                       details_json=json.dumps(details, ensure_ascii=False, default=str))
    db.session.add(event)
    return event


# --- reading the log: Indonesian labels and readable details (the admin's /admin/audit) -------

ACTION_LABELS = {
    "account.profile": _l("Mengubah profil sendiri"),
    "account.email_confirmed": _l("Mengonfirmasi alamat email"),
    "agency.create": _l("Menambah OPD/unit"), "agency.update": _l("Mengubah OPD/unit"),
    "agency.delete": _l("Menghapus OPD/unit"),
    "announcement.create": _l("Mengirim pengumuman"),
    "announcement.withdraw": _l("Menarik pengumuman"),
    "auth.login": _l("Masuk"), "auth.login_failed": _l("Gagal masuk"),
    "auth.login_throttled": _l("Masuk ditahan (terlalu banyak percobaan)"),
    "auth.login_cookie_refused": _l("Cookie masuk dari perangkat lain ditolak"),
    "auth.password_change": _l("Mengganti kata sandi"),
    "auth.password_reset_request": _l("Meminta tautan atur ulang kata sandi"),
    "auth.password_reset": _l("Mengatur ulang kata sandi lewat tautan email"),
    "auth.register": _l("Mendaftar sendiri"),
    "certificate.issue": _l("Menerbitkan sertifikat"),
    "certificate.reissue": _l("Menerbitkan ulang sertifikat"),
    "certificate.revoke": _l("Mencabut sertifikat"),
    "certificate.badge_key_rotate": _l("Mengganti kunci penanda tangan Open Badge"),
    "course.create": _l("Membuat kursus"), "course.status": _l("Mengubah status kursus"),
    "course.file_upload": _l("Mengunggah berkas kursus"),
    "course.owner_add": _l("Menambah pengajar kursus"),
    "course.owner_remove": _l("Melepas pengajar kursus"),
    "course.prerequisite_waive": _l("Membebaskan prasyarat kursus bagi peserta"),
    "course.prerequisite_unwaive": _l("Mencabut pembebasan prasyarat kursus"),
    "discussion.answer": _l("Menandai jawaban di diskusi"),
    "discussion.answer_removed": _l("Melepas tanda jawaban di diskusi"),
    "discussion.hide": _l("Menyembunyikan tulisan diskusi"),
    "discussion.unhide": _l("Menampilkan lagi tulisan diskusi"),
    "discussion.lock": _l("Mengunci utas diskusi"),
    "discussion.unlock": _l("Membuka kunci utas diskusi"),
    "discussion.pin": _l("Menyematkan utas diskusi"),
    "discussion.unpin": _l("Melepas sematan utas diskusi"),
    "discussion.report": _l("Melaporkan tulisan diskusi"),
    "discussion.reports_dismissed": _l("Mengabaikan laporan tulisan diskusi"),
    "demo.seed": _l("Menambahkan data demo"), "demo.remove": _l("Menghapus data demo"),
    "module.retired": _l("Memensiunkan modul"), "module.deleted": _l("Menghapus modul"),
    "programme.create": _l("Membuat program pelatihan"),
    "programme.update": _l("Mengubah program pelatihan"),
    "quiz.retired": _l("Memensiunkan kuis"), "quiz.deleted": _l("Menghapus kuis"),
    "quiz.essay_graded": _l("Menilai esai"), "quiz.essay_regraded": _l("Mengubah nilai esai"),
    "institution.create": _l("Menambah penyelenggara"),
    "institution.update": _l("Mengubah penyelenggara"),
    "institution.logo": _l("Mengganti logo penyelenggara"),
    "job.retry": _l("Mengulang tugas latar"),
    "jp_credit.add": _l("Menambah kredit JP"), "jp_credit.delete": _l("Menghapus kredit JP"),
    "settings.change": _l("Mengubah pengaturan"),
    "user.create": _l("Membuat akun"), "user.update": _l("Mengubah data akun"),
    "user.activate": _l("Mengaktifkan akun"), "user.deactivate": _l("Menonaktifkan akun"),
    "user.roles": _l("Mengubah peran"), "user.verify": _l("Memverifikasi akun"),
    "user.password_reset": _l("Membuat kata sandi sementara"),
    "user.nip_handover": _l("Menyerahkan NIP"), "user.nip_release": _l("Melepas NIP"),
    "users.import": _l("Mengimpor ASN dari CSV"),
    "workshop.create": _l("Membuat sesi workshop"),
    "workshop.update": _l("Mengubah sesi workshop"),
    "workshop.cancel": _l("Membatalkan sesi workshop"),
    "workshop.promote": _l("Memindahkan peserta dari daftar tunggu"),
    "workshop.attendance": _l("Mencatat kehadiran"),
    "workshop.check_in": _l("Presensi dengan kode"),
    "workshop.code": _l("Menampilkan kode presensi"),
    "workshop.code_replaced": _l("Membuat kode presensi baru"),
}


def action_label(action):
    """The Indonesian label of an action code (the code itself when it has none yet)."""
    return ACTION_LABELS.get(action, action)


def _value_text(value):
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Ya") if value else _("Tidak")
    if isinstance(value, list | tuple):
        return ", ".join(_value_text(item) for item in value) or "—"
    if isinstance(value, dict) and set(value) == {"before", "after"}:
        return f"{_value_text(value['before'])} → {_value_text(value['after'])}"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_value_text(item)}" for key, item in value.items())
    return str(value)


def detail_lines(details):
    """["name: value", "field: before → after", ...] for an event's details: never a Python
    repr, None shown as "—", booleans as Ya/Tidak, changes as before → after."""
    lines = []
    for key, value in details.items():
        if key == "changes" and isinstance(value, dict):
            lines += [f"{field}: {_value_text(change)}" for field, change in value.items()]
        else:
            lines.append(f"{key}: {_value_text(value)}")
    return lines
