"""`flask bench waiting-certificates`: one more bench course whose learners have all completed
it and wait for their certificates, for the load benchmark's issuing scenario
(bench/issuing.py). For a database already seeded by `flask bench seed` only."""

import random
from datetime import timedelta

import click
from sqlalchemy import func, select

from app.auth.models import User
from app.courses.models import Course, Enrollment, Module
from app.database import utcnow
from app.extensions import db
from app.operations.bench import BENCH_COURSES, bench_cli, insert_rows

WAITING_CODE = "BNC-TERBIT"
WAITING_SLUG = "bench-penerbitan-sertifikat"
WAITING_TITLE = "Literasi Digital bagi ASN"


def seed_waiting(count, seed_value=2026):
    """A published course with one module and `count` completed enrolments without a
    certificate, of the last-created active learners (the bench learners, created first,
    only at a small scale). Flushes; returns the course."""
    rng, now = random.Random(seed_value), utcnow()
    learners = db.session.scalars(
        select(User.id).where(User.is_learner, User.active).order_by(User.id.desc())
        .limit(count)).all()
    if len(learners) < count:
        raise click.ClickException(f"Hanya ada {len(learners)} peserta aktif; perlu {count}.")
    [course_id] = insert_rows(Course, [{
        "code": WAITING_CODE, "slug": WAITING_SLUG, "title": WAITING_TITLE, "jp": 4,
        "competency": "teknis", "mode": "e-learning", "provider": "BKPSDM Kota Palu",
        "status": "published", "certificate_policy": "manual",
        "summary": f"{WAITING_TITLE} (data bench).", "created_at": now - timedelta(days=60)}],
        returning=True)
    insert_rows(Module, [{"course_id": course_id, "position": 1, "slug": "pengantar",
                          "title": "Pengantar", "minutes": 30}])
    rows = []
    for user_id in learners:
        completed = now - timedelta(days=rng.uniform(1, 30))
        rows.append({"user_id": user_id, "course_id": course_id,
                     "enrolled_at": completed - timedelta(days=7),
                     "started_at": completed - timedelta(days=7), "completed_at": completed})
    insert_rows(Enrollment, rows)
    return db.session.get(Course, course_id)


@bench_cli.command("waiting-certificates")
@click.option("--count", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Jumlah peserta yang menunggu sertifikat.")
def waiting_command(count):
    """Tambahkan kursus bench yang COUNT pesertanya selesai dan menunggu sertifikat."""
    seeded = db.session.scalar(select(func.count()).select_from(Course).where(
        Course.code == BENCH_COURSES[0][0]))
    if not seeded:
        raise click.ClickException("Hanya untuk basis data yang diisi `flask bench seed`.")
    if db.session.scalar(select(Course.id).where(Course.code == WAITING_CODE)):
        raise click.ClickException(f"Kursus {WAITING_CODE} sudah ada di basis data ini.")
    course = seed_waiting(count)
    db.session.commit()
    click.echo(f"{course.code}: {count} peserta menunggu sertifikat.")
