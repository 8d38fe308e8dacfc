"""Every piece of text a template shows goes through a translation call (tests/i18n/untranslated.py
explains what counts as text); the checker itself is shown to catch each kind of miss."""

import pytest

from tests.i18n.untranslated import ROOT, template_files, untranslated_text


def test_every_template_text_is_translatable():
    found = {str(path.relative_to(ROOT)): untranslated_text(path) for path in template_files()}
    found = {path: texts for path, texts in found.items() if texts}
    assert found == {}, ("wrap this text in {{ _(\"...\") }} (docs/i18n.md), then run "
                         f"`make extract` and translate it: {found}")


def test_the_templates_are_found():
    paths = {str(path.relative_to(ROOT)) for path in template_files()}
    assert "app/templates/base.html" in paths
    assert "app/auth/templates/auth/login.html" in paths
    assert len(paths) > 50


@pytest.mark.parametrize("source, expected", [
    ("<p>Halo dunia</p>", ["Halo dunia"]),
    ('<input type="submit" value="Simpan">', ['<input value="Simpan">']),
    ('<img src="x.png" alt="Logo instansi">', ['<img alt="Logo instansi">']),
    ('<a href="#" title="{{ n }} berkas">x</a>', ['<a title="… berkas">']),
    ('<input placeholder="Cari kursus">', ['<input placeholder="Cari kursus">']),
    ('<nav aria-label="Menu utama"></nav>', ['<nav aria-label="Menu utama">']),
    ('{{ "Belum ada" }}', ['"Belum ada"']),
    ('{{ x or "Kosong" }}', ['"Kosong"']),
    ('{{ "Ya" if x else "Tidak" }}', ['"Ya"', '"Tidak"']),
    ('{{ field(f, placeholder="Cari kursus") }}', ['"Cari kursus"']),
    ("{% if x %}<p>Sudah lulus</p>{% endif %}", ["Sudah lulus"]),
])
def test_the_checker_finds_untranslated_text(tmp_path, source, expected):
    path = tmp_path / "page.html"
    path.write_text(source, encoding="utf-8")
    assert untranslated_text(path) == expected


@pytest.mark.parametrize("source", [
    '<p>{{ _("Halo") }} {{ n }} JP · Kompeten</p>',
    '<p>{{ ngettext("%(num)d modul", "%(num)d modul", n) }}</p>',
    "<td><code>kode_opd</code></td><pre>::Soal:: Contoh {=ya}</pre>",
    '<div class="review-{{ "ok" if x else "plain" }}"></div>',
    '<p aria-label="{{ _(\'Menu utama\') }}">{{ percent }}%</p>{# catatan panjang #}',
    '<{{ tag }}{% if tag == "th" %} scope="row"{% endif %}>{{ x }}</{{ tag }}>',
    '<script src="a.js"></script><input type="hidden" name="next" value="kembali">',
])
def test_the_checker_lets_translated_and_technical_text_pass(tmp_path, source):
    path = tmp_path / "page.html"
    path.write_text(source, encoding="utf-8")
    assert untranslated_text(path) == []
