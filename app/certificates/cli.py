"""`flask certificates issue CODE --all [--wait]`: issue a course's certificates in bulk from
the command line, through the same background job as the admin's button.
`flask certificates rotate-badge-key`: a new Open Badges signing key (badge_keys.py)."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.audit import record_event
from app.auth.services import find_user_by_login
from app.certificates import badge_keys, services
from app.certificates.jobs import issuing_progress, start_issuing
from app.courses.models import Course, Enrollment
from app.extensions import db
from app.jobs.runner import wait_for_job

certificates_cli = AppGroup("certificates", help="Terbitkan sertifikat dari baris perintah.")


def _user(nip):
    user = find_user_by_login(nip)
    if user is None:
        raise click.ClickException(f"Akun dengan NIP {nip} tidak ada.")
    return user


@certificates_cli.command("issue")
@click.argument("code")
@click.option("--all", "everyone", is_flag=True, help="Semua peserta yang menunggu sertifikat.")
@click.option("--nip", "nips", multiple=True, help="Hanya peserta ini (boleh berulang).")
@click.option("--by", "by_nip", help="NIP admin yang tercatat sebagai penerbit.")
@click.option("--wait", is_flag=True,
              help="Tunggu sampai selesai (tanpa konsumen yang berjalan: dikerjakan di sini).")
def issue_command(code, everyone, nips, by_nip, wait):
    """Terbitkan sertifikat kursus CODE untuk peserta yang sudah selesai, sebagai tugas latar."""
    if everyone == bool(nips):
        raise click.UsageError("Pilih salah satu: --all atau --nip NIP (boleh berulang).")
    course = db.session.scalar(select(Course).where(Course.code == code.strip().upper()))
    if course is None:
        raise click.ClickException(f"Kursus berkode {code} tidak ada.")
    issuer = _user(by_nip) if by_nip else None
    chosen = None
    if nips:
        users = [_user(nip).id for nip in nips]
        chosen = set(db.session.scalars(select(Enrollment.id).where(
            Enrollment.course_id == course.id, Enrollment.user_id.in_(users))))
    try:
        job = start_issuing("course", course, chosen, issuer)
    except services.CertificateError as error:
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Tugas #{job.id}: {job.progress_total} peserta menunggu sertifikat "
               f"{course.code}. Pantau di /admin/tugas/{job.id}.")
    if not wait:
        return
    job = wait_for_job(job.id, report=lambda job: click.echo(
        f"  {job.state_label}: {issuing_progress(job)}"))
    for message in job.summary.get("refusals", []):
        click.echo(f"  tidak diterbitkan: {message}")
    if job.state != "succeeded":
        raise click.ClickException(job.error or "Tugas gagal.")


@certificates_cli.command("rotate-badge-key")
def rotate_badge_key_command():
    """Buat kunci baru penanda tangan Open Badge; Open Badge lama tetap dapat diperiksa."""
    old, new = badge_keys.rotate_key()
    record_event(None, "certificate.badge_key_rotate", "badge_key", new, previous=old)
    db.session.commit()
    click.echo(f"Kunci penanda tangan Open Badge yang baru: {new}.")
    if old:
        click.echo(f"Kunci lama {old} tidak lagi menandatangani; kunci publiknya tetap "
                   "diterbitkan di /.well-known/jwks.json dan /.well-known/did.json, jadi Open "
                   "Badge yang sudah diunduh tetap dapat diperiksa.")
