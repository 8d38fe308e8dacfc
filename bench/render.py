"""Certificate rendering, measured in this process (no server): the issue's budget is 60 ms per
certificate on the bench machine. `python bench/render.py` prints it alone."""

import statistics
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.certificates.document import CertificateDocument
from app.certificates.pdf import render_certificate

TARGET_MS = 60
DOCUMENT = CertificateDocument(
    institution_name="Pemerintah Kota Palu",
    issuer_unit="Badan Kepegawaian dan Pengembangan Sumber Daya Manusia Daerah",
    number="800/0137/BKPSDM/XII/2026", holder_name="Andi Lamadjido, S.Kom.",
    holder_nip="198609262015051001", holder_rank="Penata Muda Tingkat I (III/b)",
    holder_position="Pranata Komputer Ahli Pertama",
    holder_agency="Dinas Komunikasi, Informatika, Persandian dan Statistik",
    course_title="Sistem Pemerintahan Berbasis Elektronik (SPBE) untuk ASN",
    course_code="SPBE-101", jp=12, competency="Teknis", mode="e-learning",
    completed_on=date(2026, 11, 30), issued_on=date(2026, 12, 5), place="Palu",
    signer_name="Dr. Hj. Nurhayati Lamasitudju, S.Sos., M.Si.",
    signer_title="Kepala BKPSDM Kota Palu", signer_nip="197503121998032004",
    verify_url="https://kompeten.palukota.go.id/verify/7KQ3M9XW2PTA",
    verification_code="7KQ3M9XW2PTA")


def measure(renders=50):
    """First render (prepares fonts for the process) and the median/p95 of the next ones, each
    a different holder so nothing is served from a cache of finished PDFs."""
    started = time.perf_counter()
    render_certificate(DOCUMENT)
    first_ms = (time.perf_counter() - started) * 1000
    timings = []
    for index in range(renders):
        document = replace(DOCUMENT, holder_name=f"Peserta Nomor {index:04d}",
                           number=f"800/{index:04d}/BKPSDM/XII/2026")
        started = time.perf_counter()
        render_certificate(document)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    median = statistics.median(timings)
    return {"renders": renders, "first_ms": round(first_ms, 1), "median_ms": round(median, 1),
            "p95_ms": round(timings[int(0.95 * (renders - 1))], 1), "target_ms": TARGET_MS,
            "met": median <= TARGET_MS}


def markdown(result):
    return ["## Certificate rendering (in process)", "",
            f"{result['renders']} renders: median {result['median_ms']} ms, p95 "
            f"{result['p95_ms']} ms (target ≤ {result['target_ms']} ms: "
            f"{'met' if result['met'] else 'NOT met'}); the first render of a process, which "
            f"prepares the fonts, took {result['first_ms']} ms."]


if __name__ == "__main__":
    print("\n".join(markdown(measure())))
