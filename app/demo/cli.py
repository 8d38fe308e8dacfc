"""`flask demo seed` and `flask demo remove` (docs/demo.md)."""

import click
from flask.cli import AppGroup

from app.demo import data, services
from app.errors import LmsError
from app.extensions import db

demo_cli = AppGroup("demo", help="Data demo: akun contoh untuk mencoba setiap peran.")

ROLE_NAMES = (("admin", "admin"), ("trainer", "pengajar"), ("learner", "peserta"))


def _roles(user):
    return ", ".join(name for role, name in ROLE_NAMES if role in user.roles)


def _print_accounts(accounts):
    click.echo(f"Akun demo; kata sandi semua akun: {data.DEMO_PASSWORD} (masuk di /masuk "
               "dengan NIP):")
    stories = {person.nip: person.story for person in data.PEOPLE}
    for user in accounts:
        agency = user.agency.name if user.agency else "tanpa OPD"
        click.echo(f"  {user.nip}  {_roles(user):<17} {user.name} ({agency})")
        if stories.get(user.nip):
            click.echo(f"  {'':18}  → {stories[user.nip]}")
    click.echo("Hapus lagi dengan: flask demo remove")


@demo_cli.command("seed")
@click.option("--force", is_flag=True,
              help="Tambahkan juga bila basis data sudah punya banyak peserta nyata.")
def seed_command(force):
    """Tambahkan data demo (sekali; menjalankan lagi tidak menambah apa pun)."""
    if services.demo_present():
        click.echo("Data demo sudah ada; tidak ada yang ditambahkan. "
                   "(The demo is already there.)")
        _print_accounts(services.demo_accounts())
        return
    problems = services.seed_problems(force)
    if problems:
        raise click.ClickException("Data demo tidak ditambahkan.\n" + "\n".join(problems))
    try:
        seeded = services.seed_demo()
    except LmsError as error:
        db.session.rollback()
        raise click.ClickException(f"Data demo tidak ditambahkan: {error.message}") from None
    db.session.commit()
    click.echo(f"Data demo ditambahkan: {len(seeded.accounts)} akun, kursus {data.COURSE.code} "
               "dengan esai menunggu nilai, satu workshop dan satu webinar dengan pendaftar, "
               "sertifikat "
               f"{' dan '.join(seeded.certificate_numbers)} (yang kedua dicabut), kredit JP "
               "dari luar, dan satu pengumuman.")
    for note in seeded.notes:
        click.echo(note)
    _print_accounts([user for _person, user in seeded.accounts])


@demo_cli.command("remove")
def remove_command():
    """Hapus data demo: akun demo dan semua yang bergantung padanya, serta kursus, sesi dan
    pengumuman yang dibuat demo. Data nyata tidak disentuh."""
    problems = services.remove_problems()
    if problems:
        raise click.ClickException("Data demo tidak dihapus.\n" + "\n".join(problems))
    removed = services.remove_demo()
    if removed is None:
        click.echo("Tidak ada data demo. (There is no demo data.)")
        return
    db.session.commit()
    services.remove_evidence(removed.evidence)
    click.echo(f"Data demo dihapus: {removed.accounts} akun, {removed.certificates} sertifikat, "
               f"{removed.courses} kursus, {removed.sessions} sesi, {removed.announcements} "
               "pengumuman.")
    if removed.notifications:
        click.echo(f"{removed.notifications} notifikasi akun lain tentang kursus, sesi atau "
                   "pengumuman demo ikut dihapus.")
    for line in removed.kept:
        click.echo(line)
