"""What a certificate says, without the means to draw it: the document pdf.py renders, and
the Indonesian dates printed on it and on its revocation stamp.

Kept apart from pdf.py so the web workers, which build documents and dates but never render
one, do not load fpdf, fontTools and segno (about 40 MiB per worker): rendering happens in the
job consumer and in the few requests that re-render (pdf.py and stamp.py are imported there,
inside the functions)."""

from dataclasses import dataclass
from datetime import date

COURSE_KIND, SESSION_KIND, PROGRAMME_KIND = "course", "session", "programme"

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember")


@dataclass(frozen=True)
class CertificateDocument:
    institution_name: str      # e.g. "Pemerintah Kota Palu"
    issuer_unit: str           # e.g. "Badan Kepegawaian dan Pengembangan SDM Daerah"
    number: str                # e.g. "800/0017/BKPSDM/XI/2026"
    holder_name: str
    holder_nip: str            # 18 digits; printed grouped "19860926 201505 1 001"
    holder_rank: str           # pangkat/golongan, may be ""
    holder_position: str       # jabatan, may be ""
    holder_agency: str         # instansi/OPD, may be ""
    course_title: str
    course_code: str
    jp: int
    competency: str            # e.g. "Teknis"
    mode: str                  # e.g. "E-learning"
    completed_on: date
    issued_on: date
    place: str                 # where issued, e.g. "Palu"
    signer_name: str
    signer_title: str          # e.g. "Kepala BKPSDM Kota Palu"
    signer_nip: str            # may be ""
    verify_url: str            # absolute URL of the public verification page
    verification_code: str
    kind: str = COURSE_KIND    # SESSION_KIND: attended a workshop or webinar (no code printed)
    started_on: date | None = None  # first day of a session held over several days
    provider: str = ""  # a partner that provided the training, named beside the issuer
    # PROGRAMME_KIND: the steps done, (code, title, jp, done_on), listed on a second page.
    components: tuple = ()


def indonesian_date(day):
    """27 November 2026: our own month names, so the host locale never matters."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
