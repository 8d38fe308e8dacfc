"""Fonts are parsed once per process (a render only copies them), a name outside the common
Latin set still prints from the full fonts, and renders from several threads at once agree."""

import io
import threading
from dataclasses import replace

import pypdf

from app.certificates import pdf
from tests.certificates.test_pdf import DOCUMENT


def _text(data):
    return " ".join(pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text().split())


def test_fonts_are_parsed_once_per_process(monkeypatch):
    loads = []
    real_load = pdf._load_fonts
    monkeypatch.setattr(pdf, "_font_sets", {})
    monkeypatch.setattr(pdf, "_load_fonts", lambda common: loads.append(common) or
                        real_load(common))
    first = pdf.render_certificate(DOCUMENT)
    second = pdf.render_certificate(replace(DOCUMENT, holder_name="Budi Santoso"))
    assert loads == [True]  # one load of the common cut for both renders (both passes each)
    assert first != second and "Budi Santoso" in _text(second)


def test_a_name_outside_the_common_set_prints_from_the_full_fonts(monkeypatch):
    monkeypatch.setattr(pdf, "_font_sets", {})
    name = "Дмитрий Ἀλέξανδρος"
    assert not pdf._only_common_characters(replace(DOCUMENT, holder_name=name))
    data = pdf.render_certificate(replace(DOCUMENT, holder_name=name))
    assert name in _text(data)
    assert set(pdf._font_sets) == {"full"}


def test_the_common_cut_covers_indonesian_names_and_punctuation():
    document = replace(DOCUMENT, holder_name="Nurhayati Lamasitudju, S.Sos., M.Si. — Ç é ñ ő",
                       course_title="Tata Kelola “SPBE” – Modul 1 · Dasar")
    assert pdf._only_common_characters(document)
    assert "Tata Kelola “SPBE” – Modul 1 · Dasar" in _text(pdf.render_certificate(document))


def test_threads_rendering_at_once_on_a_cold_cache_get_the_same_bytes(monkeypatch):
    monkeypatch.setattr(pdf, "_font_sets", {})
    results, errors = [], []

    def render():
        try:
            results.append(pdf.render_certificate(DOCUMENT))
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=render) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors and len(results) == 4 and len(set(results)) == 1
