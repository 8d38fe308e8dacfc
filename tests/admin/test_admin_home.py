"""The admin home shows what waits, with counts that link to where it is done, and right after
setup a first-steps checklist until every step is done."""

import re
from datetime import UTC, datetime

from app.audit import record_event
from app.auth import services as auth_services
from app.content.frontmatter import Problem
from app.content.import_record import record_import
from app.extensions import db
from app.jobs.models import Job
from app.settings import set_setting

ADMIN_NIP = "197808172003121001"


def counts_on(page):
    """{label: (number, link)} of the "Perlu ditindaklanjuti" counts."""
    found = re.findall(r'<a href="([^"]+)"><strong class="num">([\d.]+)</strong> ([^<]+)</a>',
                       page)
    return {label.strip(): (int(number.replace(".", "")), url) for url, number, label in found}


def test_counts_link_to_the_work_and_the_first_steps_go_when_done(client, create_user, login):
    admin = create_user(nip=ADMIN_NIP, roles=("admin",))
    login(ADMIN_NIP)
    page = client.get("/admin/").get_data(as_text=True)
    assert "Langkah pertama" in page
    steps = re.findall(r'<li class="(done|todo)">.*?<a href="([^"]+)">([^<]+)</a>', page, re.S)
    assert [(state, url) for state, url, _label in steps] == [
        ("todo", "/admin/opd"), ("todo", "/admin/pengguna/impor"),
        ("done", "/admin/pengaturan/sertifikat"),  # the test settings name a signer
        ("todo", "/admin/pengaturan/sertifikat")]
    assert "Tidak ada yang menunggu: semua sudah ditindaklanjuti." in page

    for serial in (1, 2):  # two self-registered accounts wait
        auth_services.create_user(nip=f"19900101201501100{serial}", name=f"Baru {serial}",
                                  password="rahasia-palu-2026", self_registered=True)
    create_user().active = False
    db.session.add_all([Job(kind="people.import", params_json="{}", state="failed",
                            created_at=datetime.now(UTC), max_attempts=1),
                        Job(kind="people.import", params_json="{}", state="queued",
                            created_at=datetime.now(UTC), max_attempts=1)])
    record_import([], [Problem("courses/x/course.md", 4, "jp salah")], "start-up")
    db.session.commit()

    counts = counts_on(client.get("/admin/").get_data(as_text=True))
    assert counts == {
        "Akun menunggu verifikasi": (2, "/admin/#verifikasi"),
        "Akun nonaktif": (1, "/admin/pengguna?status=nonaktif"),
        "Masalah pada impor konten terakhir": (1, "/admin/impor-konten"),
        "Tugas latar berjalan atau menunggu": (1, "/admin/tugas/"),
        "Tugas latar gagal (7 hari terakhir)": (1, "/admin/tugas/?status=failed"),
    }

    auth_services.seed_agencies()
    record_event(admin, "users.import", "user", None, created=10)
    set_setting("certificate.signer_name", "Dr. Hj. Nurhayati")
    set_setting("base_url", "https://kompeten.palukota.go.id")
    db.session.commit()
    assert "Langkah pertama" not in client.get("/admin/").get_data(as_text=True)
