"""Content problems never keep the LMS down: size limits refuse runaway files at once (with the
limit named, memory bounded), the start-up import serves what is valid and shows admins the
rest, and two imports at once take turns instead of one dying on a unique constraint."""

import os
import shutil
import subprocess
import sys
import threading
import time
import tracemalloc

from sqlalchemy import select

from app.content import import_lock
from app.content.import_record import last_import
from app.content.loader import check_courses
from app.content.quiz_loader import read_quiz
from app.courses.models import Course
from app.extensions import db
from tests.conftest import BUNDLED_COURSES, ROOT
from tests.content.helpers import module_text, write
from tests.test_migrations import empty_database_url  # noqa: F401  (a fixture)

LIMIT_LINE = "terlalu besar: {size} KB, batas {limit} KB (pengaturan LMS_{setting})"


def _big_module(path, megabytes):
    """A module file of the given size: valid front matter, then a long body."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(module_text("Raksasa", 30))
        line = "Paragraf panjang tentang SPBE yang diulang-ulang. " * 20 + "\n\n"
        for _ in range(megabytes * 1024 * 1024 // len(line) + 1):
            handle.write(line)


def test_a_50_mb_module_is_refused_at_once_with_the_limit_named(app, builder):
    folder = builder.make("besar-101")
    _big_module(folder / "03-raksasa.md", 50)
    size_kb = -(-os.path.getsize(folder / "03-raksasa.md") // 1024)
    tracemalloc.start()
    specs, problems = check_courses(builder.root)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    expected = LIMIT_LINE.format(size=f"{size_kb:,}".replace(",", "."), limit="1.024",
                                 setting="MODULE_MAX_KB")
    assert [str(p) for p in problems] == [f"{folder / '03-raksasa.md'}:1: berkas {expected}"]
    assert specs == []  # the course is not imported half
    assert peak < 5 * 1024 * 1024  # the file was never read into memory


def test_course_description_and_gift_limits(app, builder, tmp_path):
    app.config.update(DESCRIPTION_MAX_KB=1, GIFT_MAX_KB=1)
    folder = builder.make("desk-101")
    course = (folder / "course.md").read_text(encoding="utf-8")
    write(folder / "course.md", course + "Deskripsi panjang. " * 200)
    _specs, problems = check_courses(builder.root)
    assert [p.message for p in problems] == [
        "berkas " + LIMIT_LINE.format(size="4", limit="1", setting="DESCRIPTION_MAX_KB")]

    gift = write(tmp_path / "quizzes" / "desk-101" / "kuis-akhir.gift",
                 "::S1:: Ibu kota Sulteng? {=Palu ~Poso}\n\n" * 40)
    _spec, problems = read_quiz(gift)
    assert [str(p) for p in problems] == [
        f"{gift}:1: berkas " + LIMIT_LINE.format(size="2", limit="1", setting="GIFT_MAX_KB")]


def test_check_command_names_the_limit(run, builder):
    folder = builder.make("besar-101")
    _big_module(folder / "03-raksasa.md", 2)
    result = run("check", builder.root)
    assert result.exit_code == 1
    assert "03-raksasa.md:1: berkas terlalu besar: 2.0" in result.stderr
    assert "batas 1.024 KB (pengaturan LMS_MODULE_MAX_KB)" in result.stderr


# --- start-up: import what is valid, print the rest, serve -----------------------------------

def _broken_copy(tmp_path):
    root = tmp_path / "courses"
    shutil.copytree(BUNDLED_COURSES, root)
    broken = root / "spbe-101" / "course.md"
    broken.write_text(broken.read_text(encoding="utf-8").replace("jp: 12", "jp: dua belas"),
                      encoding="utf-8")
    return root, broken


def test_startup_import_serves_what_is_valid_and_tells_the_admins(
        app, run, tmp_path, client, create_user, login):
    root, broken = _broken_copy(tmp_path)
    alone = run("import", root)
    assert alone.exit_code == 1  # on its own the command still fails on problems

    result = run("import", "--startup", root)
    assert result.exit_code == 0
    assert f"{broken}:4: " in result.stderr  # path:line: message
    # MPD-301 requires SPBE-101, so it waits for it: a second problem, at its `requires` line.
    requires = broken.parent.parent / "mpd-301" / "course.md"
    assert f"{requires}:11: kursus prasyarat SPBE-101 tidak ditemukan" in result.stderr
    codes = set(db.session.scalars(select(Course.code)))
    assert not {"SPBE-101", "MPD-301"} & codes and {"DUK-201", "KAM-201", "TTE-101"} <= codes
    record = last_import()
    assert record["source"] == "start-up" and len(record["problems"]) == 2
    assert [p["path"] for p in record["problems"]] == [str(broken), str(requires)]

    create_user(nip="198001012006041001", roles=("admin",))
    login("198001012006041001")
    home = client.get("/admin/").get_data(as_text=True)
    assert "mencatat 2 masalah; berkas yang bermasalah tidak diimpor." in home
    assert 'href="/admin/impor-konten"' in home
    page = client.get("/admin/impor-konten").get_data(as_text=True)
    assert f"<code>{broken}:4</code>" in page
    assert "Masalah (2)" in page and "server saat dijalankan" in page

    fixed = run("import", BUNDLED_COURSES)  # the trainer fixed it: the notice goes
    assert fixed.exit_code == 0
    assert "mencatat" not in client.get("/admin/").get_data(as_text=True)
    assert "Tidak ada masalah: semua berkas diimpor." in client.get(
        "/admin/impor-konten").get_data(as_text=True)


def test_startup_import_that_cannot_run_still_lets_the_server_start(app, run, monkeypatch):
    from app.content import cli

    def crash(*args):
        raise RuntimeError("pemuat rusak")

    monkeypatch.setattr(cli, "import_content", crash)
    result = run("import", "--startup")
    assert result.exit_code == 0
    assert "Impor konten gagal (RuntimeError); server tetap dijalankan" in result.stderr
    assert last_import()["failure"] == "pemuat rusak"


# --- two imports at once ------------------------------------------------------------------

def test_a_second_import_waits_for_the_first(app, run):
    waited = threading.Event()
    with import_lock.content_import_turn(on_wait=lambda: None):
        result = {}

        def second():
            with app.app_context():
                with import_lock.content_import_turn(on_wait=waited.set):
                    result["ran"] = True

        thread = threading.Thread(target=second)
        thread.start()
        assert waited.wait(5)  # it was told that another import runs
        time.sleep(0.1)
        assert "ran" not in result  # and did not run meanwhile
    thread.join(5)
    assert result == {"ran": True}


def test_two_concurrent_import_commands_both_finish(empty_database_url, tmp_path):  # noqa: F811
    env = dict(os.environ, LMS_DATABASE_URL=empty_database_url,
               LMS_INSTANCE_PATH=str(tmp_path / "instance"),
               LMS_SECRET_KEY="import-test-key-" + "0" * 32, FLASK_APP="app:create_app()")
    env.pop("LMS_TEST_DATABASE_URL", None)
    flask = [sys.executable, "-m", "flask"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    imports = [subprocess.Popen([*flask, "content", "import"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    outputs = [process.communicate(timeout=240) for process in imports]
    for process, (_out, err) in zip(imports, outputs, strict=True):
        assert process.returncode == 0, err
        assert "Traceback" not in err and "UniqueViolation" not in err
    first, second = sorted((out for out, _err in outputs),
                           key=lambda out: "kursus baru" not in out)
    codes = "DUK-201, KAM-201, LPD-201, SPBE-101, MPD-301, SDI-201, TTE-101"  # import order
    assert f"kursus baru: {codes}" in first
    assert f"kursus tidak berubah: {codes}" in second  # found it all done


def test_the_editor_refuses_a_module_over_the_limit_and_keeps_the_text(app, client, create_user,
                                                                         login):
    from tests.authoring.helpers import TRAINER_NIP, add_module, make_course

    app.config["MODULE_MAX_KB"] = 2
    create_user(nip=TRAINER_NIP, roles=("trainer",))
    login(TRAINER_NIP)
    course = make_course(client)
    body = "Paragraf tentang tanda tangan elektronik. " * 60  # 2.5 KB
    page = add_module(client, course, "Terlalu panjang", body=body).get_data(as_text=True)
    assert ("Teks terlalu besar: 3 KB, batas 2 KB (pengaturan LMS_MODULE_MAX_KB). "
            "Pecah menjadi beberapa bagian.") in page
    assert body.strip() in page  # what was typed is still in the form
    assert course.modules == []
    page = add_module(client, course, "Cukup", body=body[:1500]).get_data(as_text=True)
    assert [module.title for module in course.modules] == ["Cukup"]
