"""Time `flask users import` work for many rows: check, then apply and commit, then re-import.

    .venv/bin/python bench/import_users.py [--rows 10000] [--database-url URL]

Without --database-url it uses a fresh SQLite file in a temporary folder. A PostgreSQL URL must
name an empty database made for this (its tables are dropped and created again). Production
password-hashing settings (config.Config) are used, not the test suite's cheap ones.
"""

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from app.admin import people_import
from app.auth.services import PALU_AGENCIES, seed_agencies
from app.extensions import db

GOLONGAN = ("II/a", "II/c", "III/a", "III/b", "III/c", "III/d", "IV/a")


def valid_nip(index):
    """A distinct, valid PNS NIP per index: 999 serials per birth date."""
    birth = date(1965, 1, 1) + timedelta(days=index // 999)
    tmt = f"{1990 + index % 30}{1 + index % 12:02d}"
    return f"{birth:%Y%m%d}{tmt}{1 + index % 2}{1 + index % 999:03d}"


def people_csv(rows, title="Staf"):
    lines = ["nip;nama;email;kode_opd;jenis_jabatan;jabatan;golongan;jenis_pegawai;peran"]
    for index in range(rows):
        code = PALU_AGENCIES[index % len(PALU_AGENCIES)][0]
        lines.append(f"{valid_nip(index)};Pegawai Nomor {index};pegawai{index}@palukota.go.id;"
                     f"{code};Pelaksana;{title} {index % 50};{GOLONGAN[index % len(GOLONGAN)]};"
                     f"PNS;peserta")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def timed(label, work):
    start = time.perf_counter()
    result = work()
    print(f"  {label}: {time.perf_counter() - start:.2f} s")
    return result


def run_import(data, label):
    print(label)
    start = time.perf_counter()
    check = timed("check", lambda: people_import.check_people_csv(data))
    assert check.ok, check.problems[:5]
    preview = people_import.preview_import(check)

    def write():
        passwords = people_import.apply_import(check, actor=None)
        db.session.commit()
        return passwords

    passwords = timed("apply + commit", write)
    print(f"  total: {time.perf_counter() - start:.2f} s ({preview.new} new, "
          f"{preview.updated} updated, {preview.unchanged} unchanged, "
          f"{len(passwords)} one-time passwords)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kompeten-bench-") as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        app = create_app("config.Config", {"SQLALCHEMY_DATABASE_URI": url,
                                           "INSTANCE_PATH": folder, "SECRET_KEY": "bench"})
        with app.app_context():
            db.drop_all()
            db.create_all()
            seed_agencies()
            db.session.commit()
            print(f"{args.rows} rows on {db.engine.dialect.name}")
            run_import(people_csv(args.rows), "first import (all new):")
            run_import(people_csv(args.rows, title="Analis"), "re-import (all updated):")
            run_import(people_csv(args.rows, title="Analis"), "same file again (unchanged):")
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


if __name__ == "__main__":
    main()
