"""Manual JP credits: JP an admin credits for learning outside Kompeten (a webinar, a classroom
training), with a note and optionally the evidence as a file.

The only writes of the reports package live here; the report queries stay read-only. Services
flush and never commit. An evidence file is checked by its content (app.content.media) and
stored as instance/uploads/jp-credits/<credit id>/<name>; it is written before the row is
committed, so a rolled-back request leaves at most an orphan file, never a row without its file.
"""

import hashlib
import shutil
from pathlib import Path

from flask_babel import gettext as _

from app.audit import record_event
from app.content.media import extension_for, inspect_bytes, safe_file_name, uploads_root
from app.courses.models import JpCredit
from app.errors import LmsError
from app.extensions import db
from app.storage import write_private
from app.timeutil import now_in_palu

MIN_JP, MAX_JP = 1, 200


class CreditError(LmsError):
    """A manual credit broke a rule (JP out of range, a date in the future, a bad file)."""


def evidence_folder(credit_id):
    return uploads_root() / "jp-credits" / str(credit_id)


def evidence_path(credit):
    if not credit.evidence_name:
        return None
    return evidence_folder(credit.id) / credit.evidence_name


def _check_rules(jp, earned_on, title):
    if not MIN_JP <= jp <= MAX_JP:
        raise CreditError(_("JP harus antara %(low)d dan %(high)d.", low=MIN_JP, high=MAX_JP))
    if earned_on > now_in_palu().date():
        raise CreditError(_("Tanggal tidak boleh di masa depan."))
    if not (title or "").strip():
        raise CreditError(_("Nama pembelajaran wajib diisi."))


def _evidence_name(original, mime):
    """A safe file name whose extension follows the content, whatever the upload was called."""
    name = safe_file_name(original)
    stem = name.rsplit(".", 1)[0] if name else "bukti"
    return f"{stem}.{extension_for(mime, name or '')}"


def _store_evidence(credit, original_name, data):
    mime, message = inspect_bytes(data)
    if message:
        raise CreditError(_("Bukti ditolak: %(reason)s", reason=message))
    credit.evidence_name = _evidence_name(original_name, mime)
    credit.evidence_mime = mime
    credit.evidence_sha256 = hashlib.sha256(data).hexdigest()
    path = evidence_path(credit)
    # A folder already there is an orphan (a rolled-back upload, or a deleted credit's id
    # reused by SQLite): it belongs to no row, so it goes.
    discard_evidence(path.parent)
    write_private(path, data, root=uploads_root())  # 0640 in 0750 folders, atomic


def add_jp_credit(user, *, earned_on, jp, title, provider="", note="", evidence=None,
                  actor=None):
    """Credit JP to a user; evidence is (original file name, bytes) or None. Flushes."""
    _check_rules(jp, earned_on, title)
    credit = JpCredit(user_id=user.id, earned_on=earned_on, jp=jp, title=title.strip(),
                      provider=(provider or "").strip(), note=(note or "").strip(),
                      created_by_id=actor.id if actor is not None else None)
    db.session.add(credit)
    db.session.flush()  # the id names the evidence folder
    if evidence is not None:
        _store_evidence(credit, *evidence)
    record_event(actor, "jp_credit.add", "user", user.id, credit_id=credit.id, nip=user.nip,
                 jp=jp, earned_on=earned_on.isoformat(), title=credit.title,
                 evidence=credit.evidence_name)
    db.session.flush()
    return credit


def remove_jp_credit(credit, actor=None):
    """Delete a wrong credit (audited with everything it said). Flushes.

    Returns the evidence folder: the caller removes it with discard_evidence() once the
    deletion is committed, so a failed commit never loses the file of a credit that stays."""
    user = credit.user
    record_event(actor, "jp_credit.delete", "user", credit.user_id, credit_id=credit.id,
                 nip=user.nip if user is not None else None, jp=credit.jp,
                 earned_on=credit.earned_on.isoformat(), title=credit.title,
                 provider=credit.provider, note=credit.note, evidence=credit.evidence_name)
    folder = evidence_folder(credit.id)
    db.session.delete(credit)
    db.session.flush()
    return folder


def discard_evidence(folder):
    """Remove a deleted credit's evidence folder (SQLite may reuse the id later)."""
    if folder is not None and Path(folder).is_dir():
        shutil.rmtree(folder, ignore_errors=True)
