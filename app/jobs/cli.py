"""`flask jobs worker` runs the consumer; `flask jobs list` and `flask jobs sweep` help an
operator watch it (docs/operations.md)."""

import logging
import threading

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select, update

from app.extensions import db
from app.jobs import queue
from app.jobs.models import QUEUED, RUNNING, Job
from app.jobs.runner import beat_running_jobs, job_label, requeue_lost_jobs

log = logging.getLogger(__name__)


@click.group("jobs")
def jobs_cli():
    """Antrean tugas latar (sertifikat massal, ekspor, cadangan)."""


def _heartbeat_loop(app, stop, interval):
    """Beat, and send again what the queue lost, every `interval` seconds until stopped."""
    while not stop.is_set():
        try:
            queue.beat()
            with app.app_context():
                beat_running_jobs()
                revived = requeue_lost_jobs()
                if revived:
                    log.warning("re-sent jobs %s (consumer killed or queue was down)", revived)
        except Exception:  # the heartbeat thread must outlive a passing database failure
            log.exception("job heartbeat/sweep failed")
        stop.wait(interval)


@jobs_cli.command("worker")
@click.option("--workers", type=int, default=None,
              help="Jumlah thread pekerja (bawaan LMS_JOB_WORKERS, 2).")
@click.option("--no-periodic", is_flag=True,
              help="Jangan jalankan tugas terjadwal (pakai pada konsumen kedua dan seterusnya).")
@with_appcontext
def worker_command(workers, no_periodic):
    """Jalankan konsumen antrean tugas (proses kedua di samping server web)."""
    app = current_app._get_current_object()
    if queue.is_immediate():
        raise click.ClickException("Antrean berjalan dalam mode langsung (LMS_JOBS_IMMEDIATE=1):"
                                   " tidak ada konsumen yang perlu dijalankan.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s "
                        "%(message)s")
    # The PDF renderer's font subsetting logs some 40 lines per certificate at INFO.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    from huey.signals import SIGNAL_INTERRUPTED

    consumer = queue.huey.create_consumer(
        workers=workers or app.config["JOB_WORKERS"], worker_type="thread",
        periodic=not no_periodic, check_worker_health=True, initial_delay=0.1, max_delay=2.0)
    queue.huey.signal(SIGNAL_INTERRUPTED)(_give_back_interrupted)
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat_loop, name="kompeten-heartbeat", daemon=True,
                            args=(app, stop, app.config["JOB_HEARTBEAT_SECONDS"]))
    beat.start()
    click.echo(f"Konsumen tugas berjalan ({queue.worker_name()}); antrean: "
               f"{'Redis' if app.config.get('REDIS_URL') else queue.queue_file(app)}.")
    try:
        consumer.run()
    finally:
        stop.set()


def _give_back_interrupted(signal, task, *args, **kwargs):
    """Stopped with SIGTERM in the middle of a job: put it back in the queue now, rather than
    after its heartbeat goes stale (the next consumer runs it; every job is idempotent)."""
    job_id = task.args[0] if task.args else None
    if job_id is None:
        return
    with queue.job_app().app_context():
        given_back = db.session.execute(
            update(Job).where(Job.id == job_id, Job.state == RUNNING)
            .values(state=QUEUED, worker=None)
            .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
    if given_back:
        # Huey does not requeue an interrupted task; without a message the job would wait
        # for a sweep, which sends only jobs older than JOB_STALE_SECONDS and an empty queue.
        queue.send_job(job_id)


@jobs_cli.command("list")
@click.option("--limit", type=int, default=20)
@with_appcontext
def list_command(limit):
    """Tampilkan tugas terbaru dan statusnya."""
    for job in db.session.scalars(select(Job).order_by(Job.id.desc()).limit(limit)):
        progress = f"{job.progress_done}/{job.progress_total}" if job.progress_total else "-"
        click.echo(f"#{job.id}\t{job.state}\t{progress}\t{job_label(job)}"
                   f"{chr(9) + job.error if job.error else ''}")
    heartbeat = queue.last_heartbeat()
    click.echo(f"Antrean: {queue.queue_length()} menunggu; detak konsumen terakhir: "
               f"{heartbeat['worker'] + ' ' + str(round(heartbeat['at'])) if heartbeat else '-'}")


@jobs_cli.command("run-periodic")
@click.argument("name")
@with_appcontext
def run_periodic_command(name):
    """Jalankan satu tugas terjadwal sekarang (nightly_backup, close_overdue_attempts, ...)."""
    from app.jobs.periodic import PERIODIC, start_periodic
    from app.jobs.runner import wait_for_job

    if name not in PERIODIC:
        raise click.ClickException(f"Tugas terjadwal {name} tidak ada. Pilihan: "
                                   f"{', '.join(sorted(PERIODIC))}.")
    job = start_periodic(name)
    if job is None:
        raise click.ClickException(f"Tugas terjadwal {name} dimatikan di pengaturan.")
    job = wait_for_job(job.id)
    click.echo(f"Tugas #{job.id}: {job.state_label}. {job.error or ''}".strip())
    if job.state != "succeeded":
        raise SystemExit(1)


@jobs_cli.command("sweep")
@with_appcontext
def sweep_command():
    """Kirim lagi tugas yang hilang dari antrean (konsumen mati di tengah tugas)."""
    revived = requeue_lost_jobs()
    click.echo(f"Dikirim lagi: {len(revived)} tugas.")
