"""`flask db-backup PATH`: a consistent copy of a live SQLite database.

It uses SQLite's online backup API, which copies a consistent snapshot page by page while
other workers keep reading and writing (copying the file could catch a half-written page or
miss the WAL). PostgreSQL is backed up with pg_dump (docs/operations.md).
"""

import os
from pathlib import Path

import click
from flask.cli import with_appcontext

from app.extensions import db
from app.storage import FILE_MODE


def sqlite_backup(source_path, target_path, pages_per_step=1024):
    """Copy source to target with the backup API; the target is replaced atomically."""
    import sqlite3  # loaded on first use: a PostgreSQL site's workers never load it

    target_path = Path(target_path)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    partial = target_path.with_name(target_path.name + ".partial")
    partial.unlink(missing_ok=True)
    # The copy holds every account and certificate: 0640 before a byte is written.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    os.chmod(partial, FILE_MODE)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    target = sqlite3.connect(partial)
    try:
        source.backup(target, pages=pages_per_step)
        ok = target.execute("PRAGMA integrity_check").fetchone()[0]
        if ok != "ok":
            raise click.ClickException(f"Salinan rusak menurut integrity_check: {ok}")
    finally:
        target.close()
        source.close()
    partial.replace(target_path)
    return target_path.stat().st_size


@click.command("db-backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(path):
    """Salin basis data SQLite yang sedang berjalan ke PATH secara konsisten."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(
            "db-backup hanya untuk SQLite. Cadangkan PostgreSQL dengan pg_dump, lihat "
            "docs/operations.md.")
    if not url.database or url.database == ":memory:":
        raise click.ClickException("Basis data SQLite di memori tidak dapat dicadangkan.")
    size = sqlite_backup(url.database, path)
    click.echo(f"Cadangan tersimpan: {path} ({size // 1024} KB).")
