"""Course-as-code loader: importing the bundled courses, idempotent re-imports, in-place updates
that keep learner progress, and path:line problems that stop a broken course from importing."""

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from app.content.frontmatter import Problem
from app.content.loader import check_courses, import_courses, read_course
from app.content.markdown import render_markdown
from app.courses import services
from app.courses.models import Course, Enrollment, Module, ModuleProgress
from app.extensions import db
from tests.conftest import BUNDLED_COURSES
from tests.content.helpers import (
    COURSE_LINES,
    course_text,
    module_file,
    module_text,
    table_snapshot,
    write,
)

# The starting catalogue of DOMAIN.md: seven courses, five modules each.
BUNDLED_CODES = ["DUK-201", "KAM-201", "LPD-201", "MPD-301", "SDI-201", "SPBE-101", "TTE-101"]
BUNDLED_MODULES = 35
SPBE_MODULES = [
    ("kebijakan-spbe-nasional", "Kebijakan SPBE Nasional", 75),
    ("arsitektur-dan-peta-rencana", "Arsitektur dan Peta Rencana SPBE", 90),
    ("tata-kelola-dan-manajemen", "Tata Kelola dan Manajemen SPBE", 90),
    ("evaluasi-spbe", "Evaluasi SPBE", 90),
    ("aplikasi-umum-dan-layanan", "Aplikasi Umum dan Layanan SPBE", 75),
]


def all_but(*codes):
    """The bundled codes without `codes`, sorted (what a report lists as unchanged)."""
    return [code for code in BUNDLED_CODES if code not in codes]


def course_by_code(code):
    return db.session.scalar(select(Course).where(Course.code == code))


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def run_import(root):
    report = import_courses(root)
    db.session.commit()
    db.session.expire_all()
    return report


def read_front_matter(path):
    """The file's front matter and body, read with plain YAML (independent of the loader)."""
    _, block, body = path.read_text(encoding="utf-8").split("---", 2)
    return yaml.safe_load(block), body.strip("\n")


def replace_in(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, (old, path)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def learner(create_user):
    return create_user()


def enroll_and_complete(user, course, slugs):
    services.enroll_learner(user, course)
    for module in course.modules:
        if module.slug in slugs:
            services.complete_module(user, module)
    db.session.commit()


# --- importing the bundled courses ----------------------------------------------------------

def test_bundled_courses_import_with_their_fields(courses):
    assert sorted(courses.created) == BUNDLED_CODES
    assert courses.updated == [] and courses.unchanged == [] and courses.problems == []
    assert count(Course) == len(BUNDLED_CODES)
    assert count(Module) == BUNDLED_MODULES

    spbe = course_by_code("SPBE-101")
    assert spbe.slug == "spbe-101"
    assert spbe.title == "Dasar-Dasar Sistem Pemerintahan Berbasis Elektronik"
    assert spbe.jp == 12
    assert spbe.competency == "teknis"
    assert spbe.mode == "e-learning"
    assert spbe.provider == "BKPSDM Kota Palu"
    assert spbe.status == "published"
    assert spbe.certificate_policy == "manual"
    assert spbe.summary.startswith("Pengantar SPBE bagi ASN Pemerintah Kota Palu")
    assert [(m.slug, m.title, m.minutes) for m in spbe.modules] == SPBE_MODULES
    assert [m.position for m in spbe.modules] == [1, 2, 3, 4, 5]
    assert all(m.retired_at is None for m in spbe.modules)

    duk = course_by_code("DUK-201")
    assert (duk.jp, duk.mode, duk.provider) == (10, "blended", "Disdukcapil Kota Palu")


@pytest.mark.parametrize("slug", [code.lower() for code in BUNDLED_CODES])
def test_every_bundled_course_matches_its_files(courses, slug):
    folder = BUNDLED_COURSES / slug
    meta, description = read_front_matter(folder / "course.md")
    course = course_by_code(meta["code"])
    assert course.slug == slug
    assert (course.title, course.jp, course.competency, course.mode, course.provider) == (
        meta["title"], meta["jp"], meta["competency"], meta["mode"], meta["provider"])
    assert course.summary == meta["summary"]
    assert course.description_source == description
    # The description sits under the page's own h2 "Tentang kursus": its `##` become h3.
    assert course.description_html == render_markdown(description, heading_base=2,
                                                      media_url=f"/media/{slug}/")
    assert course.description_html.startswith("<h3 id=\"h-")

    files = sorted(folder.glob("[0-9][0-9]-*.md"))
    assert [m.slug for m in course.modules] == [p.stem[3:] for p in files]
    assert [m.position for m in course.modules] == [int(p.name[:2]) for p in files]
    for module, path in zip(course.modules, files, strict=True):
        meta, body = read_front_matter(path)
        assert (module.title, module.minutes) == (meta["title"], meta["minutes"])
        assert module.body_source == body
        assert module.body_html == render_markdown(body)
        assert "minutes:" not in module.body_source and "<h2 id=\"h-" in module.body_html


def test_second_import_reports_unchanged_and_writes_nothing(courses, course_dir,
                                                            write_statements):
    before = table_snapshot()
    write_statements.clear()
    report = run_import(course_dir)
    assert report.ok
    assert sorted(report.unchanged) == BUNDLED_CODES
    assert report.created == [] and report.updated == []
    assert write_statements == []
    assert table_snapshot() == before
    assert count(Course) == len(BUNDLED_CODES) and count(Module) == BUNDLED_MODULES


# --- updating in place ----------------------------------------------------------------------

def test_editing_a_module_updates_it_in_place_and_keeps_progress(courses, course_dir, learner):
    spbe = course_by_code("SPBE-101")
    first = spbe.modules[0]
    first_id, other_updated = first.id, {m.id: m.updated_at for m in spbe.modules[1:]}
    enroll_and_complete(learner, spbe, {first.slug})

    path = module_file(course_dir / "spbe-101", "kebijakan-spbe-nasional")
    replace_in(path, "title: Kebijakan SPBE Nasional", "title: Kebijakan SPBE Nasional 2026")
    path.write_text(path.read_text(encoding="utf-8") + "\n## Materi tambahan\n\nIsi baru.\n",
                    encoding="utf-8")
    report = run_import(course_dir)

    assert report.updated == ["SPBE-101"]
    assert sorted(report.unchanged) == all_but("SPBE-101")
    module = db.session.get(Module, first_id)
    assert module.title == "Kebijakan SPBE Nasional 2026"
    assert module.body_source.endswith("## Materi tambahan\n\nIsi baru.")
    assert '<h2 id="h-materi-tambahan">Materi tambahan</h2>' in module.body_html
    assert count(Module) == BUNDLED_MODULES
    assert {m.id: m.updated_at for m in course_by_code("SPBE-101").modules[1:]} == other_updated
    progress = db.session.scalars(select(ModuleProgress)).all()
    assert [(p.user_id, p.module_id) for p in progress] == [(learner.id, first_id)]
    assert services.completed_module_ids(learner, module.course) == {first_id}


def test_editing_course_fields_updates_the_same_row(courses, course_dir):
    course_id = course_by_code("KAM-201").id
    path = course_dir / "kam-201" / "course.md"
    replace_in(path, "jp: 12", "jp: 14")
    replace_in(path, "competency: teknis", "competency: manajerial")
    replace_in(path, "certificate: manual", "certificate: auto")
    report = run_import(course_dir)

    assert report.updated == ["KAM-201"]
    course = db.session.get(Course, course_id)
    assert (course.jp, course.competency, course.certificate_policy) == (14, "manajerial", "auto")
    assert count(Course) == len(BUNDLED_CODES)


def test_swapping_order_prefixes_moves_modules_and_keeps_ids(courses, course_dir):
    ids = {m.slug: m.id for m in course_by_code("SPBE-101").modules}
    folder = course_dir / "spbe-101"
    (folder / "01-kebijakan-spbe-nasional.md").rename(folder / "03-kebijakan-spbe-nasional.md")
    (folder / "03-tata-kelola-dan-manajemen.md").rename(folder / "01-tata-kelola-dan-manajemen.md")
    report = run_import(course_dir)

    assert report.updated == ["SPBE-101"]
    modules = course_by_code("SPBE-101").modules
    assert [(m.position, m.slug) for m in modules] == [
        (1, "tata-kelola-dan-manajemen"), (2, "arsitektur-dan-peta-rencana"),
        (3, "kebijakan-spbe-nasional"), (4, "evaluasi-spbe"), (5, "aplikasi-umum-dan-layanan")]
    assert {m.slug: m.id for m in modules} == ids


def test_deleted_module_without_progress_is_deleted(courses, course_dir):
    gone = module_file(course_dir / "spbe-101", "evaluasi-spbe")
    gone_id = course_by_code("SPBE-101").modules[3].id
    gone.unlink()
    report = run_import(course_dir)

    assert report.updated == ["SPBE-101"]
    assert db.session.get(Module, gone_id) is None
    assert [m.slug for m in course_by_code("SPBE-101").modules] == [
        "kebijakan-spbe-nasional", "arsitektur-dan-peta-rencana", "tata-kelola-dan-manajemen",
        "aplikasi-umum-dan-layanan"]
    assert count(Module) == BUNDLED_MODULES - 1


def test_deleted_module_with_progress_is_retired_then_restored(courses, course_dir, learner):
    spbe = course_by_code("SPBE-101")
    module = spbe.modules[3]
    module_id = module.id
    enroll_and_complete(learner, spbe, {"evaluasi-spbe"})
    path = module_file(course_dir / "spbe-101", "evaluasi-spbe")
    saved = path.read_bytes()
    path.unlink()

    report = run_import(course_dir)
    assert report.updated == ["SPBE-101"]
    module = db.session.get(Module, module_id)
    assert module is not None and module.retired_at is not None
    retired_at = module.retired_at
    assert count(Module) == BUNDLED_MODULES
    active = db.session.scalars(services.active_modules_query(spbe.id)).all()
    assert module_id not in [m.id for m in active] and len(active) == 4
    assert db.session.scalar(select(ModuleProgress.module_id)) == module_id

    # Importing again while the file is still gone changes nothing.
    again = run_import(course_dir)
    assert "SPBE-101" in again.unchanged
    assert db.session.get(Module, module_id).retired_at == retired_at

    path.write_bytes(saved)
    back = run_import(course_dir)
    assert back.updated == ["SPBE-101"]
    module = db.session.get(Module, module_id)
    assert module.retired_at is None and module.position == 4
    assert len(db.session.scalars(services.active_modules_query(spbe.id)).all()) == 5
    assert count(ModuleProgress) == 1


def test_renamed_module_slug_with_progress_retires_old_and_adds_new(courses, course_dir,
                                                                     learner):
    spbe = course_by_code("SPBE-101")
    old_id = spbe.modules[0].id
    enroll_and_complete(learner, spbe, {"kebijakan-spbe-nasional"})
    folder = course_dir / "spbe-101"
    (folder / "01-kebijakan-spbe-nasional.md").rename(folder / "01-kebijakan-spbe.md")
    run_import(course_dir)

    modules = {m.slug: m for m in course_by_code("SPBE-101").modules}
    assert modules["kebijakan-spbe-nasional"].id == old_id
    assert modules["kebijakan-spbe-nasional"].retired_at is not None
    assert modules["kebijakan-spbe"].retired_at is None
    assert modules["kebijakan-spbe"].position == 1
    assert modules["kebijakan-spbe"].title == "Kebijakan SPBE Nasional"


def test_new_module_after_completion_keeps_completed_at(courses, course_dir, learner):
    spbe = course_by_code("SPBE-101")
    enroll_and_complete(learner, spbe, {m.slug for m in spbe.modules})
    enrollment = db.session.scalar(select(Enrollment))
    completed_at = enrollment.completed_at
    assert completed_at is not None

    write(course_dir / "spbe-101" / "06-refleksi.md", module_text("Refleksi Akhir", 15))
    report = run_import(course_dir)

    assert report.updated == ["SPBE-101"]
    modules = course_by_code("SPBE-101").modules
    assert [m.slug for m in modules][-1] == "refleksi" and modules[-1].position == 6
    assert db.session.get(Enrollment, enrollment.id).completed_at == completed_at
    assert count(ModuleProgress) == 5


# --- problems: path:line, in Indonesian, and a broken course imports nothing -----------------

def _drop_line(path, prefix):
    lines = path.read_text(encoding="utf-8").split("\n")
    kept = [line for line in lines if not line.startswith(prefix)]
    assert len(kept) == len(lines) - 1, prefix
    path.write_text("\n".join(kept), encoding="utf-8")


def _course(folder):
    return folder / "course.md"


def _module(folder):
    return folder / "01-pengantar.md"


def _set_course(key, value):
    def change(folder):
        text = _course(folder).read_text(encoding="utf-8").split("\n")
        line = COURSE_LINES[key] - 1
        assert text[line].startswith(f"{key}:")
        text[line] = f"{key}: {value}"
        _course(folder).write_text("\n".join(text), encoding="utf-8")
    return change


def _set_module(line_number, text):
    def change(folder):
        lines = _module(folder).read_text(encoding="utf-8").split("\n")
        lines[line_number - 1] = text
        _module(folder).write_text("\n".join(lines), encoding="utf-8")
    return change


def _insert_course_line(line_number, text):
    def change(folder):
        lines = _course(folder).read_text(encoding="utf-8").split("\n")
        lines.insert(line_number - 1, text)
        _course(folder).write_text("\n".join(lines), encoding="utf-8")
    return change


def _add_module(name, text=None):
    def change(folder):
        write(folder / name, text if text is not None else module_text("Tambahan", 10))
    return change


def _write_course(text):
    return lambda folder: write(_course(folder), text)


def _write_module(text):
    return lambda folder: write(_module(folder), text)


def _remove_modules(folder):
    for path in folder.glob("[0-9][0-9]-*.md"):
        path.unlink()


def _unclose_course(folder):
    text = _course(folder).read_text(encoding="utf-8")
    _course(folder).write_text(text.replace("---\n\n## Tentang", "\n## Tentang"),
                               encoding="utf-8")


LATIN1_COURSE = course_text().replace("Kursus Uji Coba", "Pelatihan Dasar").encode()
LATIN1_COURSE = LATIN1_COURSE.replace(b"Pelatihan Dasar", b"Pelatihan D\xe9sar")
LATIN1_MODULE = module_text().encode() + b"Catatan akhir \xff\xfe.\n"

# (id, change to the valid course folder, file it is reported on, line, Indonesian fragment)
PROBLEM_CASES = [
    ("missing-course-md", lambda folder: _course(folder).unlink(), "course.md", 1,
     "berkas course.md tidak ada"),
    ("no-front-matter", _write_course("# Kursus Uji\n\nTanpa front matter.\n"), "course.md", 1,
     "front matter YAML tidak ditemukan: baris pertama harus '---'"),
    ("front-matter-not-first", _write_course("\n" + course_text()), "course.md", 1,
     "front matter YAML tidak ditemukan"),
    ("unclosed-front-matter", _unclose_course, "course.md", 1,
     "front matter tidak ditutup dengan baris '---'"),
    ("yaml-colon-in-value", _set_course("title", "Kursus: Uji: Coba"), "course.md", 3,
     "YAML tidak valid: mapping values are not allowed here"),
    ("yaml-unclosed-quote", _set_course("title", '"Kursus Uji'), "course.md", 3,
     "YAML tidak valid"),
    ("yaml-key-without-colon", _insert_course_line(6, "mode-tanpa-titik-dua"), "course.md", 6,
     "YAML tidak valid: could not find expected ':'"),
    ("yaml-tab", _insert_course_line(4, "\tjp: 12"), "course.md", 4, "YAML tidak valid"),
    ("yaml-bad-indent", _insert_course_line(8, "  lokasi: Palu"), "course.md", 8,
     "YAML tidak valid"),
    ("yaml-undefined-alias", _set_course("provider", "*penyelenggara"), "course.md", 7,
     "YAML tidak valid: found undefined alias"),
    ("front-matter-is-a-list", _write_course("---\n- satu\n- dua\n---\n\nTeks.\n"),
     "course.md", 2, "front matter harus berisi pasangan 'kunci: nilai'"),
    ("unknown-key", _insert_course_line(5, "durasi: 3 hari"), "course.md", 5,
     "kunci 'durasi' tidak dikenal (yang dikenal: certificate, code, competency, jp, mode, "
     "provider, requires, status, summary, title)"),
    ("missing-title", lambda folder: _drop_line(_course(folder), "title:"), "course.md", 1,
     "'title' wajib diisi"),
    ("empty-title", _set_course("title", '""'), "course.md", 3, "'title' wajib diisi"),
    ("title-not-text", _set_course("title", "[Kursus, Uji]"), "course.md", 3,
     "'title' harus berupa teks"),
    ("missing-code", lambda folder: _drop_line(_course(folder), "code:"), "course.md", 1,
     "'code' wajib diisi"),
    ("missing-provider", lambda folder: _drop_line(_course(folder), "provider:"),
     "course.md", 1, "'provider' wajib diisi"),
    ("missing-jp", lambda folder: _drop_line(_course(folder), "jp:"), "course.md", 1,
     "'jp' wajib diisi"),
    ("jp-words", _set_course("jp", "dua belas"), "course.md", 4,
     "'jp' harus bilangan bulat, bukan 'dua belas'"),
    ("jp-quoted-number", _set_course("jp", '"12"'), "course.md", 4,
     "'jp' harus bilangan bulat, bukan '12'"),
    ("jp-fraction", _set_course("jp", "12.5"), "course.md", 4,
     "'jp' harus bilangan bulat, bukan '12.5'"),
    ("jp-boolean", _set_course("jp", "true"), "course.md", 4, "'jp' harus bilangan bulat"),
    ("jp-zero", _set_course("jp", "0"), "course.md", 4,
     "'jp' harus antara 1 dan 200, bukan 0"),
    ("jp-negative", _set_course("jp", "-3"), "course.md", 4,
     "'jp' harus antara 1 dan 200, bukan -3"),
    ("jp-too-many", _set_course("jp", "201"), "course.md", 4,
     "'jp' harus antara 1 dan 200, bukan 201"),
    ("competency-unknown", _set_course("competency", "fungsional"), "course.md", 5,
     "'competency' tidak dikenal: 'fungsional' (pilihan: teknis, manajerial, sosial_kultural)"),
    ("competency-label-not-key", _set_course("competency", "Teknis"), "course.md", 5,
     "'competency' tidak dikenal: 'Teknis'"),
    ("competency-list", _set_course("competency", "[teknis]"), "course.md", 5,
     "'competency' tidak dikenal"),
    ("mode-missing", lambda folder: _drop_line(_course(folder), "mode:"), "course.md", 1,
     "'mode' wajib diisi (pilihan: e-learning, blended, klasikal, webinar)"),
    ("mode-unknown", _set_course("mode", "daring"), "course.md", 6,
     "'mode' tidak dikenal: 'daring'"),
    ("status-unknown", _insert_course_line(9, "status: terbit"), "course.md", 9,
     "'status' tidak dikenal: 'terbit' (pilihan: draft, published, archived)"),
    ("certificate-unknown", _insert_course_line(9, "certificate: otomatis"), "course.md", 9,
     "'certificate' tidak dikenal: 'otomatis' (pilihan: manual, auto)"),
    ("code-lowercase", _set_course("code", "uji-101"), "course.md", 2,
     "kode 'uji-101' hanya boleh huruf besar, angka dan tanda hubung, mis. SPBE-101"),
    ("code-space", _set_course("code", "UJI 101"), "course.md", 2,
     "kode 'UJI 101' hanya boleh huruf besar"),
    ("code-underscore", _set_course("code", "UJI_101"), "course.md", 2,
     "kode 'UJI_101' hanya boleh huruf besar"),
    ("code-trailing-dash", _set_course("code", "UJI-"), "course.md", 2,
     "kode 'UJI-' hanya boleh huruf besar"),
    ("code-too-long", _set_course("code", "U" * 33), "course.md", 2,
     "'code' terlalu panjang: 33 karakter, maksimal 32"),
    ("summary-too-long", _set_course("summary", "r" * 301), "course.md", 8,
     "'summary' terlalu panjang: 301 karakter, maksimal 300"),
    ("course-not-utf8", lambda folder: write(_course(folder), LATIN1_COURSE), "course.md", 3,
     "berkas bukan teks UTF-8"),
    ("module-name-one-digit", _add_module("1-intro.md"), "1-intro.md", 1,
     "nama berkas modul harus 'NN-slug.md' (dua digit, huruf kecil, angka, tanda hubung), "
     "mis. 01-kebijakan-spbe.md"),
    ("module-name-uppercase", _add_module("03-Intro.md"), "03-Intro.md", 1,
     "nama berkas modul harus 'NN-slug.md'"),
    ("module-name-three-digits", _add_module("003-intro.md"), "003-intro.md", 1,
     "nama berkas modul harus 'NN-slug.md'"),
    ("module-name-underscore", _add_module("03-intro_dua.md"), "03-intro_dua.md", 1,
     "nama berkas modul harus 'NN-slug.md'"),
    ("module-name-no-dash", _add_module("03intro.md"), "03intro.md", 1,
     "nama berkas modul harus 'NN-slug.md'"),
    ("module-name-no-slug", _add_module("03-.md"), "03-.md", 1,
     "nama berkas modul harus 'NN-slug.md'"),
    ("module-duplicate-number", _add_module("01-lain.md"), "01-pengantar.md", 1,
     "nomor urut 01 sudah dipakai oleh 01-lain.md"),
    ("module-duplicate-slug", _add_module("03-pengantar.md"), "03-pengantar.md", 1,
     "slug modul 'pengantar' sudah dipakai oleh 01-pengantar.md"),
    ("module-missing-minutes", lambda folder: _drop_line(_module(folder), "minutes:"),
     "01-pengantar.md", 1, "'minutes' wajib diisi"),
    ("module-missing-title", lambda folder: _drop_line(_module(folder), "title:"),
     "01-pengantar.md", 1, "'title' wajib diisi"),
    ("module-minutes-zero", _set_module(3, "minutes: 0"), "01-pengantar.md", 3,
     "'minutes' harus antara 1 dan 600, bukan 0"),
    ("module-minutes-too-many", _set_module(3, "minutes: 601"), "01-pengantar.md", 3,
     "'minutes' harus antara 1 dan 600, bukan 601"),
    ("module-minutes-words", _set_module(3, "minutes: empat puluh"), "01-pengantar.md", 3,
     "'minutes' harus bilangan bulat, bukan 'empat puluh'"),
    ("module-unknown-key", _set_module(3, "durasi: 30"), "01-pengantar.md", 3,
     "kunci 'durasi' tidak dikenal (yang dikenal: minutes, title)"),
    ("module-empty-body", _write_module("---\ntitle: Pengantar\nminutes: 30\n---\n"),
     "01-pengantar.md", 5, "isi modul kosong"),
    ("module-blank-body", _write_module("---\ntitle: Pengantar\nminutes: 30\n---\n\n  \n\n"),
     "01-pengantar.md", 5, "isi modul kosong"),
    ("module-no-front-matter", _write_module("# Pengantar\n\nIsi.\n"), "01-pengantar.md", 1,
     "front matter YAML tidak ditemukan"),
    ("module-unclosed-front-matter", _write_module("---\ntitle: Pengantar\nminutes: 30\n"),
     "01-pengantar.md", 1, "front matter tidak ditutup"),
    ("module-bad-yaml", _set_module(2, "title: 'Pengantar"), "01-pengantar.md", 2,
     "YAML tidak valid"),
    ("module-not-utf8", lambda folder: write(_module(folder), LATIN1_MODULE),
     "01-pengantar.md", 9, "berkas bukan teks UTF-8"),
    ("no-modules", _remove_modules, "", 1,
     "kursus tidak punya modul: tambahkan berkas seperti 01-pengantar.md"),
]


@pytest.mark.parametrize(("change", "relative", "line", "message"),
                         [pytest.param(*case[1:], id=case[0]) for case in PROBLEM_CASES])
def test_problem_is_reported_at_path_and_line_and_course_is_not_imported(
        app, builder, change, relative, line, message):
    broken = builder.make("uji-101", code="UJI-101")
    builder.make("baik-201", code="BAIK-201")
    change(broken)
    path = str(broken / relative) if relative else str(broken)

    specs, problems = check_courses(builder.root)
    assert [spec.fields["code"] for spec in specs] == ["BAIK-201"]
    assert problems, "no problem reported"
    assert all(problem.path.startswith(str(broken)) for problem in problems), problems
    matching = [p for p in problems if p.path == path and p.line == line and message in p.message]
    assert matching, [str(p) for p in problems]
    assert str(matching[0]) == f"{path}:{line}: {matching[0].message}"

    report = run_import(builder.root)
    assert report.created == ["BAIK-201"] and not report.ok
    assert [str(p) for p in report.problems] == [str(p) for p in problems]
    assert db.session.scalars(select(Course.code)).all() == ["BAIK-201"]
    assert count(Module) == 2


def test_read_course_returns_no_spec_with_problems(app, builder):
    folder = builder.make("uji-101", code="UJI-101")
    replace_in(folder / "course.md", "jp: 12", "jp: dua belas")
    replace_in(folder / "02-penutup.md", "minutes: 20", "minutes: nol")
    spec, problems = read_course(folder)
    assert spec is None
    assert [(Path(p.path).name, p.line) for p in problems] == [("course.md", 4),
                                                             ("02-penutup.md", 3)]


def test_problem_prints_as_path_line_message():
    problem = Problem("courses/spbe-101/course.md", 4, "'jp' wajib diisi")
    assert str(problem) == "courses/spbe-101/course.md:4: 'jp' wajib diisi"


def test_bad_folder_name_is_reported(app, builder):
    folder = builder.make("Uji_101", code="UJI-101")
    specs, problems = check_courses(builder.root)
    assert specs == []
    assert [str(p) for p in problems] == [
        f"{folder}:1: nama folder kursus 'Uji_101' harus slug: huruf kecil, angka, tanda hubung"]


def test_missing_root_is_reported(app, tmp_path):
    missing = tmp_path / "tidak-ada"
    specs, problems = check_courses(missing)
    assert specs == []
    assert [str(p) for p in problems] == [f"{missing}:1: folder atau berkas tidak ditemukan"]


def test_file_instead_of_folder_is_reported_not_crashing(app, course_dir):
    path = course_dir / "spbe-101" / "course.md"
    specs, problems = check_courses(path)
    assert specs == []
    assert len(problems) == 1 and problems[0].path == str(path) and problems[0].line == 1
    assert "folder" in problems[0].message


def test_single_course_folder_can_be_checked(app, course_dir):
    specs, problems = check_courses(course_dir / "kam-201")
    assert problems == []
    assert [(spec.slug, len(spec.modules)) for spec in specs] == [("kam-201", 5)]


def test_bom_and_crlf_files_are_read(app, builder):
    folder = builder.make("uji-101", code="UJI-101")
    for path in folder.glob("*.md"):
        text = path.read_text(encoding="utf-8").replace("\n", "\r\n")
        path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    report = run_import(builder.root)
    assert report.ok and report.created == ["UJI-101"]
    course = course_by_code("UJI-101")
    assert course.title == "Kursus Uji Coba"
    assert course.description_source == "## Tentang kursus\n\nDeskripsi kursus uji."
    assert "\r" not in course.modules[0].body_source


def test_defaults_for_optional_keys(app, builder):
    builder.make("uji-101", code="UJI-101")
    run_import(builder.root)
    course = course_by_code("UJI-101")
    assert (course.status, course.certificate_policy) == ("published", "manual")


def test_two_courses_with_the_same_code_are_both_refused(app, builder):
    first = builder.make("uji-101", code="UJI-101")
    second = builder.make("uji-102", code="UJI-101")
    builder.make("baik-201", code="BAIK-201")
    specs, problems = check_courses(builder.root)
    assert [spec.slug for spec in specs] == ["baik-201"]
    messages = {p.path: str(p) for p in problems}
    assert set(messages) == {str(first / "course.md"), str(second / "course.md")}
    assert messages[str(second / "course.md")] == (
        f"{second / 'course.md'}:1: kode UJI-101 juga dipakai oleh {first}")

    report = run_import(builder.root)
    assert report.created == ["BAIK-201"] and len(report.problems) == 2
    assert db.session.scalars(select(Course.code)).all() == ["BAIK-201"]


def test_copied_course_folder_does_not_hijack_the_existing_course(courses, course_dir):
    shutil.copytree(course_dir / "spbe-101", course_dir / "aaa-salinan")
    before = table_snapshot()
    report = run_import(course_dir)
    assert not report.ok
    assert sorted(report.unchanged) == all_but("SPBE-101")
    assert course_by_code("SPBE-101").slug == "spbe-101"
    assert table_snapshot() == before


def test_folder_slug_taken_by_another_code_is_refused(courses, course_dir):
    replace_in(course_dir / "spbe-101" / "course.md", "code: SPBE-101", "code: SPBE-999")
    before = table_snapshot()
    report = run_import(course_dir)
    assert [str(p) for p in report.problems] == [
        f"{course_dir / 'spbe-101' / 'course.md'}:1: folder 'spbe-101' sudah dipakai kursus "
        "berkode SPBE-101 di basis data"]
    assert sorted(report.unchanged) == all_but("SPBE-101")
    assert course_by_code("SPBE-999") is None
    assert table_snapshot() == before


def test_renamed_folder_moves_the_course_by_code(courses, course_dir):
    course_id = course_by_code("DUK-201").id
    (course_dir / "duk-201").rename(course_dir / "adminduk-201")
    report = run_import(course_dir)
    assert report.updated == ["DUK-201"]
    assert db.session.get(Course, course_id).slug == "adminduk-201"


def test_broken_edit_of_an_existing_course_changes_nothing(courses, course_dir, learner):
    spbe = course_by_code("SPBE-101")
    enroll_and_complete(learner, spbe, {"kebijakan-spbe-nasional"})
    folder = course_dir / "spbe-101"
    replace_in(folder / "course.md", "jp: 12", "jp: 16")
    replace_in(folder / "course.md", "## Tentang pelatihan ini", "## Tentang kursus ini")
    replace_in(module_file(folder, "kebijakan-spbe-nasional"), "title: Kebijakan SPBE Nasional",
               "title: Kebijakan Baru")
    module_file(folder, "evaluasi-spbe").unlink()
    write(folder / "06-tambahan.md", module_text("Tambahan", 10))
    # ...and one mistake: the whole course must stay as it was.
    replace_in(module_file(folder, "aplikasi-umum-dan-layanan"), "minutes: 75", "minutes: 0")
    before = table_snapshot()

    report = run_import(course_dir)

    assert [(Path(p.path).name, p.line) for p in report.problems] == [
        ("05-aplikasi-umum-dan-layanan.md", 3)]
    assert sorted(report.unchanged) == all_but("SPBE-101")
    assert report.updated == [] and report.created == []
    assert table_snapshot() == before
    spbe = course_by_code("SPBE-101")
    assert spbe.jp == 12 and [m.slug for m in spbe.modules] == [s for s, _, _ in SPBE_MODULES]


def test_good_courses_import_next_to_a_broken_one_with_existing_rows(courses, course_dir):
    replace_in(course_dir / "kam-201" / "course.md", "competency: teknis", "competency: teknik")
    replace_in(course_dir / "duk-201" / "course.md", "jp: 10", "jp: 11")
    write(course_dir / "baru-301" / "course.md", course_text("BARU-301"))
    write(course_dir / "baru-301" / "01-pengantar.md", module_text())
    report = run_import(course_dir)

    assert report.created == ["BARU-301"]
    assert report.updated == ["DUK-201"]
    assert sorted(report.unchanged) == all_but("DUK-201", "KAM-201")
    assert [(Path(p.path).parent.name, p.line) for p in report.problems] == [("kam-201", 5)]
    assert course_by_code("DUK-201").jp == 11
    assert course_by_code("KAM-201").competency == "teknis"
    assert [m.slug for m in course_by_code("BARU-301").modules] == ["pengantar"]
